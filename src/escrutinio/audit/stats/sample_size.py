"""Sample-size estimates per method for a risk limit and assumed error rates.

Closed forms: BRAVO average sample number (Lindeman, Stark & Yates, EVT/WOTE 2012),
Super-Simple (Stark, EVT/WOTE 2010) and MACRO/PPEB Kaplan–Markov (Stark 2008, 2009).
ALPHA (Stark, Ann. Appl. Stat. 17(1), 2023) comparison and batch audits: the audit run on a
deterministic sample in which the assumed errors are spread evenly (as SHANGRLA does);
ALPHA ballot polling: vectorized simulation with NumPy when the reported shares are true.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from escrutinio.audit.stats.alpha import alpha_log_terms
from escrutinio.audit.stats.assertions import Assertion, min_margin_assertion
from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.bravo import bravo_asn
from escrutinio.audit.stats.comparison import comparison_pvalues
from escrutinio.audit.stats.kaplan_markov import SUPER_SIMPLE_GAMMA, super_simple_expected_size
from escrutinio.audit.stats.macro import ppeb_expected_size
from escrutinio.audit.stats.martingale import FloatArray, stopping_sizes

Unit = Literal["ballots", "tables"]


@dataclass(frozen=True)
class SampleSizeEstimate:
    """Expected number of ballots or tables to retrieve (``math.inf`` if the audit cannot stop).

    ``p90`` is the size that finishes the audit with probability 0.9 when it is known
    (simulation), else equal to ``expected``.
    """

    method: str
    unit: Unit
    expected: float
    p90: float


def bravo_sample_size(assertions: Sequence[Assertion], risk_limit: float) -> SampleSizeEstimate:
    """BRAVO ASN of the hardest assertion (ballots)."""
    n = max(bravo_asn(a, risk_limit) for a in assertions)
    return SampleSizeEstimate("bravo", "ballots", n, n)


def super_simple_sample_size_estimate(
    assertions: Sequence[Assertion],
    risk_limit: float,
    r1: float = 0.0,
    r2: float = 0.0,
    gamma: float = SUPER_SIMPLE_GAMMA,
) -> SampleSizeEstimate:
    """Super-Simple expected size with 1- and 2-vote overstatement rates (ballots)."""
    a = min_margin_assertion(assertions)
    n = super_simple_expected_size(risk_limit, a.diluted_margin, gamma, r1, r2)
    return SampleSizeEstimate("kaplan_markov", "ballots", n, n)


def macro_sample_size(
    total_bound: float, risk_limit: float, taint_rate: float = 0.0, taint: float = 0.0
) -> SampleSizeEstimate:
    """MACRO/PPEB expected draws (tables, with replacement) from U = Σ u_p."""
    n = ppeb_expected_size(risk_limit, total_bound, taint_rate, taint)
    return SampleSizeEstimate("macro", "tables", n, n)


def _deterministic_stop(
    pvalue_fn: Callable[[FloatArray], FloatArray],
    make: Callable[[int], FloatArray],
    risk_limit: float,
    cap: int,
) -> float:
    """First n at which pvalue_fn(make(n)) reaches the risk limit, doubling up to ``cap``."""
    n = 64
    while True:
        n = min(n, cap)
        stop = int(stopping_sizes(pvalue_fn(make(n)), risk_limit))
        if stop:
            return float(stop)
        if n >= cap:
            return math.inf
        n *= 4


def _spread(n: int, rates: Sequence[tuple[float, float]], base: float) -> FloatArray:
    """n values equal to ``base`` except value v at rate r, evenly spaced from draw 1 on.

    Putting the first error at the first draw makes the estimate conservative.
    """
    x = np.full(n, base)
    i = np.arange(1, n + 1)
    for rate, value in rates:
        if rate > 0:
            hits = np.ceil(i * rate) > np.ceil((i - 1) * rate)
            x[hits] = value
    return x


def alpha_comparison_sample_size(
    assertions: Sequence[Assertion],
    risk_limit: float,
    r1: float = 0.0,
    r2: float = 0.0,
    replacement: bool = True,
) -> SampleSizeEstimate:
    """ALPHA comparison audit size with 1-vote (ω=½) and 2-vote (ω=1) overstatement rates."""
    a = min_margin_assertion(assertions)

    def pv(omega: FloatArray) -> FloatArray:
        return comparison_pvalues(a, omega, method="alpha", replacement=replacement)

    def make(k: int) -> FloatArray:
        return _spread(k, [(r1, 0.5), (r2, 1.0)], 0.0)

    n = _deterministic_stop(pv, make, risk_limit, a.ballots)
    return SampleSizeEstimate("alpha_comparison", "ballots", n, n)


def alpha_batch_sample_size(
    assorters: Sequence[BatchAssorter], risk_limit: float, replacement: bool = False
) -> SampleSizeEstimate:
    """ALPHA batch-comparison size (tables) when hand counts match the actas."""
    worst = 0.0
    for b in assorters:

        def pv(x: FloatArray, b: BatchAssorter = b) -> FloatArray:
            return b.pvalues(x, replacement=replacement)

        def make(k: int, base: float = b.no_error_value) -> FloatArray:
            return np.full(k, base)

        worst = max(worst, _deterministic_stop(pv, make, risk_limit, b.n_batches))
    return SampleSizeEstimate("alpha_batch", "tables", worst, worst)


def alpha_polling_sample_size(
    assertions: Sequence[Assertion],
    risk_limit: float,
    *,
    sims: int = 40,
    seed: int = 0,
    replacement: bool = True,
    chunk: int = 20_000,
) -> SampleSizeEstimate:
    """Simulated ALPHA ballot-polling size (mean and 90th percentile) if reported shares hold.

    Audits run in chunks of ``chunk`` draws and finished ones are dropped. Without
    replacement the draws are still simulated with replacement (accurate while the sample is
    a small fraction of the ballots) but the test uses the population size. Audits that have
    not stopped when every ballot has been drawn count as a full hand count.
    """
    a = min_margin_assertion(assertions)
    pw = a.winner_votes / a.ballots
    pl = a.loser_votes / a.ballots
    rng = np.random.default_rng(seed)
    pop = None if replacement else a.ballots
    stops = np.full(sims, float(a.ballots))
    active = np.arange(sims)
    log_t = np.zeros(sims)
    prior = np.zeros(sims)
    threshold = math.log(1 / risk_limit)
    done = 0
    while active.size and done < a.ballots:
        n = min(chunk, a.ballots - done)
        u = rng.random((active.size, n))
        x = np.where(u < pw, 1.0, np.where(u < pw + pl, 0.0, 0.5))
        lt = alpha_log_terms(
            x, upper=1.0, eta0=a.reported_mean, population=pop, start=done, prior_sum=prior[active]
        )
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(log_t[active, None] + np.cumsum(lt, axis=1), nan=-np.inf)
        hit = path >= threshold
        stopped = hit.any(axis=1)
        stops[active[stopped]] = done + np.argmax(hit[stopped], axis=1) + 1
        log_t[active] = path[:, -1]
        prior[active] += x.sum(axis=1)
        active = active[~stopped]
        done += n
    return SampleSizeEstimate(
        "alpha_polling", "ballots", float(np.mean(stops)), float(np.quantile(stops, 0.9))
    )


def bravo_drift(assertion: Assertion) -> float:
    """Expected growth of ln T per BRAVO draw if the reported shares are true."""
    s = assertion.winner_share
    pw = assertion.winner_votes / assertion.ballots
    pl = assertion.loser_votes / assertion.ballots
    return pw * math.log(2 * s) + (pl * math.log(2 * (1 - s)) if s < 1 else 0.0)


def super_simple_drift(diluted_margin: float, gamma: float = SUPER_SIMPLE_GAMMA) -> float:
    """Growth of ln(1/P) per error-free ballot in a Kaplan–Markov comparison audit."""
    return -math.log1p(-diluted_margin / (2 * gamma))


def ppeb_drift(total_bound: float) -> float:
    """Growth of ln(1/P) per error-free MACRO/PPEB draw."""
    return -math.log1p(-1 / total_bound) if total_bound > 1 else math.inf


def additional_draws(pvalue: float, risk_limit: float, drift: float) -> int:
    """Further draws needed to bring ``pvalue`` to the risk limit at ``drift`` per draw.

    Used to size the next round when a round ends above the risk limit. ``pvalue`` should be
    the current 1/T_n (the running-minimum P-value understates what remains); ``drift`` from
    :func:`bravo_drift`, :func:`super_simple_drift` or :func:`ppeb_drift`. Returns 0 if the
    limit is already met; raises ValueError when the drift is not positive.
    """
    if pvalue <= risk_limit:
        return 0
    if drift <= 0:
        raise ValueError("the audit cannot progress with a non-positive drift")
    if math.isinf(drift):
        return 1
    return math.ceil(math.log(pvalue / risk_limit) / drift)


def bootstrap_stops(
    terms: FloatArray,
    log_t: float,
    risk_limit: float,
    cap: int,
    *,
    runs: int = 200,
    seed: int = 0,
) -> FloatArray:
    """Further draws each of ``runs`` continuations of a test martingale needs to go from
    ``log_t`` (its current log) to 1/``risk_limit`` (∞: not within ``cap``), each new
    draw's log-factor resampled from the observed ``terms`` (the evidence so far, against
    the winner included)."""
    goal = math.log(1 / risk_limit)
    stops = np.full(runs, np.inf)
    if log_t >= goal:
        return np.zeros(runs)
    obs = np.nan_to_num(np.asarray(terms, dtype=np.float64), nan=0.0, neginf=-50.0)
    if cap <= 0 or obs.size == 0:
        return stops
    rng = np.random.default_rng(seed)
    level = np.full(runs, float(log_t))
    done, chunk = 0, 64
    while done < cap and np.isinf(stops).any():
        k = min(chunk, cap - done)
        path = level[:, None] + np.cumsum(rng.choice(obs, size=(runs, k)), axis=1)
        hit = (path >= goal) & np.isinf(stops)[:, None]
        first = hit.any(axis=1)
        stops[first] = done + np.argmax(hit[first], axis=1) + 1
        level = path[:, -1]
        done += k
        chunk = min(chunk * 2, 8192)
    return stops


def bootstrap_draws(
    terms: FloatArray,
    log_t: float,
    risk_limit: float,
    probability: float,
    cap: int,
    *,
    runs: int = 200,
    seed: int = 0,
) -> tuple[int, float]:
    """Further draws that finish a share ``probability`` of the :func:`bootstrap_stops`
    continuations, at most ``cap``; returns (draws, share that finish by then)."""
    stops = bootstrap_stops(terms, log_t, risk_limit, cap, runs=runs, seed=seed)
    s = np.sort(stops)
    q = s[min(runs - 1, max(0, math.ceil(probability * runs) - 1))]
    n = int(min(q, cap)) if math.isfinite(q) else max(cap, 0)
    return n, float(np.mean(stops <= n))
