"""Vectorised totalization: sums of unit-level counts for a contest and its regions.

Regional sums are one sparse product ``G @ C``: ``G`` is the (regions × units) 0/1 matrix
with a single 1 per column (the unit's region), built directly in CSC form in O(units)
without sorting, and ``C`` the int64 counts matrix. Sums stay exact int64, and a contest
with a million units and a dozen options is tallied in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from escrutinio.model.definition import Definition, IntArray
from escrutinio.tally.counts import EXTRA_COLUMNS, ContestCounts, check_counts


@dataclass(frozen=True)
class Totals:
    """Summed counts of one contest over a set of units (the whole contest or a region)."""

    options: IntArray
    null: int
    blank: int
    voters: int
    registered: int
    registered_counted: int
    actas_counted: int
    actas_expected: int

    @property
    def valid(self) -> int:
        """Votes for ballot options."""
        return int(self.options.sum())

    @classmethod
    def from_sums(
        cls,
        column_sums: IntArray,
        *,
        registered: int,
        registered_counted: int,
        actas_counted: int,
        actas_expected: int,
    ) -> Totals:
        """Build totals from the summed count columns (options, null, blank, voters)."""
        k = column_sums.shape[0] - EXTRA_COLUMNS
        return cls(
            options=np.asarray(column_sums[:k], dtype=np.int64).copy(),
            null=int(column_sums[k]),
            blank=int(column_sums[k + 1]),
            voters=int(column_sums[k + 2]),
            registered=registered,
            registered_counted=registered_counted,
            actas_counted=actas_counted,
            actas_expected=actas_expected,
        )


def contest_totals(definition: Definition, counts: ContestCounts, *, check: bool = True) -> Totals:
    """Totals of a whole contest: every counted unit, every eligible unit as expected."""
    if check:
        check_counts(definition, counts)
    eligible = definition.eligible_mask(counts.contest_id)
    registered = definition.units.registered
    return Totals.from_sums(
        counts.counts.sum(axis=0, dtype=np.int64),
        registered=int(registered[eligible].sum()),
        registered_counted=int(registered[counts.units].sum()),
        actas_counted=int(counts.units.shape[0]),
        actas_expected=int(np.count_nonzero(eligible)),
    )


def _group_sum(index: npt.NDArray[np.int32], values: IntArray, size: int) -> IntArray:
    """Sum the rows of ``values`` (n × w, or n) by group ``index`` (n, all >= 0) into ``size``."""
    n = index.shape[0]
    matrix = values.reshape(n, 1) if values.ndim == 1 else values
    if n == 0:
        return np.zeros((size, matrix.shape[1]), dtype=np.int64)
    import scipy.sparse as sp  # imported on first use: SciPy is slow to load at CLI start

    groups = sp.csc_matrix((np.ones(n, dtype=np.int64), index, np.arange(n + 1)), shape=(size, n))
    return np.asarray(groups @ matrix, dtype=np.int64)


def region_totals(
    definition: Definition, counts: ContestCounts, level: str, *, check: bool = True
) -> list[tuple[int, Totals]]:
    """Totals per region at ``level`` for regions with at least one eligible unit.

    Returns ``(region index, totals)`` pairs in region order. Units with no region at
    that level are left out of every row.
    """
    if check:
        check_counts(definition, counts)
    n_regions = len(definition.regions)
    unit_region = definition.unit_regions_at(level)
    eligible_units = np.flatnonzero(definition.eligible_mask(counts.contest_id))
    elig_region = unit_region[eligible_units]
    keep = elig_region >= 0
    elig_region = elig_region[keep]
    elig_reg = definition.units.registered[eligible_units[keep]]
    expected = np.bincount(elig_region, minlength=n_regions)
    registered = _group_sum(elig_region, elig_reg, n_regions)[:, 0]

    rows = counts.counts
    counted_region = unit_region[counts.units]
    counted_reg = definition.units.registered[counts.units]
    if counted_region.size and int(counted_region.min()) < 0:
        keep_counted = counted_region >= 0
        counted_region = counted_region[keep_counted]
        rows = rows[keep_counted]
        counted_reg = counted_reg[keep_counted]
    sums = _group_sum(counted_region, rows, n_regions)
    actas = np.bincount(counted_region, minlength=n_regions)
    reg_counted = _group_sum(counted_region, counted_reg, n_regions)[:, 0]
    return [
        (
            int(r),
            Totals.from_sums(
                sums[r],
                registered=int(registered[r]),
                registered_counted=int(reg_counted[r]),
                actas_counted=int(actas[r]),
                actas_expected=int(expected[r]),
            ),
        )
        for r in np.flatnonzero(expected)
    ]
