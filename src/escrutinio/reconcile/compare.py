"""Reconcile two collections of actas (e.g. official results vs a party's witness copies).

Units are matched by identifier when both collections have one; otherwise by region key: within
each key (e.g. parish) rows with identical count vectors are paired first (multiset
intersection), and the remaining rows are paired by minimum total absolute difference (optimal
assignment, Kuhn–Munkres via ``scipy.optimize.linear_sum_assignment``); a remaining pair is
kept only when :class:`SameSheetRule` calls it the same sheet, differing, and is otherwise two
different sheets (one *only_a*, one *only_b*). Each unit is then *identical*, *differing*,
*only_a* or *only_b*, and the net effect on every option's total and on the margin (leader
minus runner-up) follows, with roll-ups by region level.

Region names are compared by match key (:mod:`escrutinio.reconcile.names`: Unicode-aware
normalisation, abbreviations, place kinds, an optional crosswalk) when ``names`` is given, and
the names that matched nothing on either side are listed with their closest candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import linear_sum_assignment

from escrutinio.reconcile.names import Crosswalk, NameRules
from escrutinio.reconcile.unmatched import unmatched_names

STATUSES = ("identical", "differing", "only_a", "only_b")


@dataclass(frozen=True)
class SameSheetRule:
    """When two actas matched without ids are *the same sheet, differing* rather than two
    different sheets.

    Same sheet when the count vectors differ in exactly one field (one cell misread or
    mistyped, whatever its size: ``123`` for ``723``), or when they differ in at most
    ``max_field_share`` of the fields (rounded up) by at most ``max(min_votes,
    max_vote_share × the larger total)`` votes in all (a correction moving a few votes between
    two cells). Anything else is two different sheets: a pair 139 votes apart in several
    fields is no transcription of one sheet (two sheets of the same parish commonly differ by
    that much), and calling it "differing" would count an acta missing from one side and an
    extra acta on the other as one altered acta. Defaults: half the fields, 10 votes, 2%.
    """

    max_field_share: float = 0.5
    min_votes: int = 10
    max_vote_share: float = 0.02

    def same_sheet(self, a: np.ndarray, b: np.ndarray) -> bool:
        """True when count vectors ``a`` and ``b`` are read as the same sheet (see the class)."""
        differing = int(np.count_nonzero(a != b))
        if differing <= 1:
            return True
        if differing > math.ceil(self.max_field_share * a.size):
            return False
        total = max(int(a.sum()), int(b.sum()))
        return int(np.abs(a - b).sum()) <= max(self.min_votes, self.max_vote_share * total)


@dataclass(frozen=True)
class Reconciliation:
    """Per-unit comparison of two collections and derived totals.

    ``units`` has the key columns, ``row_a``/``row_b`` (row numbers, null when absent),
    ``status``, and for each count column ``c``: ``c_a``, ``c_b`` and ``c_diff`` (B − A, absent
    side counted as 0).
    """

    units: pl.DataFrame
    keys: tuple[str, ...]
    regions: tuple[str, ...]
    counts: tuple[str, ...]
    unmatched: pl.DataFrame | None = None
    """Names that matched nothing on the other side, with the closest candidates (None when
    names were not normalised); see :func:`escrutinio.reconcile.unmatched.unmatched_names`."""

    def status_counts(self) -> dict[str, int]:
        """Number of units in each status."""
        got = dict(self.units.group_by("status").len().iter_rows())
        return {s: int(got.get(s, 0)) for s in STATUSES}

    def totals(self) -> pl.DataFrame:
        """Per option: total in A, total in B, and B − A."""
        return pl.DataFrame(
            {
                "option": list(self.counts),
                "total_a": [int(self.units[f"{c}_a"].sum()) for c in self.counts],
                "total_b": [int(self.units[f"{c}_b"].sum()) for c in self.counts],
            }
        ).with_columns((pl.col("total_b") - pl.col("total_a")).alias("diff"))

    def margins(self, options: tuple[str, ...] | None = None) -> dict[str, object]:
        """Leader and runner-up among ``options`` (default all counts) in A and B, with margins.

        ``margin_b_same_pair`` is A's leader minus A's runner-up counted in B (negative when the
        order flips).
        """
        opts = options or self.counts
        tot = self.totals().filter(pl.col("option").is_in(list(opts)))
        totals = {
            "a": dict(zip(tot["option"].to_list(), tot["total_a"].to_list(), strict=True)),
            "b": dict(zip(tot["option"].to_list(), tot["total_b"].to_list(), strict=True)),
        }
        out: dict[str, object] = {}
        margin: dict[str, int] = {}
        pair: dict[str, tuple[str, str]] = {}
        for side in ("a", "b"):
            ranked = sorted(totals[side], key=lambda o: -totals[side][o])
            first, second = ranked[0], ranked[min(1, len(ranked) - 1)]
            pair[side] = (first, second)
            margin[side] = int(totals[side][first] - totals[side][second])
            out[f"leader_{side}"], out[f"runner_up_{side}"] = first, second
            out[f"margin_{side}"] = margin[side]
        out["margin_change"] = margin["b"] - margin["a"]
        leader_a, runner_up_a = pair["a"]
        out["margin_b_same_pair"] = int(totals["b"][leader_a] - totals["b"][runner_up_a])
        return out

    def margins_by(self, column: str) -> pl.DataFrame:
        """:meth:`margins` for each value of ``column`` (e.g. a contest or a state)."""
        rows = []
        for value in self.units.get_column(column).unique().sort().to_list():
            part = Reconciliation(
                self.units.filter(pl.col(column) == value), self.keys, self.regions, self.counts
            )
            rows.append({column: value, **part.margins()})
        return pl.DataFrame(rows)

    def rollup(self, level: str) -> pl.DataFrame:
        """Per value of region column ``level``: units in each status and net B − A per option."""
        return (
            self.units.group_by(level)
            .agg(
                *[(pl.col("status") == s).sum().alias(s) for s in STATUSES],
                *[pl.col(f"{c}_diff").sum().alias(f"{c}_diff") for c in self.counts],
                *[pl.col(f"{c}_diff").abs().sum().alias(f"{c}_absdiff") for c in self.counts],
            )
            .with_columns(
                (pl.col("differing") + pl.col("only_a") + pl.col("only_b")).alias("discrepancies")
            )
            .sort(level)
        )


def _counts_matrix(frame: pl.DataFrame, counts: tuple[str, ...]) -> np.ndarray:
    """Count columns as an int64 matrix (nulls as 0)."""
    return (
        frame.select([pl.col(c).cast(pl.Int64).fill_null(0) for c in counts])
        .to_numpy()
        .astype(np.int64)
        .reshape(frame.height, len(counts))
    )


def _pair_within(
    ma: np.ndarray, mb: np.ndarray, rule: SameSheetRule
) -> list[tuple[int | None, int | None]]:
    """Pair rows of two count matrices of one key group: identical first, then closest."""
    pairs: list[tuple[int | None, int | None]] = []
    free_b: dict[tuple[int, ...], list[int]] = {}
    for j, row in enumerate(mb):
        free_b.setdefault(tuple(row.tolist()), []).append(j)
    rest_a = []
    for i, row in enumerate(ma):
        bucket = free_b.get(tuple(row.tolist()))
        if bucket:
            pairs.append((i, bucket.pop(0)))
        else:
            rest_a.append(i)
    rest_b = sorted(j for bucket in free_b.values() for j in bucket)
    paired_a: set[int] = set()
    paired_b: set[int] = set()
    if rest_a and rest_b:
        ra, rb = ma[rest_a], mb[rest_b]
        cost = np.abs(ra[:, None, :] - rb[None, :, :]).sum(axis=2)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            if rule.same_sheet(ra[r], rb[c]):
                pairs.append((rest_a[r], rest_b[c]))
                paired_a.add(rest_a[r])
                paired_b.add(rest_b[c])
    pairs += [(i, None) for i in rest_a if i not in paired_a]
    pairs += [(None, j) for j in rest_b if j not in paired_b]
    return pairs


def _same_key_types(
    a: pl.DataFrame, b: pl.DataFrame, columns: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two collections with each key and region column of one type in both, so they can
    be joined: an empty collection (whose columns have no type) takes the other's type, and
    columns of two different types are compared as text."""
    for col in columns:
        ta, tb = a.schema[col], b.schema[col]
        if ta == tb:
            continue
        if ta == pl.Null:
            a = a.with_columns(pl.col(col).cast(tb))
        elif tb == pl.Null:
            b = b.with_columns(pl.col(col).cast(ta))
        else:
            a = a.with_columns(pl.col(col).cast(pl.String))
            b = b.with_columns(pl.col(col).cast(pl.String))
    return a, b


