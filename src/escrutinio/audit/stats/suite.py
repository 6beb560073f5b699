"""Stratified risk measurement for hybrid audits: a comparison stratum and a polling stratum.

SUITE (Ottoboni, Stark, Lindeman, McBurnett, "Risk-limiting audits by stratified
union-intersection tests of elections (SUITE)", E-Vote-ID 2018), written with SHANGRLA
assorters (Stark, FC 2020). Stratum s holds a share w_s = N_s/N of the N ballots and has
true assorter mean μ_s (assorter bounded by u). The reported outcome is wrong iff
w_1·μ_1 + w_2·μ_2 ≤ 1/2, i.e. iff for some allocation θ_1 (with θ_2 = (1/2 − w_1·θ_1)/w_2)
both μ_1 ≤ θ_1 and μ_2 ≤ θ_2 hold. For every θ_1 each stratum's null is tested on its own
independent sample (ALPHA, Stark 2023) and the two P-values are combined with Fisher's
function, P_F = Pr(χ²₄ ≥ −2 ln(p_1·p_2)); the audit's P-value is the largest P_F over the
allocations (a grid refined around its maximum).

In the comparison stratum the test is on B = (1 − ω/u)/(2 − v_1/u), ω the overstatement
of the stratum's CVRs and v_1 = 2·Ā_1 − 1 their reported assorter margin; since
mean(A) = Ā_1 − mean(ω), μ_1 ≤ θ_1 iff mean(B) ≤ (1 − (Ā_1 − θ_1)/u)/(2 − v_1/u).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import COMPARISON_D, comparison_eta0
from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues

GRID = 41  # allocations θ_1 on the first grid; the best is then refined
ALPHA_D = 100.0  # ALPHA's shrinkage weight d for polling (its default)


def fisher_combined(p1: float, p2: float) -> float:
    """Fisher's combined P-value of two independent P-values: Pr(χ²₄ ≥ −2 ln(p_1·p_2))."""
    from scipy.stats import chi2  # slow to import: only when a hybrid audit is measured

    if p1 <= 0 or p2 <= 0:
        return 0.0
    return float(chi2.sf(-2 * (math.log(min(p1, 1.0)) + math.log(min(p2, 1.0))), 4))


@dataclass(frozen=True)
class Stratum:
    """One stratum of an assertion: its ballots ``ballots`` and the assorter's upper
    bound; a comparison stratum also has its reported assorter mean ``reported_mean``."""

    ballots: int
    upper: float = 1.0
    reported_mean: float = 0.5


