"""Place names that matched nothing on the other side, with the closest candidates.

Level by level (broadest first), a name of collection A (by match key, under a parent that
both collections have) that B lacks is listed with B's three most similar names under the same
parent, and the other way round. Similarity is ``difflib.SequenceMatcher.ratio`` on the match
keys (2·matches / total length, Ratcliff–Obershelp). Children of an unmatched place are not
listed again: fixing the parent's spelling (rules or crosswalk) comes first.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

import polars as pl

MAX_CANDIDATES = 3

COLUMNS = ("side", "level", "parent", "name", "rows", "candidates")


def _places(
    frame: pl.DataFrame, levels: tuple[str, ...], depth: int
) -> dict[tuple[str, ...], tuple[list[str], int]]:
    """Match-key path → (spellings as written, number of rows) at ``depth``."""
    keys = [f"__k_{c}" for c in levels[: depth + 1]]
    grouped = (
        frame.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))
        .group_by(keys)
        .agg(pl.col(levels[depth]).cast(pl.String).unique().sort().alias("__names"), pl.len())
    )
    out: dict[tuple[str, ...], tuple[list[str], int]] = {}
    for row in grouped.iter_rows():
        out[tuple(row[: depth + 1])] = (list(row[depth + 1]), int(row[depth + 2]))
    return out


def _closest(key: str, others: list[tuple[str, list[str]]]) -> str:
    """The most similar names among ``others`` ((key, spellings) pairs), with their ratios."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, k).ratio(), names[0]) for k, names in others),
        key=lambda x: (-x[0], x[1]),
    )
    return "; ".join(f"{name} ({ratio:.2f})" for ratio, name in scored[:MAX_CANDIDATES])


def unmatched_names(a: pl.DataFrame, b: pl.DataFrame, levels: tuple[str, ...]) -> pl.DataFrame:
    """Names of either side that the other lacks (see the module); ``a`` and ``b`` carry a
    match-key column ``__k_<level>`` beside each level column."""
    rows: list[dict[str, object]] = []
    for depth, level in enumerate(levels):
        side_places = {"A": _places(a, levels, depth), "B": _places(b, levels, depth)}
        parents = {side: {path[:depth] for path in places} for side, places in side_places.items()}
        shared_parents = parents["A"] & parents["B"]
        for side, other in (("A", "B"), ("B", "A")):
            siblings: dict[tuple[str, ...], list[tuple[str, list[str]]]] = defaultdict(list)
            for path, (names, _) in side_places[other].items():
                siblings[path[:depth]].append((path[-1], names))
            for path, (names, count) in sorted(side_places[side].items()):
                parent = path[:depth]
                if parent not in shared_parents or path in side_places[other]:
                    continue
                rows.append(
                    {
                        "side": side,
                        "level": level,
                        "parent": " / ".join(parent),
                        "name": " | ".join(names),
                        "rows": count,
                        "candidates": _closest(path[-1], siblings[parent]),
                    }
                )
    return pl.DataFrame(
        rows,
        schema={
            "side": pl.String,
            "level": pl.String,
            "parent": pl.String,
            "name": pl.String,
            "rows": pl.Int64,
            "candidates": pl.String,
        },
    )
