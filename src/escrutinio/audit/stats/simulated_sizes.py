"""Sample sizes by simulation: the draws at which an ALPHA audit stops, over many seeded
simulated audits, and the size that finishes in one round with a chosen probability.

ALPHA: Stark, Ann. Appl. Stat. 17(1), 2023. The size for a probability q of finishing in
one round is the q-quantile of the simulated stopping sizes (Arlo offers q = 70/80/90 %
for its first rounds). Simulations draw with replacement; without replacement the test
still uses the population size (accurate while the sample is a small share of it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from escrutinio.audit.stats.alpha import alpha_log_terms
from escrutinio.audit.stats.martingale import FloatArray

Sampler = Callable[[np.random.Generator, int, int], FloatArray]
"""(rng, audits, draws) → assorter values ``[audits, draws]``."""


def simulated_stops(
    sample: Sampler,
    risk_limit: float,
    *,
    upper: float,
    eta0: float,
    population: int | None,
    cap: int,
    d: float = 100.0,
    sims: int = 100,
    seed: int = 0,
    chunk: int = 20_000,
    iid_terms: Callable[[FloatArray], FloatArray] | None = None,
) -> FloatArray:
    """Stopping size of each of ``sims`` simulated ALPHA audits (∞ when an audit has not
    stopped after ``cap`` draws: a full hand count). Audits run in chunks of ``chunk``
    draws and finished ones are dropped. ``iid_terms`` replaces ALPHA by a test whose
    log-factor depends on the draw alone (Kaplan–Markov)."""
    rng = np.random.default_rng(seed)
    stops = np.full(sims, math.inf)
    active = np.arange(sims)
    log_t = np.zeros(sims)
    prior = np.zeros(sims)
    target = math.log(1 / risk_limit)
    done = 0
    while active.size and done < cap:
        n = min(chunk, cap - done)
        x = sample(rng, active.size, n)
        lt = (
            iid_terms(x)
            if iid_terms is not None
            else alpha_log_terms(
                x,
                upper=upper,
                eta0=eta0,
                population=population,
                d=d,
                start=done,
                prior_sum=prior[active],
            )
        )
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(log_t[active, None] + np.cumsum(lt, axis=1), nan=-np.inf)
        hit = path >= target
        stopped = hit.any(axis=1)
        stops[active[stopped]] = done + np.argmax(hit[stopped], axis=1) + 1
        log_t[active] = path[:, -1]
        prior[active] += x.sum(axis=1)
        active = active[~stopped]
        done += n
    return stops


def discrete_sampler(values: Sequence[float], probabilities: Sequence[float]) -> Sampler:
    """Draws of i.i.d. assorter values taking ``values[k]`` with ``probabilities[k]``."""
    v = np.asarray(values, dtype=np.float64)
    edges = np.cumsum(np.asarray(probabilities, dtype=np.float64))

    def sample(rng: np.random.Generator, rows: int, n: int) -> FloatArray:
        idx = np.searchsorted(edges, rng.random((rows, n)), side="right")
        out: FloatArray = v[np.minimum(idx, v.size - 1)]
        return out

    return sample


def finishing_sizes(stops: FloatArray, targets: Sequence[float]) -> list[int]:
    """Per target probability q, the smallest size by which a share ≥ q of the simulated
    audits stopped (the q-quantile of ``stops``, rounded up; −1 when it is ∞)."""
    s = np.sort(np.asarray(stops, dtype=np.float64))
    out = []
    for q in targets:
        k = min(s.size - 1, max(0, math.ceil(q * s.size) - 1))
        out.append(math.ceil(float(s[k])) if math.isfinite(s[k]) else -1)
    return out


def permutation_stops(
    values: FloatArray,
    pvalues: Callable[[FloatArray], FloatArray],
    risk_limit: float,
    *,
    seed: int = 0,
) -> FloatArray:
    """Stopping size of audits drawing their populations ``values[audit, unit]`` in seeded
    random orders without replacement; ``pvalues`` maps draws ``[audits, n]`` to running
    P-values. Audits that never stop count as every unit."""
    rng = np.random.default_rng(seed)
    sims, n_all = values.shape
    order = np.argsort(rng.random((sims, n_all)), axis=1)
    stops = np.full(sims, float(n_all))
    active = np.arange(sims)
    n = min(64, n_all)
    while active.size:
        p = pvalues(np.take_along_axis(values[active], order[active, :n], axis=1))
        hit = p <= risk_limit
        stopped = hit.any(axis=1)
        stops[active[stopped]] = np.argmax(hit[stopped], axis=1) + 1
        active = active[~stopped]
        if n >= n_all:
            break
        n = min(n * 4, n_all)
    return stops
