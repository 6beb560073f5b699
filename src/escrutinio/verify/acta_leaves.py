"""Acta leaves read column-wise, for `escrutinio.verify.record`.

A leaf that fully matches `ACTA_LEAF` (a grammar that admits only the canonical form: the
fixed key order of RFC 8785, no whitespace, integers without leading zeros or ``-0``,
strings of printable ASCII that need no escape, vote keys strictly increasing) is canonical
by construction, so its fields are taken from the match without a JSON parser
(`fast_actas`); every other acta leaf is parsed, proven canonical by the caller, and read
by `slow_acta`. Only `escrutinio.model` is used besides NumPy and Polars.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.canonical import canonical_json_fast

_INT = r"(?:0|-?[1-9][0-9]{0,17})"
_STR = r"[ !#-\[\]-~]*"  # printable ASCII except '"' and '\': never escaped in JSON
_PAIR = rf'"{_STR}":{_INT}'
_VOTES = rf"\{{(?:{_PAIR}(?:,{_PAIR})*)?\}}"
ACTA_LEAF = (
    rf'^\{{"acta":(?P<content>\{{"blank":(?P<blank>null|{_INT}),"contest":"(?P<contest>{_STR})",'
    rf'"null":(?P<null>{_INT}),"source":"(?P<source>{_STR})","unit":"(?P<unit>{_STR})",'
    rf'"voters":(?P<voters>{_INT}),"votes":(?P<votes>{_VOTES})\}}),'
    rf'"content_hash":"(?P<content_hash>[0-9a-f]{{64}})","counting":(?P<counting>true|false),'
    rf'"kind":"acta","received_at":"(?P<received_at>{_STR})","status":"(?P<status>{_STR})",'
    rf'"version":(?P<version>{_INT})\}}$'
)
"""Canonical acta leaves only (both Python ``re`` and Rust ``regex`` syntax)."""

SCHEMA: dict[str, Any] = {
    "log_index": pl.Int64,
    "unit": pl.String,
    "contest": pl.String,
    "source": pl.String,
    "version": pl.Int64,
    "status": pl.String,
    "counting": pl.Boolean,
    "received_at": pl.String,
    "content_hash": pl.String,
    "null": pl.Int64,
    "blank": pl.Int64,
    "voters": pl.Int64,
    "votes": pl.String,
    "plain": pl.Boolean,
}
"""Columns of `Record.actas`; ``plain`` marks votes whose keys need no JSON escape."""

_CONTENT_KEYS = {"blank", "contest", "null", "source", "unit", "voters", "votes"}
_ACTA_KEYS = {"acta", "content_hash", "counting", "kind", "received_at", "status", "version"}


class RecordProblem(ValueError):
    """A leaf is malformed or inconsistent with the leaves before it."""


@dataclass
class VoteLayout:
    """Acta leaves whose votes objects have exactly these keys, in this order.

    ``log_index[i]`` is the leaf of row ``i`` of ``values`` (one column per key).
    """

    keys: tuple[str, ...]
    log_index: npt.NDArray[np.int64]
    values: npt.NDArray[np.int64]


def as_int64(value: Any) -> int:
    """``value`` when it is a 64-bit integer (not a bool); `TypeError` otherwise."""
    if type(value) is not int or not -(2**63) <= value < 2**63:
        raise TypeError(f"{value!r} is not a 64-bit integer")
    return value


def as_text(value: Any) -> str:
    """``value`` when it is a string; `TypeError` otherwise."""
    if type(value) is not str:
        raise TypeError(f"{value!r} is not a string")
    return value


def slow_acta(index: int, leaf: dict[str, Any]) -> tuple[Any, ...]:
    """Row of an acta leaf that needed the JSON parser (already proven canonical)."""
    content = leaf["acta"]
    if set(leaf) != _ACTA_KEYS or not isinstance(content, dict) or set(content) != _CONTENT_KEYS:
        raise TypeError("unexpected keys")
    votes = content["votes"]
    if not isinstance(votes, dict):
        raise TypeError("votes is not an object")
    for key, value in votes.items():
        as_text(key)
        as_int64(value)
    blank = content["blank"]
    if type(leaf["counting"]) is not bool:
        raise TypeError("counting is not a boolean")
    raw = canonical_json_fast(content)
    if hashlib.sha256(raw).hexdigest() != leaf["content_hash"]:
        raise RecordProblem(f"log entry {index}: content_hash does not match the acta")
    return (
        index,
        as_text(content["unit"]),
        as_text(content["contest"]),
        as_text(content["source"]),
        as_int64(leaf["version"]),
        as_text(leaf["status"]),
        leaf["counting"],
        as_text(leaf["received_at"]),
        as_text(leaf["content_hash"]),
        as_int64(content["null"]),
        None if blank is None else as_int64(blank),
        as_int64(content["voters"]),
        canonical_json_fast(votes).decode("utf-8"),
        False,
    )


def as_text_series(entries: list[bytes]) -> pl.Series:
    """The entries as a String series; entries that are not UTF-8 become empty strings."""
    raw = pl.Series("entry", entries, dtype=pl.Binary)
    try:
        return raw.cast(pl.String)
    except pl.exceptions.ComputeError:
        out: list[str] = []
        for e in entries:
            try:
                out.append(e.decode("utf-8"))
            except UnicodeDecodeError:
                out.append("")
        return pl.Series("entry", out, dtype=pl.String)


_KEY = re.compile(r'"([^"]*)":-?[0-9]+')


def _escape(key: str) -> str:
    """A regex matching exactly ``key`` (same syntax for Python ``re`` and Rust ``regex``)."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}" for c in key)


