"""Batch-level comparison assorters for auditing tables (actas) sampled uniformly.

SHANGRLA (Stark, FC 2020) applied to batches, tested with ALPHA (Stark, Ann. Appl. Stat.
17(1), 2023). For assertion (w, l) with reported assorter margin v over N ballots in N_B
batches, batch b's assorter overstatement is ω_b = ((r_w − r_l) − (a_w − a_l))/2 (the sum
of the ballot-level overstatements). The outcome is correct iff mean_b(y_b) < v/2 with
y_b = ω_b·N_B/N. With τ ≥ max_b y_b (τ = max_b N_B/N·(n_b + r_w − r_l)/2 because actual
assorters are ≥ 0), the batch assorter

    x_b = (τ − y_b) / (2τ − v)

is nonnegative and has mean > 1/2 iff the assertion holds; it is bounded above by
(τ + max_b N_B/N·(n_b − r_w + r_l)/2)/(2τ − v).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_pvalues, comparison_eta0
from escrutinio.audit.stats.assertions import Assertion
from escrutinio.audit.stats.martingale import FloatArray


@dataclass(frozen=True)
class BatchAssorter:
    """Batch comparison assorter of one assertion over ``n_batches`` tables."""

    assertion: Assertion
    n_batches: int
    tau: float
    upper: float

    @property
    def no_error_value(self) -> float:
        """Value x_b of every batch when hand counts match the reported counts."""
        return self.tau / (2 * self.tau - self.assertion.diluted_margin)

    def values(
        self,
        reported_winner: ArrayLike,
        reported_loser: ArrayLike,
        actual_winner: ArrayLike,
        actual_loser: ArrayLike,
    ) -> FloatArray:
        """Assorter values x_b of sampled batches from reported and hand-counted votes."""
        rw = np.asarray(reported_winner, dtype=np.float64)
        rl = np.asarray(reported_loser, dtype=np.float64)
        aw = np.asarray(actual_winner, dtype=np.float64)
        al = np.asarray(actual_loser, dtype=np.float64)
        y = ((rw - rl) - (aw - al)) / 2 * self.n_batches / self.assertion.ballots
        return (self.tau - y) / (2 * self.tau - self.assertion.diluted_margin)

    def pvalues(self, values: ArrayLike, *, replacement: bool = False) -> FloatArray:
        """Running ALPHA P-values for tables drawn uniformly (without replacement by default).

        η_0 comes from :func:`comparison_eta0` and d = 10,000, as for ballot comparison.
        """
        return alpha_pvalues(
            values,
            upper=self.upper,
            eta0=comparison_eta0(self.no_error_value, self.upper),
            population=None if replacement else self.n_batches,
            d=COMPARISON_D,
        )


def batch_assorter(
    assertion: Assertion,
    reported_winner: ArrayLike,
    reported_loser: ArrayLike,
    ballots: ArrayLike,
) -> BatchAssorter:
    """Build the batch assorter from every batch's reported votes and ballots cast."""
    rw = np.asarray(reported_winner, dtype=np.float64)
    rl = np.asarray(reported_loser, dtype=np.float64)
    nb = np.asarray(ballots, dtype=np.float64)
    scale = rw.size / assertion.ballots
    tau = float(np.max(nb + rw - rl)) / 2 * scale
    under = float(np.max(nb - rw + rl)) / 2 * scale
    v = assertion.diluted_margin
    return BatchAssorter(assertion, int(rw.size), tau, (tau + under) / (2 * tau - v))
