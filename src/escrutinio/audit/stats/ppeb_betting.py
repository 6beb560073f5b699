"""Batch comparison: tables drawn without replacement proportional to their error bound,
tested with a betting martingale.

The discrepancy measure and error bounds are MACRO's (Stark, "A Sharper Discrepancy Measure
for Post-Election Audits", Ann. Appl. Stat. 2(3), 2008): for winner w, loser l with margin
V_wl, table p's overstatement is e_p = ((r_pw − r_pl) − (a_pw − a_pl)) / V_wl and its bound
u_p = max_{w,l} (r_pw − r_pl + b_p) / V_wl; the pair's outcome is wrong only if Σ_p e_p ≥ 1.

**Draws.** Successive sampling proportional to the bounds (PPEB without replacement): each
draw picks a table not yet drawn with probability u_p / U_j, U_j = Σ_{not drawn} u. It is
realised with exponential keys k_p = −ln(τ_p) / u_p taken in increasing order (Efraimidis &
Spirakis, "Weighted random sampling with a reservoir", Inf. Process. Lett. 97(5), 2006), τ_p
being the table's first ticket of Rivest's consistent sampler (arXiv:1808.10016).

**Test.** With t_j = e_{p_j} / u_{p_j} ≤ 1 the taint of the j-th draw, under the null
E[t_j | past] = Σ_{not drawn} e_p / U_j ≥ θ_j = (1 − Σ_{k<j} e_{p_k}) / U_j, so
x_j = 1 − t_j ∈ [0, 2] has conditional mean at most μ_j = 1 − θ_j (the without-replacement
update of ALPHA, Stark, Ann. Appl. Stat. 17(1), 2023, §2.2). T_n = Π_{j≤n} (1 + λ_j(x_j −
μ_j)) with predictable 0 ≤ λ_j ≤ 1/μ_j is a test supermartingale (Waudby-Smith & Ramdas,
"Estimating means of bounded random variables by betting", JRSS-B 86(1), 2024; SHANGRLA's
betting form, Stark FC 2020). θ_j > 1 makes the null impossible (T = ∞); θ_j ≤ 0 means the
errors seen could already change the outcome, and the bet is 0.

**Bets.** aGRAPA (Waudby-Smith & Ramdas, §B.3): λ_j = (m − μ_j) / (s² + (m − μ_j)²) from the
mean m and variance s² of the x seen so far, shrunk towards the error-free value x = 1 by
d = max(:data:`PRIOR_DRAWS`, 2U) pseudo-draws (one table scored at its bound then reads as a
rate of about 1/(2U), below the 1/U that could change the outcome), clipped to
[0, :data:`BET_CAP`/μ_j]. With no errors the bet
is the cap, nearly the maximal (Kaplan–Markov) bet that is optimal for error-free comparison
audits (Spertus, "COBRA: Comparison-Optimal Betting for Risk-limiting Audits", Voting'23);
after large errors it shrinks, so one bad table does not end the audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escrutinio.audit.stats.martingale import FloatArray

IntArray = NDArray[np.int64]

BET_CAP = 0.9999
"""Largest bet as a fraction of the maximal bet 1/μ_j."""

PRIOR_DRAWS = 20.0
"""Fewest pseudo-draws at the error-free value x = 1 that the bet's estimates start from."""


