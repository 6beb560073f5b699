"""MACRO batch-comparison audit with sampling proportional to error bounds (PPEB).

Stark, "A Sharper Discrepancy Measure for Post-Election Audits", Ann. Appl. Stat. 2(3),
2008, and Stark, "Risk-limiting post-election audits: conservative P-values from common
probability inequalities", IEEE TIFS 4(4), 2009. For batch p, contest c, winner w and loser
l with reported contest margin V_wl = R_w − R_l, the relative overstatement is

    e_pwl = ((r_pw − r_pl) − (a_pw − a_pl)) / V_wl,  e_p = max_{c,w,l} e_pwl,

and the error bound is u_p = max_{c,w,l} (r_pw − r_pl + b_p) / V_wl (b_p ballots in the
batch). Some outcome is wrong only if Σ_p e_p ≥ 1. Drawing batches with replacement with
probability u_p / U, U = Σ u_p, the taints t_j = e_j / u_j ≤ 1 give the Kaplan–Markov
P-value P_n = Π_{j≤n} (1 − 1/U) / (1 − t_j).

Ballots in the reported totals but in no auditable batch (``outside_votes`` per option and
``outside_ballots``) count in the worst way for the reported winners (Bañuelos & Stark,
"Limiting risk by turning manifest phantoms into evil zombies", arXiv:1207.3413, 2012):
V_wl is reduced by their largest possible overstatement, (o_w − o_l) + o_b.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escrutinio.audit.stats.assertions import reported_winners
from escrutinio.audit.stats.martingale import FloatArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class BatchContest:
    """Reported per-batch votes of one contest: ``reported[batch, option]``, ``ballots[batch]``.

    Every contest of an audit uses the same batch order (zero rows for batches outside it).
    ``outside_votes``/``outside_ballots``: the part of the reported totals in no batch.
    """

    contest: str
    reported: IntArray
    ballots: IntArray
    seats: int
    outside_votes: tuple[int, ...] = ()
    outside_ballots: int = 0

    def totals(self) -> IntArray:
        """Reported totals per option: the batches plus the votes outside them."""
        t: IntArray = self.reported.sum(axis=0)
        if self.outside_votes:
            t = t + np.asarray(self.outside_votes, dtype=np.int64)
        return t

    def all_pairs(self) -> list[tuple[int, int]]:
        """Every (winner, loser) option pair of the reported outcome."""
        totals = self.totals()
        winners = reported_winners(totals, self.seats)
        return [(w, lo) for w in winners for lo in range(totals.size) if lo not in winners]

    def pairs(self) -> list[tuple[int, int]]:
        """(winner, loser) pairs whose margin stays positive with the outside ballots at
        their worst (the others cannot be confirmed: :meth:`unconfirmable`)."""
        return [(w, lo) for w, lo in self.all_pairs() if self.margin(w, lo) > 0]

    def unconfirmable(self) -> bool:
        """True when a reported winner's lead over a loser could vanish through ties or the
        ballots outside the batches alone: no sample can confirm the outcome."""
        return any(self.margin(w, lo) <= 0 for w, lo in self.all_pairs())

    def margin(self, winner: int, loser: int) -> int:
        """Contest margin V_wl in votes, less the worst the outside ballots could do."""
        totals = self.totals()
        v = int(totals[winner] - totals[loser])
        if not self.outside_votes and not self.outside_ballots:
            return v
        o = self.outside_votes or (0,) * totals.size
        return v - (int(o[winner]) - int(o[loser])) - int(self.outside_ballots)


def make_batch_contest(
    contest: str,
    reported: ArrayLike,
    ballots: ArrayLike,
    seats: int,
    outside_votes: ArrayLike = (),
    outside_ballots: int = 0,
) -> BatchContest:
    """Build a :class:`BatchContest` from array-likes (validates shapes)."""
    r = np.asarray(reported, dtype=np.int64)
    b = np.asarray(ballots, dtype=np.int64)
    o = tuple(int(x) for x in np.asarray(outside_votes, dtype=np.int64).ravel())
    if r.ndim != 2 or b.shape != (r.shape[0],):
        raise ValueError("reported must be (batches, options) and ballots (batches,)")
    if o and len(o) != r.shape[1]:
        raise ValueError("outside_votes must have one entry per option")
    if outside_ballots < 0 or any(x < 0 for x in o):
        raise ValueError("outside votes and ballots must be non-negative")
    return BatchContest(contest, r, b, seats, o, int(outside_ballots))


def error_bounds(contests: Sequence[BatchContest]) -> FloatArray:
    """MACRO error bound u_p per batch (max over contests and winner–loser pairs)."""
    u: FloatArray | None = None
    for c in contests:
        for w, lo in c.pairs():
            bound = (c.reported[:, w] - c.reported[:, lo] + c.ballots) / c.margin(w, lo)
            u = bound.astype(np.float64) if u is None else np.maximum(u, bound)
    if u is None:
        raise ValueError("no contest has a winner with a positive margin")
    return np.maximum(u, 0.0)


def contest_error_bounds(contest: BatchContest) -> list[FloatArray]:
    """Per-pair error bounds (one array over batches for each winner–loser pair)."""
    return [
        (
            (contest.reported[:, w] - contest.reported[:, lo] + contest.ballots)
            / contest.margin(w, lo)
        ).astype(np.float64)
        for w, lo in contest.pairs()
    ]


def overstatements(
    contests: Sequence[BatchContest], batches: ArrayLike, actual: Sequence[ArrayLike]
) -> FloatArray:
    """MACRO e_p for the given batch indices; ``actual[i][k, option]`` hand counts of contest i."""
    idx = np.asarray(batches, dtype=np.int64)
    e = np.full(idx.size, -np.inf)
    for c, act in zip(contests, actual, strict=True):
        a = np.asarray(act, dtype=np.int64)
        for w, lo in c.pairs():
            diff = (c.reported[idx, w] - c.reported[idx, lo]) - (a[:, w] - a[:, lo])
            e = np.maximum(e, diff / c.margin(w, lo))
    return e


def ppeb_pvalues(taints: ArrayLike, total_bound: float) -> FloatArray:
    """Running Kaplan–Markov P-values for PPEB draws with taints t_j = e_j / u_j."""
    t = np.asarray(taints, dtype=np.float64)
    if total_bound <= 1:
        return np.zeros_like(t)
    if np.any(t > 1 + 1e-12):
        raise ValueError("taint above 1: an error exceeds its bound")
    with np.errstate(divide="ignore", over="ignore"):
        log_terms = math.log1p(-1 / total_bound) - np.log1p(-np.minimum(t, 1.0))
        p = np.exp(np.cumsum(log_terms, axis=-1))
    return np.minimum(1.0, np.minimum.accumulate(p, axis=-1))


def ppeb_expected_size(
    risk_limit: float, total_bound: float, taint_rate: float = 0.0, taint: float = 0.0
) -> float:
    """Expected PPEB draws when a fraction ``taint_rate`` of draws shows taint ``taint``.

    Solves n·ln(1 − 1/U) − n·r·ln(1 − t) = ln α; ∞ when the drift is not negative.
    """
    if total_bound <= 1:
        return 1.0
    if taint_rate > 0 and taint >= 1:
        return math.inf
    drift = math.log1p(-1 / total_bound) - (taint_rate * math.log1p(-taint) if taint_rate else 0.0)
    if drift >= 0:
        return math.inf
    return math.log(risk_limit) / drift


def ppeb_next_draws(
    observed_taints: ArrayLike,
    total_bound: float,
    pvalue: float,
    risk_limit: float,
    *,
    probability: float = 0.9,
    runs: int = 200,
    cap: int = 100_000,
    seed: int = 0,
) -> tuple[int, float]:
    """Further PPEB draws that bring the Kaplan–Markov P-value from ``pvalue`` to the risk
    limit in a fraction ``probability`` of ``runs`` simulated continuations, each new draw's
    taint resampled from the taints observed so far (the evidence, against the winner
    included); returns (draws, fraction of runs finished by then). ``cap`` draws at most."""
    t = np.minimum(np.asarray(observed_taints, dtype=np.float64), 1.0)
    if pvalue <= risk_limit:
        return 0, 1.0
    if total_bound <= 1:
        return 1, 1.0
    rng = np.random.default_rng(seed)
    need = math.log(pvalue / risk_limit)
    step = -math.log1p(-1 / total_bound)
    stops = np.full(runs, cap + 1, dtype=np.int64)
    gain = np.zeros(runs)
    done, chunk = 0, 256
    active = np.arange(runs)
    while active.size and done < cap:
        k = min(chunk, cap - done)
        pick = (
            t[rng.integers(0, t.size, (active.size, k))] if t.size else np.zeros((active.size, k))
        )
        with np.errstate(divide="ignore"):
            path = gain[active, None] + np.cumsum(step + np.log1p(-pick), axis=1)
        hit = path >= need
        got = hit.any(axis=1)
        stops[active[got]] = done + np.argmax(hit[got], axis=1) + 1
        gain[active] = path[:, -1]
        active = active[~got]
        done += k
        chunk = min(chunk * 2, 8192)
    order = np.sort(stops)
    n = int(order[min(runs - 1, max(0, math.ceil(probability * runs) - 1))])
    n = min(n, cap)
    return n, float(np.mean(stops <= n))
