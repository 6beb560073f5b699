"""Supermajority assertions: the winner needs more than a share f of the valid votes.

Stark, "Sets of Half-Average Nulls Generate Risk-Limiting Audits: SHANGRLA", FC 2020, §2.3:
the reported winner w of a contest that requires a fraction f of the valid votes (a
referendum or a constitutional vote needing two-thirds, f = 2/3) really won iff the mean
over all ballots of the assorter

    a(b) = 1/(2f)  if b is a valid vote for w,
           0       if b is a valid vote for another option,
           1/2     otherwise (blank, invalid, overvote, or no vote in the contest)

exceeds 1/2. The assorter is bounded by u = 1/(2f). A valid vote here is a vote for one of
the contest's candidates (an overvote is not one). Polling tests a(b) directly with ALPHA;
comparison tests B = (1 − ω/u)/(2 − v/u) with ω = a(CVR) − a(hand reading) and
v = 2·mean(a_reported) − 1 (SHANGRLA §3.2). Tables (batches) use the batch comparison
assorter on pseudo-votes (:func:`supermajority_batch_assorter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import Assertion, FloatArray, comparison_assorter
from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.simulated_sizes import discrete_sampler, simulated_stops


def parse_threshold(text: str) -> float:
    """The threshold share written as a fraction (``2/3``) or a decimal (``0.6``); raises
    ValueError unless it lies in [1/2, 1)."""
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"'{text}' is not a fraction such as 2/3 or a decimal like 0.6") from None
    if not 0.5 <= value < 1:
        raise ValueError(f"the threshold share must be at least 1/2 and below 1, not {text}")
    return value


@dataclass(frozen=True)
class SupermajorityAssertion(Assertion):
    """Candidate ``winner`` got more than ``threshold`` of the valid votes in ``contest``.

    ``loser_votes`` holds the valid votes for every other candidate (``loser`` is −1: all
    of them); ``ballots`` the assorter population.
    """

    threshold: float = 0.5

    @property
    def upper(self) -> float:
        """The assorter's upper bound u = 1/(2f)."""
        return 1 / (2 * self.threshold)

    @property
    def reported_mean(self) -> float:
        """Reported mean of the assorter over the ballots."""
        valid = self.winner_votes + self.loser_votes
        return (self.winner_votes * self.upper + (self.ballots - valid) / 2) / self.ballots

    @property
    def diluted_margin(self) -> float:
        """Assorter margin v = 2·mean − 1 (> 0 iff the reported share exceeds f)."""
        return 2 * self.reported_mean - 1

    @property
    def winner_share(self) -> float:
        """Reported share of the valid votes won by the winner."""
        valid = self.winner_votes + self.loser_votes
        return self.winner_votes / valid if valid else 0.0

    def values(self, marks: ArrayLike) -> FloatArray:
        """Assorter values of ballots given as 0/1 marks per candidate (rows)."""
        m = np.asarray(marks, dtype=np.int64)
        m = m.reshape(-1, m.shape[-1]) if m.ndim != 2 else m
        single = m.sum(axis=1) == 1
        for_winner = single & (m[:, self.winner] == 1)
        for_other = single & ~for_winner
        out: FloatArray = np.where(for_winner, self.upper, np.where(for_other, 0.0, 0.5))
        return out


def supermajority_assertion(
    contest: str, totals: ArrayLike, threshold: float, ballots: int
) -> SupermajorityAssertion:
    """The assertion that the candidate with most votes in ``totals`` reached ``threshold``
    of the valid votes, over ``ballots`` ballots."""
    t = np.asarray(totals, dtype=np.int64)
    if ballots <= 0 or ballots < int(t.sum()):
        raise ValueError("ballots cast must be positive and at least the valid votes")
    winner = int(np.lexsort((np.arange(t.size), -t))[0])
    others = int(t.sum() - t[winner])
    return SupermajorityAssertion(
        contest, winner, -1, int(t[winner]), others, ballots, threshold=threshold
    )


def supermajority_overstatements(
    assertion: SupermajorityAssertion, cvr_marks: ArrayLike, mvr_marks: ArrayLike
) -> FloatArray:
    """ω = a(CVR) − a(hand reading) per ballot, in [−u, u]."""
    out: FloatArray = assertion.values(cvr_marks) - assertion.values(mvr_marks)
    return out