def _with_match_keys(
    frame: pl.DataFrame,
    columns: tuple[str, ...],
    rules: NameRules,
    crosswalk: Crosswalk | None,
    unit: str | None,
) -> pl.DataFrame:
    """``frame`` with a match-key column ``__k_<c>`` for each column (B's spelling through the
    crosswalk when one is given: pass it for collection A only)."""
    out = []
    for col in columns:
        values = frame.get_column(col).cast(pl.String)
        mapping = crosswalk.entries.get(col, {}) if crosswalk else {}
        if col == unit:
            keyed = [None if v is None else mapping.get(v.strip(), v.strip()) for v in values]
        else:
            keyed = [None if v is None else rules.key(v) for v in values]
            keyed = [None if k is None else mapping.get(k, k) for k in keyed]
        out.append(pl.Series(f"__k_{col}", keyed, dtype=pl.String))
    return frame.with_columns(out)


def reconcile(
    a: pl.DataFrame,
    b: pl.DataFrame,
    counts: tuple[str, ...],
    unit: str | None = None,
    regions: tuple[str, ...] = (),
    match_on: tuple[str, ...] | None = None,
    rule: SameSheetRule | None = None,
    names: NameRules | None = None,
    crosswalk: Crosswalk | None = None,
) -> Reconciliation:
    """Compare collections ``a`` and ``b`` unit by unit.

    With ``unit`` (present in both, no nulls, unique) rows match on it. Otherwise they match
    within groups of ``match_on`` (default: all ``regions``), as described in the module, and
    ``rule`` says which pairs are the same sheet. With ``names``, key columns match by
    match key (and through ``crosswalk``, whose entries name columns of ``a``); otherwise as
    written. Region columns are carried into the result for roll-ups.
    """
    rule = rule or SameSheetRule()
    a = a.with_row_index("row_a")
    b = b.with_row_index("row_b")
    keys = (unit,) if unit is not None else tuple(match_on or regions)
    if not keys:
        raise ValueError("give a unit id column or region key columns to match on")
    for name, frame in (("A", a), ("B", b)):
        missing = [c for c in (*keys, *regions, *counts) if c not in frame.columns]
        if missing:
            raise ValueError(f"collection {name} lacks columns: {', '.join(missing)}")
    if crosswalk is not None:
        if names is None:
            raise ValueError("a crosswalk needs name rules (names=NameRules())")
        unknown = sorted(crosswalk.columns() - set(keys) - set(regions))
        if unknown:
            raise ValueError(
                f"the crosswalk names column(s) {', '.join(unknown)}, which are not key or "
                f"region columns ({', '.join(dict.fromkeys((*keys, *regions)))})"
            )
    a, b = _same_key_types(a, b, tuple(dict.fromkeys((*keys, *regions))))
    unmatched = None
    match_keys = keys
    if names is not None:
        keyed = tuple(dict.fromkeys((*keys, *regions)))
        a = _with_match_keys(a, keyed, names, crosswalk, unit)
        b = _with_match_keys(b, keyed, names, None, unit)
        match_keys = tuple(f"__k_{c}" for c in keys)
        levels = regions if unit is not None else keys
        unmatched = unmatched_names(a, b, levels)
    if unit is not None:
        ukey = match_keys[0]
        for name, frame in (("A", a), ("B", b)):
            dup = frame.filter(pl.col(ukey).is_duplicated()).get_column(unit).unique().to_list()
            if dup or frame.get_column(ukey).null_count():
                raise ValueError(f"collection {name} has duplicate or missing ids: {dup[:10]}")
        pairs_frame = a.select(ukey, "row_a").join(
            b.select(ukey, "row_b"), on=ukey, how="full", coalesce=True
        )
        pair_rows = list(
            zip(pairs_frame["row_a"].to_list(), pairs_frame["row_b"].to_list(), strict=True)
        )
    else:
        ma_all, mb_all = _counts_matrix(a, counts), _counts_matrix(b, counts)
        groups_a = a.group_by(list(match_keys)).agg(pl.col("row_a"))
        groups_b = b.group_by(list(match_keys)).agg(pl.col("row_b"))
        groups = groups_a.join(groups_b, on=list(match_keys), how="full", coalesce=True)
        pair_rows = []
        for rows_a, rows_b in zip(
            groups["row_a"].to_list(), groups["row_b"].to_list(), strict=True
        ):
            ra, rb = list(rows_a or []), list(rows_b or [])
            for i, j in _pair_within(ma_all[ra], mb_all[rb], rule):
                pair_rows.append((None if i is None else ra[i], None if j is None else rb[j]))
    rec = _build(a, b, pair_rows, keys, regions, counts)
    return Reconciliation(rec.units, keys, regions, counts, unmatched)


