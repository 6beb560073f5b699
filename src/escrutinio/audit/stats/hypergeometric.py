"""Risk actually attained by a fixed-percentage table audit.

Error bounds from MACRO (Stark, Ann. Appl. Stat. 2(3), 2008). For one winner–loser pair,
table p can overstate the relative margin by at most u_p = (r_pw − r_pl + b_p)/V_wl, and the
reported outcome is wrong only if Σ_p e_p ≥ 1 with e_p ≤ u_p. Hence every wrong-outcome
world has at least m* tables with e_p > 0, where m* is the smallest m such that the m largest
bounds (of some pair) sum to ≥ 1.

Test statistic: D = number of sampled tables with a positive overstatement. Under uniform
sampling of k of N tables without replacement, D is hypergeometric(N, m, k) when m tables
are erroneous, and P(D ≤ d) decreases in m. The maximum over all wrong-outcome worlds of
P(D ≤ d_obs) is therefore the hypergeometric CDF at m = m*: a valid P-value — the attained
risk. With no discrepancy it is C(N − m*, k)/C(N, k), the chance that the sample misses every
table of a minimal outcome-changing set. It ignores the size of the errors, so it is
conservative when the observed discrepancies are small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.macro import BatchContest, contest_error_bounds


@dataclass(frozen=True)
class FixedPercentageRisk:
    """Attained risk of a fixed-percentage audit of one contest."""

    contest: str
    tables: int
    sampled: int
    min_changing_tables: int
    tables_with_overstatement: int
    risk: float


def min_outcome_changing_tables(contest: BatchContest) -> int:
    """m*: fewest tables whose maximal overstatements could change some pair's outcome.

    0 when some pair has no positive margin (a tie, or ballots outside the tables that could
    erase it); tables + 1 when no set of tables can change it.
    """
    best = contest.reported.shape[0] + 1
    if contest.unconfirmable() or not contest.pairs():
        return 0
    for bounds in contest_error_bounds(contest):
        cum = np.cumsum(np.sort(bounds)[::-1])
        if cum.size and cum[-1] >= 1:
            best = min(best, int(np.searchsorted(cum, 1.0, side="left")) + 1)
    return int(best)


def attained_risk(
    contest: BatchContest, sampled: ArrayLike, actual: ArrayLike
) -> FixedPercentageRisk:
    """Attained risk given sampled table indices and their hand counts ``actual[k, option]``."""
    idx = np.asarray(sampled, dtype=np.int64)
    act = np.asarray(actual, dtype=np.int64)
    n_tables = contest.reported.shape[0]
    m = min_outcome_changing_tables(contest)
    d = 0
    if idx.size:
        over = np.zeros(idx.size, dtype=bool)
        for w, lo in contest.pairs():
            diff = (contest.reported[idx, w] - contest.reported[idx, lo]) - (act[:, w] - act[:, lo])
            over |= diff > 0
        d = int(over.sum())
    from scipy.stats import hypergeom  # SciPy's stats module is slow to import

    risk = 0.0 if m > n_tables else float(hypergeom.cdf(d, n_tables, m, idx.size))
    return FixedPercentageRisk(contest.contest, n_tables, int(idx.size), m, d, min(1.0, risk))
