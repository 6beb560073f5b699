"""Batch comparison: tables drawn *with replacement* proportional to their error bound
(MACRO's PPEB draws), tested with an aGRAPA betting martingale.

Discrepancy and bounds are MACRO's (Stark, "A Sharper Discrepancy Measure for Post-Election
Audits", Ann. Appl. Stat. 2(3), 2008; Stark, "Risk-limiting post-election audits:
conservative P-values from common probability inequalities", IEEE TIFS 4(4), 2009): table
p's overstatement e_p and bound u_p, the pair's outcome wrong only if Σ_p e_p ≥ 1. Each draw
picks table p with probability u_p / U, U = Σ u, independently of the others (PPEB with
replacement), so the taints t_j = e_{p_j} / u_{p_j} ≤ 1 are i.i.d. with E[t] = Σ e / U, and
under the null E[t] ≥ 1/U: x = 1 − t ∈ [0, 2] has mean at most μ = 1 − 1/U. A repeated
table costs no hand count and counts again as evidence, as in MACRO.

**Test.** T_n = Π_{j≤n} (1 + λ_j (x_j − μ)) with predictable 0 ≤ λ_j ≤ 1/μ is a test
supermartingale (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by
betting", JRSS-B 86(1), 2024; SHANGRLA's betting form, Stark FC 2020), so
min(1, 1/max_{k≤n} T_k) is a sequential P-value (Ville). With λ_j = 1/μ at every draw,
1/T_n is MACRO's Kaplan–Markov P-value Π (1 − 1/U)/(1 − t_j) exactly.

**Bets.** aGRAPA (Waudby-Smith & Ramdas, §B.3): λ_j = (m − μ)/(s² + (m − μ)²) from the mean
m and variance s² of the x seen, shrunk towards the error-free x = 1 by d = max(20, 2U)
pseudo-draws (:data:`~escrutinio.audit.stats.ppeb_betting.PRIOR_DRAWS`, as the
without-replacement test; with no variance seen, the largest bet), clipped to
[0, (1 − δ)/μ] with δ = :data:`BET_SLACK`. With no
error (or small taints, E[1/x] < 1/μ) the bet sits at the cap, the Kaplan–Markov bet that is
optimal for error-free comparison audits (Spertus, "COBRA: Comparison-Optimal Betting for
Risk-limiting Audits", Voting'23), and each factor falls short of MACRO's by the relative
amount δ/U; a draw of taint 1 (a table not found) multiplies T by at least δ instead of 0,
so the audit goes on where MACRO's P-value stays at 1, and the aGRAPA bet shrinks after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.ppeb_betting import PRIOR_DRAWS, TaintSampler

IntArray = NDArray[np.int64]

BET_SLACK = 1e-9
"""δ: the bet is at most (1 − δ)/μ. Each error-free factor falls short of Kaplan–Markov's by
the relative amount δ/U, about δ·ln(1/α) in ln T over a whole audit (3·10⁻⁹ at α = 5%); a
stop later than MACRO's on the same draws needs MACRO's crossing to overshoot 1/α by less
than that. With errors the taints take few values, so the runs that saw the same errors
share one overshoot and such a coincidence moves many runs at once: at δ = 10⁻⁶, 12 of
1,000 simulated audits of one cell of the efficiency benchmark (1% margin, 1% errors, 10%
risk) took a table more than MACRO; at 10⁻⁹ the chance is a thousand times smaller. A draw
of taint 1 costs a factor δ, ln(1/δ) ≈ 20.7 against the ln(1/α) ≈ 3 an error-free audit
gathers: a table not found first costs about 7.9 times the error-free sample (10⁻⁶: 5.6
times), where MACRO's P-value stays at 1."""


