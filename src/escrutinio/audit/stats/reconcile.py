"""Reconciliation of hand counts with reported tables (full or partial hand count).

Replaces each hand-counted table's reported votes with its hand count and recomputes the
plurality winners (the "full hand count" that a risk-limiting audit escalates to; Lindeman
& Stark, "A Gentle Introduction to Risk-Limiting Audits", IEEE S&P 10(5), 2012).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escrutinio.audit.stats.assertions import reported_winners

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class TableDiscrepancy:
    """Hand count minus reported votes of one table (per option)."""

    table: int
    difference: tuple[int, ...]

    @property
    def any(self) -> bool:
        """True if the table's hand count differs from its acta."""
        return any(self.difference)


@dataclass(frozen=True)
class Reconciliation:
    """Result of reconciling one contest."""

    reported_totals: tuple[int, ...]
    corrected_totals: tuple[int, ...]
    reported_winners: tuple[int, ...]
    corrected_winners: tuple[int, ...]
    discrepancies: tuple[TableDiscrepancy, ...]

    @property
    def winners_changed(self) -> bool:
        """True if the corrected totals elect a different set of winners."""
        return self.reported_winners != self.corrected_winners


def reconcile_contest(
    reported: ArrayLike, hand_counts: Mapping[int, ArrayLike], seats: int
) -> Reconciliation:
    """Reconcile ``reported[table, option]`` with hand counts keyed by table index."""
    rep: IntArray = np.asarray(reported, dtype=np.int64)
    corrected = rep.copy()
    found: list[TableDiscrepancy] = []
    for table in sorted(hand_counts):
        hand = np.asarray(hand_counts[table], dtype=np.int64)
        if hand.shape != rep[table].shape:
            raise ValueError(f"table {table}: hand count has {hand.size} options")
        diff = hand - rep[table]
        corrected[table] = hand
        found.append(TableDiscrepancy(table, tuple(int(d) for d in diff)))
    rt = rep.sum(axis=0)
    ct = corrected.sum(axis=0)
    return Reconciliation(
        tuple(int(x) for x in rt),
        tuple(int(x) for x in ct),
        reported_winners(rt, seats),
        reported_winners(ct, seats),
        tuple(found),
    )