def ppeb_keys(tickets: ArrayLike, bounds: ArrayLike) -> FloatArray:
    """Exponential keys −ln(ticket)/bound (∞ for a zero bound): draw order is increasing."""
    tk = np.clip(np.asarray(tickets, dtype=np.float64), 1e-300, 1.0)
    u = np.asarray(bounds, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(u > 0, -np.log(tk) / np.where(u > 0, u, 1.0), np.inf)


def ppeb_order(tickets: ArrayLike, bounds: ArrayLike) -> IntArray:
    """Indices in draw order of successive sampling proportional to ``bounds``; ties (zero
    bounds) keep the order of their tickets."""
    keys = ppeb_keys(tickets, bounds)
    tk = np.asarray(tickets, dtype=np.float64)
    return np.lexsort((tk, keys)).astype(np.int64)


@dataclass(frozen=True)
class BettingState:
    """Where one pair's martingale stands after some draws (arrays: one entry per run).

    ``remaining`` is Σ u of the tables not yet drawn, ``seen`` Σ e of those drawn, ``count``,
    ``sum_x`` and ``sum_x2`` the draws and their moments, ``log_t`` ln T so far, ``prior``
    the bet's pseudo-draws d.
    """

    remaining: FloatArray
    seen: FloatArray
    count: FloatArray
    sum_x: FloatArray
    sum_x2: FloatArray
    log_t: FloatArray
    prior: FloatArray

    @staticmethod
    def start(total_bound: float, runs: int = 1) -> BettingState:
        """The state before any draw, for ``runs`` parallel runs."""
        z = np.zeros(runs)
        d = np.full(runs, max(PRIOR_DRAWS, 2.0 * float(total_bound)))
        return BettingState(np.full(runs, float(total_bound)), z, z, z, z, z, d)

    def take(self, idx: IntArray) -> BettingState:
        """The runs ``idx`` of this state."""
        return BettingState(*(getattr(self, f)[idx] for f in _FIELDS))

    def put(self, idx: IntArray, part: BettingState) -> BettingState:
        """This state with runs ``idx`` replaced by ``part``."""
        out = []
        for f in _FIELDS:
            arr = getattr(self, f).copy()
            arr[idx] = getattr(part, f)
            out.append(arr)
        return BettingState(*out)

    def broadcast(self, runs: int) -> BettingState:
        """A one-run state repeated for ``runs`` runs."""
        return BettingState(*(np.broadcast_to(getattr(self, f), (runs,)).copy() for f in _FIELDS))


_FIELDS = ("remaining", "seen", "count", "sum_x", "sum_x2", "log_t", "prior")


def _bets(state: BettingState, mu: FloatArray) -> FloatArray:
    d = state.prior
    n = d + state.count
    m = (d + state.sum_x) / n
    var = np.maximum((d + state.sum_x2) / n - m * m, 0.0)
    gap = m - mu
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(gap > 0, gap / (var + gap * gap), 0.0)
        cap = np.where(mu > 0, BET_CAP / mu, 0.0)
    out: FloatArray = np.clip(np.nan_to_num(lam, nan=0.0, posinf=np.inf), 0.0, cap)
    return out


def betting_log_terms(
    overstatement: ArrayLike, bounds: ArrayLike, state: BettingState
) -> tuple[FloatArray, BettingState]:
    """ln of each factor for draws in order (last axis: draws, first: runs) from ``state``.

    ``overstatement`` e and ``bounds`` u of the drawn tables; a taint above 1 (a hand count
    with more ballots than its acta, a table not found) is scored as the worst case x = 0.
    Returns the log factors and the state after the last draw.
    """
    e = np.atleast_2d(np.asarray(overstatement, dtype=np.float64))
    u = np.atleast_2d(np.asarray(bounds, dtype=np.float64))
    out = np.zeros_like(e)
    remaining, seen = state.remaining.copy(), state.seen.copy()
    count, sx, sx2 = state.count.copy(), state.sum_x.copy(), state.sum_x2.copy()
    for j in range(e.shape[1]):
        cur = BettingState(remaining, seen, count, sx, sx2, state.log_t, state.prior)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = np.where(remaining > 0, (1.0 - seen) / remaining, -np.inf)
            t = np.where(u[:, j] > 0, e[:, j] / np.where(u[:, j] > 0, u[:, j], 1.0), 0.0)
        x = np.clip(1.0 - t, 0.0, 2.0)
        mu = 1.0 - theta
        lam = np.where(theta > 0, _bets(cur, mu), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.log(np.maximum(1.0 + lam * (x - mu), 0.0))
            impossible = np.where((mu <= 0) & ((mu < -1e-12) | (x > 0)), np.inf, 0.0)
        out[:, j] = np.where(theta > 1 - 1e-12, impossible, term)
        remaining = remaining - u[:, j]
        seen = seen + e[:, j]
        count, sx, sx2 = count + 1, sx + x, sx2 + x * x
    with np.errstate(invalid="ignore"):
        log_t = state.log_t + np.nansum(out, axis=1)
    return out, BettingState(remaining, seen, count, sx, sx2, log_t, state.prior)


def betting_pvalues(overstatement: ArrayLike, bounds: ArrayLike, total_bound: float) -> FloatArray:
    """Running P-values min(1, 1/max T) of one audit's draws in order."""
    e = np.asarray(overstatement, dtype=np.float64)
    if e.size == 0:
        return np.ones(0)
    terms, _ = betting_log_terms(
        e[None, :], np.asarray(bounds)[None, :], BettingState.start(total_bound)
    )
    with np.errstate(invalid="ignore"):
        log_t = np.nan_to_num(np.cumsum(terms[0]), nan=-np.inf)
    running = np.maximum.accumulate(log_t)
    with np.errstate(over="ignore"):
        out: FloatArray = np.minimum(1.0, np.exp(-np.maximum(running, 0.0)))
    return out


def running_state(overstatement: ArrayLike, bounds: ArrayLike, total_bound: float) -> BettingState:
    """The state (one run) after the given draws, to continue from."""
    e = np.asarray(overstatement, dtype=np.float64)
    start = BettingState.start(total_bound)
    if e.size == 0:
        return start
    _, st = betting_log_terms(e[None, :], np.asarray(bounds)[None, :], start)
    return st


def simulate_stops(
    bounds: ArrayLike,
    taint_sampler: TaintSampler,
    risk_limit: float,
    *,
    runs: int = 200,
    seed: int = 0,
    state: BettingState | None = None,
    available: ArrayLike | None = None,
    max_draws: int | None = None,
) -> IntArray:
    """Further tables each of ``runs`` simulated audits draws until its risk reaches the
    limit (0: never before the tables run out, i.e. a full hand count).

    Tables are drawn without replacement proportional to ``bounds`` among ``available``
    (default all); each drawn table's taint comes from ``taint_sampler``; the martingale
    continues from ``state`` (default: the start).
    """
    u_all = np.asarray(bounds, dtype=np.float64)
    idx = np.arange(u_all.size) if available is None else np.asarray(available, dtype=np.int64)
    u = u_all[idx]
    rng = np.random.default_rng(seed)
    st0 = state if state is not None else BettingState.start(float(u_all.sum()))
    st = st0.broadcast(runs)
    n = int(u.size if max_draws is None else min(u.size, max_draws))
    stops = np.zeros(runs, dtype=np.int64)
    if n == 0:
        return stops
    keys = ppeb_keys(rng.random((runs, u.size)), np.broadcast_to(u, (runs, u.size)))
    threshold = math.log(1 / risk_limit)
    done, chunk, known = 0, 64, 0
    active = np.arange(runs)
    log_t = st.log_t.copy()
    order = np.zeros((runs, 0), dtype=np.int64)
    t = np.zeros((runs, 0))
    while active.size and done < n:
        k = min(chunk, n - done)
        if done + k > known:  # sort only the smallest keys needed so far (then 4× more)
            known = min(n, max(4 * known, done + k, 256))
            part = (
                np.argpartition(keys, known - 1, axis=1)[:, :known]
                if known < u.size
                else (np.broadcast_to(np.arange(u.size), keys.shape))
            )
            order = np.take_along_axis(
                part, np.argsort(np.take_along_axis(keys, part, axis=1), axis=1), axis=1
            )
            fresh = taint_sampler(rng, order[:, t.shape[1] :], idx)
            t = np.concatenate([t, fresh], axis=1)
        uu = u[order[:, done : done + k]]
        sub = replace(st.take(active), log_t=log_t[active])
        e = t[active, done : done + k] * uu[active]
        terms, nxt = betting_log_terms(e, uu[active], sub)
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(log_t[active, None] + np.cumsum(terms, axis=1), nan=-np.inf)
        hit = path >= threshold
        got = hit.any(axis=1)
        stops[active[got]] = done + np.argmax(hit[got], axis=1) + 1
        st = st.put(active, nxt)
        log_t[active] = path[:, -1]
        active = active[~got]
        done += k
        chunk = min(chunk * 2, 1024)
    return stops


class TaintSampler:
    """Taints of simulated draws: ``taint[i]`` for table i (fixed errors), or i.i.d. draws
    from observed taints ``values`` with probabilities ``weights`` (error rates)."""

    def __init__(
        self,
        taint: ArrayLike | None = None,
        values: ArrayLike = (0.0,),
        weights: ArrayLike | None = None,
    ) -> None:
        """Fixed per-table taints if ``taint`` is given, else i.i.d. from ``values`` (equally
        likely unless ``weights`` are given)."""
        self.taint = None if taint is None else np.asarray(taint, dtype=np.float64)
        self.values = np.atleast_1d(np.asarray(values, dtype=np.float64))
        w = np.ones(self.values.size) if weights is None else np.asarray(weights, dtype=float)
        self.cum = np.cumsum(w / w.sum())

    def __call__(self, rng: np.random.Generator, order: IntArray, idx: IntArray) -> FloatArray:
        """Taints for the drawn positions ``order`` (into ``idx``, the available tables)."""
        if self.taint is not None:
            out: FloatArray = self.taint[idx][order]
            return out
        pick = np.searchsorted(self.cum, rng.random(order.shape), side="right")
        res: FloatArray = self.values[np.minimum(pick, self.values.size - 1)]
        return res


def phantom_margin(
    margin: int, outside_winner: int, outside_loser: int, outside_ballots: int
) -> int:
    """A pair's margin once ballots outside the auditable tables count in the worst way
    (Bañuelos & Stark, "Limiting risk by turning manifest phantoms into evil zombies",
    arXiv:1207.3413, 2012): each of the ``outside_ballots`` could be a vote for the loser
    instead of what was reported, so the margin loses (w − l) + ballots of the outside part."""
    return margin - (outside_winner - outside_loser) - outside_ballots


def quantile_draws(stops: IntArray, probability: float, cap: int) -> tuple[int, float]:
    """Draws that finish with ``probability`` among simulated ``stops`` (0 = never), capped
    at ``cap``; returns (draws, probability that ``draws`` finish)."""
    finite = np.sort(np.where(stops > 0, stops, cap + 1))
    k = min(len(finite) - 1, max(0, math.ceil(probability * len(finite)) - 1))
    n = int(min(finite[k], cap))
    return n, float(np.mean((stops > 0) & (stops <= n)))