@dataclass(frozen=True)
class WrState:
    """Where the martingale stands after some draws (arrays: one entry per run): draws
    ``count``, their moments ``sum_x`` and ``sum_x2``, ``log_t`` ln T (not its running
    maximum), the null mean ``mu`` = 1 − 1/U and the bet's pseudo-draws ``prior``."""

    count: FloatArray
    sum_x: FloatArray
    sum_x2: FloatArray
    log_t: FloatArray
    mu: float
    prior: float

    @staticmethod
    def start(total_bound: float, runs: int = 1) -> WrState:
        """The state before any draw, for ``runs`` parallel runs."""
        z = np.zeros(runs)
        u = float(total_bound)
        mu = 1.0 - 1.0 / u if u > 0 else -math.inf
        return WrState(z, z.copy(), z.copy(), z.copy(), mu, max(PRIOR_DRAWS, 2.0 * u))

    def take(self, idx: IntArray) -> WrState:
        """The runs ``idx`` of this state."""
        return WrState(
            self.count[idx], self.sum_x[idx], self.sum_x2[idx], self.log_t[idx], self.mu, self.prior
        )

    def put(self, idx: IntArray, part: WrState) -> WrState:
        """This state with runs ``idx`` replaced by ``part``."""
        arrays = []
        for mine, theirs in (
            (self.count, part.count),
            (self.sum_x, part.sum_x),
            (self.sum_x2, part.sum_x2),
            (self.log_t, part.log_t),
        ):
            a = mine.copy()
            a[idx] = theirs
            arrays.append(a)
        count, sum_x, sum_x2, log_t = arrays
        return WrState(count, sum_x, sum_x2, log_t, self.mu, self.prior)

    def broadcast(self, runs: int) -> WrState:
        """A one-run state repeated for ``runs`` runs."""
        count, sum_x, sum_x2, log_t = (
            np.broadcast_to(a, (runs,)).copy()
            for a in (self.count, self.sum_x, self.sum_x2, self.log_t)
        )
        return WrState(count, sum_x, sum_x2, log_t, self.mu, self.prior)


def wr_log_terms(taints: ArrayLike, state: WrState) -> tuple[FloatArray, WrState]:
    """ln of each factor of draws in order (last axis: draws, first: runs) from ``state``,
    and the state after the last one. A taint above 1 (a hand count with more ballots than
    its acta, a table not found) is scored as the worst case x = 0. U ≤ 1 makes the null
    impossible: a draw with x > 0 gives T = ∞ (U = 1) and any draw does when U < 1."""
    t = np.atleast_2d(np.asarray(taints, dtype=np.float64))
    x = np.clip(1.0 - t, 0.0, 2.0)
    mu, d = state.mu, state.prior
    # the moments before each draw: the state's plus the draws before it in this call
    zero = np.zeros((x.shape[0], 1))
    sx = state.sum_x[:, None] + np.concatenate([zero, np.cumsum(x, axis=1)[:, :-1]], axis=1)
    sx2 = state.sum_x2[:, None] + np.concatenate([zero, np.cumsum(x * x, axis=1)[:, :-1]], axis=1)
    count = state.count[:, None] + np.arange(x.shape[1], dtype=np.float64)[None, :]
    if mu <= 0:
        out = np.where((mu < -1e-12) | (x > 0), np.inf, 0.0)
    else:
        n = d + count
        m = (d + sx) / n
        var = np.maximum((d + sx2) / n - m * m, 0.0)
        gap = m - mu
        with np.errstate(divide="ignore", invalid="ignore"):
            # no variance seen (no error yet): the largest bet, as Kelly's for a point mass
            lam = np.where(gap > 0, np.where(var > 0, gap / (var + gap * gap), np.inf), 0.0)
        lam = np.clip(np.nan_to_num(lam, nan=0.0, posinf=np.inf), 0.0, (1.0 - BET_SLACK) / mu)
        out = np.log1p(lam * (x - mu))
    with np.errstate(invalid="ignore"):
        log_t = state.log_t + np.sum(out, axis=1)
    k = float(x.shape[1])
    after = WrState(
        state.count + k,
        state.sum_x + x.sum(axis=1),
        state.sum_x2 + (x * x).sum(axis=1),
        log_t,
        mu,
        d,
    )
    return out, after


def wr_pvalues(taints: ArrayLike, total_bound: float) -> FloatArray:
    """Running P-values min(1, 1/max T) of one audit's draws (taints e/u, in draw order)."""
    t = np.asarray(taints, dtype=np.float64)
    if t.size == 0:
        return np.ones(0)
    terms, _ = wr_log_terms(t[None, :], WrState.start(total_bound))
    running = np.maximum.accumulate(np.cumsum(terms[0]))
    with np.errstate(over="ignore"):
        out: FloatArray = np.minimum(1.0, np.exp(-np.maximum(running, 0.0)))
    return out


