"""Measured risk of an audit round: the P-value of every assertion and of each contest.

A contest's outcome is confirmed when every winner–loser assertion is rejected at the risk
limit (SHANGRLA, Stark, FC 2020); its measured risk is the largest assertion P-value.
Ballot polling uses BRAVO (Lindeman, Stark & Yates 2012) or ALPHA (Stark 2023); ballot
comparison uses ALPHA or Kaplan–Markov (Stark 2010); table comparison uses MACRO with PPEB
(Stark 2008) or ALPHA batch assorters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import alpha_pvalues
from escrutinio.audit.stats.assertions import Assertion, polling_assorter
from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.bravo import bravo_pvalues
from escrutinio.audit.stats.comparison import ComparisonMethod, comparison_pvalues, overstatements
from escrutinio.audit.stats.macro import BatchContest, ppeb_pvalues
from escrutinio.audit.stats.macro import overstatements as macro_overstatements
from escrutinio.audit.stats.martingale import FloatArray

PollingMethod = Literal["bravo", "alpha"]


@dataclass(frozen=True)
class AssertionRisk:
    """P-value of one assertion after ``sample_size`` draws."""

    assertion: Assertion
    sample_size: int
    pvalue: float


@dataclass(frozen=True)
class ContestRisk:
    """Measured risk of one contest: the largest P-value over its assertions."""

    contest: str
    risk_limit: float
    assertions: tuple[AssertionRisk, ...]

    @property
    def risk(self) -> float:
        """Largest assertion P-value (1 when there is no assertion to test)."""
        return max((a.pvalue for a in self.assertions), default=1.0)

    @property
    def confirmed(self) -> bool:
        """True when the measured risk is at most the risk limit."""
        return bool(self.assertions) and self.risk <= self.risk_limit


def _last(p: FloatArray) -> float:
    return float(p[-1]) if p.size else 1.0


def polling_risk(
    assertions: Sequence[Assertion],
    marks: ArrayLike,
    risk_limit: float,
    *,
    method: PollingMethod = "bravo",
    population: int | None = None,
) -> ContestRisk:
    """Risk of a ballot-polling sample; ``marks[ballot, option]`` are 0/1 hand-read votes.

    ``population`` (ballots cast) makes ALPHA use sampling without replacement.
    """
    m = np.asarray(marks)
    out = []
    for a in assertions:
        w, lo = m[:, a.winner], m[:, a.loser]
        if method == "bravo":
            p = bravo_pvalues(a, np.sign(w.astype(np.int64) - lo.astype(np.int64)))
        else:
            p = alpha_pvalues(
                polling_assorter(w, lo), upper=1.0, eta0=a.reported_mean, population=population
            )
        out.append(AssertionRisk(a, int(m.shape[0]), _last(p)))
    return ContestRisk(assertions[0].contest if assertions else "", risk_limit, tuple(out))


def comparison_risk(
    assertions: Sequence[Assertion],
    cvr_marks: ArrayLike,
    mvr_marks: ArrayLike,
    risk_limit: float,
    *,
    method: ComparisonMethod = "alpha",
    replacement: bool = True,
) -> ContestRisk:
    """Risk of a ballot-comparison sample (CVR vs hand-read marks, rows aligned)."""
    out = []
    cvr = np.asarray(cvr_marks)
    for a in assertions:
        omega = overstatements(a, cvr, mvr_marks)
        p = comparison_pvalues(a, omega, method=method, replacement=replacement)
        out.append(AssertionRisk(a, int(omega.size), _last(p)))
    return ContestRisk(assertions[0].contest if assertions else "", risk_limit, tuple(out))


def batch_alpha_risk(
    assorters: Sequence[BatchAssorter],
    reported: ArrayLike,
    actual: ArrayLike,
    risk_limit: float,
    *,
    replacement: bool = False,
) -> ContestRisk:
    """Risk of a uniform table sample: ``reported``/``actual[k, option]`` of sampled tables."""
    rep = np.asarray(reported)
    act = np.asarray(actual)
    out = []
    for b in assorters:
        w, lo = b.assertion.winner, b.assertion.loser
        x = b.values(rep[:, w], rep[:, lo], act[:, w], act[:, lo])
        out.append(
            AssertionRisk(b.assertion, int(x.size), _last(b.pvalues(x, replacement=replacement)))
        )
    contest = assorters[0].assertion.contest if assorters else ""
    return ContestRisk(contest, risk_limit, tuple(out))


def macro_risk(
    contests: Sequence[BatchContest],
    bounds: ArrayLike,
    drawn: ArrayLike,
    actual: Sequence[ArrayLike],
) -> float:
    """MACRO/PPEB Kaplan–Markov risk of PPEB draws ``drawn`` (with repeats) over all contests.

    ``bounds`` are the error bounds of every table; ``actual[i][k, option]`` the hand counts
    of contest i in the k-th draw. A draw whose overstatement exceeds its bound (a hand count
    with more ballots than the acta, a table not found) scores the worst taint, 1.
    """
    u = np.asarray(bounds, dtype=np.float64)
    idx = np.asarray(drawn, dtype=np.int64)
    e = macro_overstatements(contests, idx, actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        taints = np.where(u[idx] > 0, e / u[idx], np.where(e > 0, 1.0, 0.0))
    return _last(ppeb_pvalues(np.minimum(taints, 1.0), float(u.sum())))