def alpha_pvalues_over_nulls(
    x: ArrayLike,
    nulls: ArrayLike,
    *,
    upper: float,
    eta0: ArrayLike,
    population: int | None,
    d: float,
) -> FloatArray:
    """The sequential ALPHA P-value (shrink-trunc η, c = (η_0 − t)/2) of the sample ``x``
    for each null mean t of ``nulls`` (with its own η_0), all at once: row k is what
    :func:`~escrutinio.audit.stats.alpha.alpha_log_terms` gives with ``null_mean=nulls[k]``.
    """
    xs = np.asarray(x, dtype=np.float64)[None, :]
    t = np.asarray(nulls, dtype=np.float64)[:, None]
    e0 = np.broadcast_to(np.asarray(eta0, dtype=np.float64), t.shape[:1])[:, None]
    if xs.shape[1] == 0:
        return np.ones(t.shape[0])
    j = np.arange(1, xs.shape[1] + 1, dtype=np.float64)[None, :]
    prior = np.cumsum(xs, axis=1) - xs
    if population is None:
        mu = np.broadcast_to(t, (t.shape[0], xs.shape[1]))
    else:
        remaining = population - j + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = np.where(remaining > 0, (population * t - prior) / remaining, -1.0)
    shrunk = (d * e0 + prior) / (d + j - 1)
    eta = np.minimum(upper * (1 - 1e-9), np.maximum(shrunk, mu + (e0 - t) / 2 / np.sqrt(d + j - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        term = (xs * eta / mu + (upper - xs) * (upper - eta) / (upper - mu)) / upper
        at_zero = np.where(xs > 0, np.inf, 1.0)
        term = np.where(mu >= upper, 0.0, term)
        term = np.where(np.abs(mu) <= 1e-12, at_zero, np.where(mu < 0, np.inf, term))
        out: FloatArray = sequential_pvalues(np.log(term))[:, -1]
    return out


def comparison_stratum_pvalues(
    stratum: Stratum, omega: ArrayLike, thetas: ArrayLike, replacement: bool
) -> FloatArray:
    """Per θ of ``thetas``: the sequential ALPHA P-value that the comparison stratum's true
    assorter mean is at most θ, from the overstatements ω of its sampled ballots."""
    om = np.asarray(omega, dtype=np.float64)
    th = np.atleast_1d(np.asarray(thetas, dtype=np.float64))
    if om.size == 0:
        return np.ones(th.size)
    u, v = stratum.upper, 2 * stratum.reported_mean - 1
    top, no_error = 2 / (2 - v / u), 1 / (2 - v / u)
    null = (1 - (stratum.reported_mean - th) / u) / (2 - v / u)
    inside = (null > 0) & (null < top)
    out = np.where(null >= top, 1.0, 0.0 if np.all(om < u) else 1.0)
    if inside.any():
        n_in = null[inside]
        eta0 = np.maximum(comparison_eta0(no_error, top), np.minimum(top * (1 - 1e-9), n_in + 1e-6))
        out[inside] = alpha_pvalues_over_nulls(
            (1 - om / u) / (2 - v / u),
            n_in,
            upper=top,
            eta0=eta0,
            population=None if replacement else stratum.ballots,
            d=COMPARISON_D,
        )
    return out


def polling_stratum_pvalues(
    stratum: Stratum, values: ArrayLike, thetas: ArrayLike, eta0: float, replacement: bool
) -> FloatArray:
    """Per θ of ``thetas``: the sequential ALPHA P-value that the polling stratum's assorter
    mean is at most θ, from the assorter values of its sampled ballots."""
    x = np.asarray(values, dtype=np.float64)
    th = np.atleast_1d(np.asarray(thetas, dtype=np.float64))
    u = stratum.upper
    if x.size == 0:
        return np.ones(th.size)
    inside = (th > 0) & (th < u)
    out = np.where(th >= u, 1.0, 0.0 if np.any(x > 0) else 1.0)
    if inside.any():
        t_in = th[inside]
        out[inside] = alpha_pvalues_over_nulls(
            x,
            t_in,
            upper=u,
            eta0=np.minimum(u * (1 - 1e-9), np.maximum(eta0, t_in + 1e-6)),
            population=None if replacement else stratum.ballots,
            d=ALPHA_D,
        )
    return out


def comparison_stratum_pvalue(
    stratum: Stratum, omega: ArrayLike, theta: float, replacement: bool
) -> float:
    """:func:`comparison_stratum_pvalues` at one θ."""
    return float(comparison_stratum_pvalues(stratum, omega, [theta], replacement)[0])


def polling_stratum_pvalue(
    stratum: Stratum, values: ArrayLike, theta: float, eta0: float, replacement: bool
) -> float:
    """:func:`polling_stratum_pvalues` at one θ."""
    return float(polling_stratum_pvalues(stratum, values, [theta], eta0, replacement)[0])


def fisher_combined_many(p1: FloatArray, p2: FloatArray) -> FloatArray:
    """:func:`fisher_combined` elementwise: for χ²₄, Pr(χ² ≥ x) = e^{−x/2}(1 + x/2)."""
    with np.errstate(divide="ignore"):
        half = -(np.log(np.minimum(p1, 1.0)) + np.log(np.minimum(p2, 1.0)))
    finite = np.isfinite(half)
    h = np.where(finite, half, 0.0)
    out: FloatArray = np.where(finite, np.exp(-h) * (1 + h), 0.0)
    return out


def stratified_pvalue(
    cvr: Stratum,
    omega: ArrayLike,
    polling: Stratum,
    values: ArrayLike,
    eta0: float,
    *,
    replacement: bool = True,
    grid: int = GRID,
) -> float:
    """SUITE's P-value of one assertion: the largest Fisher-combined P-value over the
    allocations θ_1 of the half-average null between the comparison stratum (``cvr``,
    overstatements ``omega``) and the polling stratum (``values``): a grid of ``grid``
    allocations, then two finer grids around the best. A stratum without ballots drops
    out (the other stratum's own P-value)."""
    n = cvr.ballots + polling.ballots
    if n <= 0:
        return 1.0
    if cvr.ballots == 0:
        return polling_stratum_pvalue(polling, values, 0.5, eta0, replacement)
    if polling.ballots == 0:
        return comparison_stratum_pvalue(cvr, omega, 0.5, replacement)
    w1, w2 = cvr.ballots / n, polling.ballots / n
    low = max(0.0, (0.5 - w2 * polling.upper) / w1)
    high = min(cvr.upper, 0.5 / w1)
    best_p, best_t, lo, hi = -1.0, low, low, high
    for _ in range(3):
        t1 = np.linspace(lo, hi, grid)
        p1 = comparison_stratum_pvalues(cvr, omega, t1, replacement)
        p2 = polling_stratum_pvalues(polling, values, (0.5 - w1 * t1) / w2, eta0, replacement)
        p = fisher_combined_many(p1, p2)
        k = int(np.argmax(p))
        if p[k] > best_p:
            best_p, best_t = float(p[k]), float(t1[k])
        step = (hi - lo) / (grid - 1)
        lo, hi = max(low, best_t - step), min(high, best_t + step)
        if hi - lo < 1e-12:
            break
    return best_p


def even_spread(n: int, shares: ArrayLike, values: ArrayLike) -> FloatArray:
    """n draws in which ``values[k]`` appear in the proportions ``shares`` spread evenly
    (largest remainder at every step): the sample an estimate assumes."""
    s = np.asarray(shares, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    i = np.arange(1, n + 1, dtype=np.float64)[:, None]
    counts = np.floor(i * s[None, :] + 1e-9)
    prev = np.vstack([np.zeros((1, s.size)), counts[:-1]])
    step = counts - prev
    pick = np.where(step.sum(axis=1) > 0, np.argmax(step, axis=1), int(np.argmax(s)))
    out: FloatArray = v[pick]
    return out