def wr_state(taints: ArrayLike, total_bound: float) -> WrState:
    """The state (one run) after the given draws, to continue from."""
    t = np.asarray(taints, dtype=np.float64)
    start = WrState.start(total_bound)
    if t.size == 0:
        return start
    return wr_log_terms(t[None, :], start)[1]


def error_free_draws(total_bound: float, risk_limit: float, cap: int = 10_000_000) -> int:
    """Draws the test needs when every taint is 0 (0: more than ``cap``)."""
    if total_bound <= 1:
        return 1
    goal = math.log(1 / risk_limit)
    n = 64
    while n <= 2 * cap:
        terms, _ = wr_log_terms(np.zeros((1, min(n, cap))), WrState.start(total_bound))
        hit = np.flatnonzero(np.cumsum(terms[0]) >= goal)
        if hit.size:
            return int(hit[0]) + 1
        if n >= cap:
            break
        n *= 4
    return 0


def simulate_wr(
    bounds: ArrayLike,
    taint_sampler: TaintSampler,
    risk_limit: float,
    *,
    runs: int = 200,
    seed: int = 0,
    state: WrState | None = None,
    drawn: ArrayLike = (),
    max_draws: int | None = None,
) -> tuple[IntArray, IntArray]:
    """Simulated continuations of the audit: draws with replacement proportional to
    ``bounds``, each draw's taint from ``taint_sampler`` (fixed per table, or i.i.d.), the
    martingale continuing from ``state`` (default: the start). Returns per run the draws and
    the tables not in ``drawn`` (indices already hand counted) that it hand counts until
    its risk reaches the limit (both 0: not within ``max_draws``, default 20 per table, or
    not before every table is drawn)."""
    u = np.asarray(bounds, dtype=np.float64)
    big_u = float(u.sum())
    n_tab = u.size
    rng = np.random.default_rng(seed)
    st = (state if state is not None else WrState.start(big_u)).broadcast(runs)
    cap = 20 * n_tab if max_draws is None else max_draws
    stops = np.zeros(runs, dtype=np.int64)
    tables = np.zeros(runs, dtype=np.int64)
    if n_tab == 0 or big_u <= 0 or cap <= 0:
        return stops, tables
    cum = np.cumsum(u)
    seen = np.zeros((runs, n_tab), dtype=bool)
    seen[:, np.asarray(drawn, dtype=np.int64)] = True
    new_so_far = np.zeros(runs, dtype=np.int64)
    threshold = math.log(1 / risk_limit)
    all_tables = np.arange(n_tab)
    active = np.arange(runs)
    done, chunk = 0, 64
    left = n_tab - int(seen[0].sum())
    while active.size and done < cap:
        k = min(chunk, cap - done)
        # every run's draws are generated (active or not): each run sees the same draws
        # and taints whichever test it continues (the pairs of one contest)
        every = np.searchsorted(cum, rng.random((runs, k)) * big_u, "right")
        every = np.minimum(every, n_tab - 1)
        t = taint_sampler(rng, every, all_tables)[active]
        pick = every[active]
        is_new = np.zeros(pick.shape, dtype=bool)
        for j in range(k):
            col = pick[:, j]
            is_new[:, j] = ~seen[active, col]
            seen[active, col] = True
        terms, nxt = wr_log_terms(t, st.take(active))
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(st.log_t[active, None] + np.cumsum(terms, axis=1), nan=-np.inf)
        new_cum = new_so_far[active, None] + np.cumsum(is_new, axis=1)
        hit = path >= threshold
        got = hit.any(axis=1)
        first = np.argmax(hit[got], axis=1)
        stops[active[got]] = done + first + 1
        tables[active[got]] = new_cum[got, first]
        st = st.put(active, nxt)
        new_so_far[active] = new_cum[:, -1]
        # a run that has drawn every table without stopping is a full hand count
        active = active[~got & (new_so_far[active] < left)]
        done += k
        chunk = min(chunk * 2, 1024)
    return stops, tables