def _build(
    a: pl.DataFrame,
    b: pl.DataFrame,
    pair_rows: list[tuple[int | None, int | None]],
    keys: tuple[str, ...],
    regions: tuple[str, ...],
    counts: tuple[str, ...],
) -> Reconciliation:
    """Assemble the per-unit table from matched row pairs."""
    carry = list(dict.fromkeys((*keys, *regions)))
    pairs = pl.DataFrame(
        {"row_a": [p[0] for p in pair_rows], "row_b": [p[1] for p in pair_rows]},
        schema={"row_a": pl.UInt32, "row_b": pl.UInt32},
    )
    side_a = a.select("row_a", *carry, *[pl.col(c).cast(pl.Int64).alias(f"{c}_a") for c in counts])
    side_b = b.select("row_b", *carry, *[pl.col(c).cast(pl.Int64).alias(f"{c}_b") for c in counts])
    side_b = side_b.rename({c: f"{c}__b" for c in carry})
    units = pairs.join(side_a, on="row_a", how="left").join(side_b, on="row_b", how="left")
    units = units.with_columns([pl.coalesce(c, f"{c}__b").alias(c) for c in carry]).drop(
        [f"{c}__b" for c in carry]
    )
    equal = pl.all_horizontal([pl.col(f"{c}_a") == pl.col(f"{c}_b") for c in counts])
    status = (
        pl.when(pl.col("row_b").is_null())
        .then(pl.lit("only_a"))
        .when(pl.col("row_a").is_null())
        .then(pl.lit("only_b"))
        .when(equal)
        .then(pl.lit("identical"))
        .otherwise(pl.lit("differing"))
    )
    units = units.with_columns(
        status.alias("status"),
        *[pl.col(f"{c}_a").fill_null(0) for c in counts],
        *[pl.col(f"{c}_b").fill_null(0) for c in counts],
    ).with_columns([(pl.col(f"{c}_b") - pl.col(f"{c}_a")).alias(f"{c}_diff") for c in counts])
    ordered = [*carry, "row_a", "row_b", "status"]
    for c in counts:
        ordered += [f"{c}_a", f"{c}_b", f"{c}_diff"]
    units = units.select(ordered).sort([*carry, "row_a", "row_b"], nulls_last=True)
    return Reconciliation(units=units, keys=keys, regions=regions, counts=counts)
