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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues

GRID = 41  # allocations θ_1 on the first grid; the best is then refined


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


def comparison_stratum_pvalue(
    stratum: Stratum, omega: ArrayLike, theta: float, replacement: bool
) -> float:
    """Sequential ALPHA P-value that the comparison stratum's true assorter mean is at most
    ``theta``, from the overstatements ω of its sampled ballots."""
    om = np.asarray(omega, dtype=np.float64)
    if om.size == 0:
        return 1.0
    u, v = stratum.upper, 2 * stratum.reported_mean - 1
    top, no_error = 2 / (2 - v / u), 1 / (2 - v / u)
    null = (1 - (stratum.reported_mean - theta) / u) / (2 - v / u)
    if null <= 0:
        return 0.0 if np.all(om < u) else 1.0
    if null >= top:
        return 1.0
    x = (1 - om / u) / (2 - v / u)
    lt = alpha_log_terms(
        x,
        upper=top,
        eta0=max(comparison_eta0(no_error, top), min(top * (1 - 1e-9), null + 1e-6)),
        null_mean=null,
        population=None if replacement else stratum.ballots,
        d=COMPARISON_D,
    )
    return float(sequential_pvalues(lt)[-1])


def polling_stratum_pvalue(
    stratum: Stratum, values: ArrayLike, theta: float, eta0: float, replacement: bool
) -> float:
    """Sequential ALPHA P-value that the polling stratum's assorter mean is at most
    ``theta``, from the assorter values of its sampled ballots."""
    x = np.asarray(values, dtype=np.float64)
    u = stratum.upper
    if theta <= 0:
        return 0.0 if np.any(x > 0) else 1.0
    if theta >= u or x.size == 0:
        return 1.0
    lt = alpha_log_terms(
        x,
        upper=u,
        eta0=min(u * (1 - 1e-9), max(eta0, theta + 1e-6)),
        null_mean=theta,
        population=None if replacement else stratum.ballots,
    )
    return float(sequential_pvalues(lt)[-1])


def maximize_over_allocations(
    combined: Callable[[float], float], low: float, high: float, grid: int = GRID
) -> tuple[float, float]:
    """(largest value, its θ_1) of ``combined`` over [low, high]: a grid, then two finer
    grids around the best point."""
    best_p, best_t = -1.0, low
    lo, hi = low, high
    for _ in range(3):
        for t in np.linspace(lo, hi, grid):
            p = combined(float(t))
            if p > best_p:
                best_p, best_t = p, float(t)
        step = (hi - lo) / (grid - 1) if grid > 1 else 0.0
        lo, hi = max(low, best_t - step), min(high, best_t + step)
        if hi - lo < 1e-12:
            break
    return best_p, best_t


def stratified_pvalue(
    cvr: Stratum,
    omega: ArrayLike,
    polling: Stratum,
    values: ArrayLike,
    eta0: float,
    *,
    replacement: bool = True,
) -> float:
    """SUITE's P-value of one assertion: the largest Fisher-combined P-value over the
    allocations θ_1 of the half-average null between the comparison stratum (``cvr``,
    overstatements ``omega``) and the polling stratum (``values``). A stratum without
    ballots drops out (the other stratum's own P-value)."""
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

    def combined(theta1: float) -> float:
        theta2 = (0.5 - w1 * theta1) / w2
        p1 = comparison_stratum_pvalue(cvr, omega, theta1, replacement)
        p2 = polling_stratum_pvalue(polling, values, theta2, eta0, replacement)
        return fisher_combined(p1, p2)

    return maximize_over_allocations(combined, low, high)[0]


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