def comparison_bounds(assertion: Assertion, upper: float = 1.0) -> tuple[float, float]:
    """(no-error value, upper bound) of the comparison assorter B = (1 − ω/u)/(2 − v/u)."""
    v = assertion.diluted_margin
    return 1 / (2 - v / upper), 2 / (2 - v / upper)


def supermajority_polling_size(
    assertion: SupermajorityAssertion,
    risk_limit: float,
    replacement: bool = True,
    *,
    sims: int = 50,
    seed: int = 0,
) -> float:
    """Mean ballots an ALPHA polling audit of the assertion draws if the reported shares are
    right (seeded simulation; ∞ when the reported margin is not positive)."""
    a = assertion
    if a.diluted_margin <= 0:
        return float("inf")
    pw, po = a.winner_votes / a.ballots, a.loser_votes / a.ballots
    stops = simulated_stops(
        discrete_sampler([a.upper, 0.0, 0.5], [pw, po, 1 - pw - po]),
        risk_limit,
        upper=a.upper,
        eta0=a.reported_mean,
        population=None if replacement else a.ballots,
        cap=a.ballots,
        sims=sims,
        seed=seed,
    )
    return float(np.mean(np.minimum(stops, a.ballots)))


def comparison_log_terms(
    assertion: Assertion, omega: ArrayLike, upper: float, population: int | None
) -> FloatArray:
    """ALPHA log-factors of the comparison assorter for overstatements ω of an assorter
    bounded by ``upper`` (η_0 and d as for every comparison audit here)."""
    no_error, top = comparison_bounds(assertion, upper)
    return alpha_log_terms(
        comparison_assorter(omega, assertion.diluted_margin, upper),
        upper=top,
        eta0=comparison_eta0(no_error, top),
        population=population,
        d=COMPARISON_D,
    )


def supermajority_comparison_size(
    assertion: SupermajorityAssertion, risk_limit: float, replacement: bool = True
) -> float:
    """Ballots an ALPHA comparison audit of the assertion draws when every CVR matches its
    ballot (∞ when the reported margin is not positive)."""
    a = assertion
    if a.diluted_margin <= 0:
        return float("inf")
    no_error, top = comparison_bounds(a, a.upper)
    stops = simulated_stops(
        discrete_sampler([no_error], [1.0]),
        risk_limit,
        upper=top,
        eta0=comparison_eta0(no_error, top),
        population=None if replacement else a.ballots,
        cap=a.ballots,
        d=COMPARISON_D,
        sims=1,
    )
    return float(min(stops[0], a.ballots))


def batch_columns(
    assertion: SupermajorityAssertion, candidate_counts: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Per batch, the pseudo-votes (w', l') = (w·(1 − f)/f, valid − w) whose difference
    w/f − valid is twice the batch's assorter sum minus its ballots: the batch assorter of
    :mod:`escrutinio.audit.stats.batch_assorter` takes them as winner and loser votes."""
    c = np.asarray(candidate_counts, dtype=np.float64)
    c = c.reshape(-1, c.shape[-1])
    f = assertion.threshold
    w = c[:, assertion.winner]
    return w * (1 - f) / f, c.sum(axis=1) - w


def supermajority_batch_assorter(
    assertion: SupermajorityAssertion, candidate_counts: ArrayLike, ballots: ArrayLike
) -> BatchAssorter:
    """The batch comparison assorter of a supermajority assertion over tables with
    reported ``candidate_counts[table, candidate]`` and ``ballots`` cast; the hand counts'
    :func:`batch_columns` give its values. The upper bound uses a(b) ≤ u = 1/(2f)."""
    rw, rl = batch_columns(assertion, candidate_counts)
    nb = np.asarray(ballots, dtype=np.float64)
    scale = nb.size / assertion.ballots
    reported_sum = nb / 2 + (rw - rl) / 2  # Σ a(b) over each table's ballots
    tau = float(np.max(reported_sum)) * scale
    under = float(np.max(nb * assertion.upper - reported_sum)) * scale
    v = assertion.diluted_margin
    return BatchAssorter(assertion, int(nb.size), tau, (tau + under) / (2 * tau - v))
