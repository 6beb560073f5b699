"""Unit-level counts of a contest: the input of every tally.

The store hands the counting acta versions over as one integer matrix per contest
(one row per counted polling unit); :func:`counts_from_actas` builds the same from
:class:`~escrutinio.model.acta.Acta` objects for files and tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from escrutinio.model.acta import Acta
from escrutinio.model.definition import Definition, IdxArray, IntArray

EXTRA_COLUMNS = 3
"""Columns after the ballot options: null, blank, voters."""


@dataclass
class ContestCounts:
    """Unit-level counts of one contest, from the acta versions that count.

    ``units`` holds unique definition unit indexes (int32); ``counts`` has shape
    ``(len(units), k + 3)``: votes per ballot option in the contest's option order, then
    null, blank (0 if absent) and voters.
    """

    contest_id: str
    units: IdxArray
    counts: IntArray

    def __post_init__(self) -> None:
        self.units = np.asarray(self.units, dtype=np.int32)
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if self.counts.ndim != 2 or self.counts.shape[0] != self.units.shape[0]:
            raise ValueError(
                f"contest '{self.contest_id}': counts must have one row per unit, got shape "
                f"{self.counts.shape} for {self.units.shape[0]} units"
            )

    @property
    def option_count(self) -> int:
        """Number of ballot options (k)."""
        return int(self.counts.shape[1]) - EXTRA_COLUMNS

    @classmethod
    def empty(cls, definition: Definition, contest_id: str) -> ContestCounts:
        """Counts of a contest with no acta counted yet."""
        k = len(definition.contests[contest_id].options)
        return cls(
            contest_id,
            np.zeros(0, dtype=np.int32),
            np.zeros((0, k + EXTRA_COLUMNS), dtype=np.int64),
        )


def check_counts(definition: Definition, counts: ContestCounts) -> None:
    """Raise ``ValueError`` unless the counts fit the contest: width, unique eligible units."""
    contest = definition.contests.get(counts.contest_id)
    if contest is None:
        raise ValueError(f"unknown contest '{counts.contest_id}'")
    k = len(contest.options)
    if counts.option_count != k:
        raise ValueError(
            f"contest '{contest.id}' has {k} ballot options but the counts have "
            f"{counts.option_count} option columns"
        )
    n_units = len(definition.units)
    units = counts.units
    if units.size == 0:
        return
    if int(units.min()) < 0 or int(units.max()) >= n_units:
        raise ValueError(f"contest '{contest.id}': unit index out of range")
    if int(np.bincount(units, minlength=n_units).max()) > 1:
        raise ValueError(f"contest '{contest.id}': a unit appears twice in the counts")
    if not bool(definition.eligible_mask(contest.id)[units].all()):
        raise ValueError(f"contest '{contest.id}': counts include a unit that does not vote in it")


def counts_from_actas(definition: Definition, actas: Iterable[Acta]) -> dict[str, ContestCounts]:
    """Group counting actas by contest into :class:`ContestCounts` (one acta per unit).

    Every contest of the definition gets an entry (empty when no acta counts). Raises
    ``ValueError`` for an unknown unit or contest, or two actas for one unit and contest.
    """
    rows: dict[str, dict[int, tuple[int, ...]]] = {cid: {} for cid in definition.contests}
    for acta in actas:
        per_unit = rows.get(acta.contest)
        if per_unit is None:
            raise ValueError(f"acta for unknown contest '{acta.contest}'")
        unit = definition.units.index.get(acta.unit)
        if unit is None:
            raise ValueError(f"acta for unknown unit '{acta.unit}'")
        if unit in per_unit:
            raise ValueError(f"two counting actas for unit '{acta.unit}', contest '{acta.contest}'")
        per_unit[unit] = acta.counts_row()
    out: dict[str, ContestCounts] = {}
    for cid, per_unit in rows.items():
        if not per_unit:
            out[cid] = ContestCounts.empty(definition, cid)
            continue
        units = np.fromiter(per_unit.keys(), dtype=np.int32, count=len(per_unit))
        matrix = np.array(list(per_unit.values()), dtype=np.int64)
        out[cid] = ContestCounts(cid, units, matrix)
        check_counts(definition, out[cid])
    return out