def _vote_layouts(
    votes: pl.Series, log_index: npt.NDArray[np.int64]
) -> tuple[list[VoteLayout], npt.NDArray[np.bool_]]:
    """Group matched votes objects by key list and read their values column-wise.

    Returns the layouts and a mask of the rows whose keys are strictly increasing (the
    canonical order); the other rows are left to the JSON path.
    """
    ok = np.zeros(votes.len(), dtype=bool)
    layouts: list[VoteLayout] = []
    if not votes.len():
        return layouts, ok
    coarse = pl.DataFrame({"sig": votes.str.replace_all(":[-0-9]+", "")})
    groups = coarse.with_row_index("row").group_by("sig").agg("row")["row"]
    for g in range(groups.len()):
        rows = groups[g].to_numpy().astype(np.int64)
        while rows.size:
            keys = _KEY.findall(str(votes[int(rows[0])]))
            part = votes.gather(rows)
            if keys:
                pairs = ",".join(f'"{_escape(k)}":(?P<v{j}>-?[0-9]+)' for j, k in enumerate(keys))
                got = part.str.extract_groups(rf"^\{{{pairs}\}}$").struct.unnest()
                hit = got["v0"].is_not_null().to_numpy()
                values = got.filter(hit).select(pl.all().cast(pl.Int64)).to_numpy()
            else:
                hit = (part == "{}").to_numpy()
                values = np.zeros((int(hit.sum()), 0), dtype=np.int64)
            if all(a < b for a, b in itertools.pairwise(keys)):
                ok[rows[hit]] = True
                values = values.astype(np.int64)
                layouts.append(VoteLayout(tuple(keys), log_index[rows[hit]], values))
            rows = rows[~hit]
    return layouts, ok


def fast_actas(
    entries: list[bytes], text: pl.Series
) -> tuple[pl.DataFrame, pl.Series, list[VoteLayout]]:
    """Rows of the canonical acta leaves and a mask of the entries left for the JSON path."""
    parts = text.str.extract_groups(ACTA_LEAF).struct.unnest()
    parts = parts.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("log_index"))
    matched = parts.filter(pl.col("content").is_not_null())
    layouts, good = _vote_layouts(matched["votes"], matched["log_index"].to_numpy())
    matched = matched.filter(pl.Series(good))
    sha = hashlib.sha256
    at = matched["log_index"].to_list()
    ends = (matched["content"].str.len_bytes() + 8).to_list()
    digests = b"".join([sha(entries[i][8:end]).digest() for i, end in zip(at, ends, strict=True)])
    if matched.height and digests != bytes.fromhex(matched["content_hash"].str.join("").item()):
        hexes = matched["content_hash"].to_list()
        bad = next(n for n, h in enumerate(hexes) if digests[32 * n : 32 * n + 32].hex() != h)
        raise RecordProblem(f"log entry {at[bad]}: content_hash does not match the acta")
    frame = matched.select(
        "log_index",
        "unit",
        "contest",
        "source",
        pl.col("version").cast(pl.Int64),
        "status",
        (pl.col("counting") == "true").alias("counting"),
        "received_at",
        "content_hash",
        pl.col("null").cast(pl.Int64),
        pl.when(pl.col("blank") != "null").then(pl.col("blank")).cast(pl.Int64).alias("blank"),
        pl.col("voters").cast(pl.Int64),
        "votes",
        pl.lit(True).alias("plain"),
    )
    rest = pl.Series(np.ones(text.len(), dtype=bool))
    rest = rest.scatter(frame["log_index"].to_numpy(), False) if frame.height else rest
    return frame, rest, layouts
