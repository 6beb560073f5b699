"""ALPHA test supermartingale with truncated-shrinkage estimate of the mean.

Stark, "ALPHA: Audit that Learns from Previously Hand-Audited Ballots", Ann. Appl. Stat.
17(1), 2023. For values x_i ∈ [0, u] and null mean t:

    T_j = Π_{i≤j} [x_i·η_i/μ_i + (u − x_i)(u − η_i)/(u − μ_i)] / u,

μ_i = t with replacement, μ_i = (N·t − Σ_{k<i} x_k)/(N − i + 1) without replacement
(population N). η_i is the truncated shrinkage estimator of §2.5.2 (with f = 0):
η_i = min(u(1 − 10⁻⁹), max((d·η_0 + Σ_{k<i} x_k)/(d + i − 1), μ_i + c/√(d + i − 1))).
If μ_i < 0 the null is impossible (T = ∞); if μ_i = 0 it requires x_i = 0 (T = ∞ otherwise,
factor 1 if so); if μ_i ≥ u the null "mean ≤ t" is certainly true (factor 0).

For comparison audits the sample mean sits barely above 1/2, so learning it would make the
bet vanish; there we start η_0 at a fixed fraction of the way from the no-error value to u
and shrink slowly (large d), see :func:`comparison_eta0`.

``estimator="fixed"`` instead uses a fixed alternative (the case in which ALPHA generalizes
Wald's SPRT): η_i = η_0 with replacement and η_i = (N·η_0 − Σ_{k<i} x_k)/(N − i + 1)
without, the population mean left after i − 1 draws if the alternative η_0 is true (clipped
to [0, u]). This is also SHANGRLA's ``fixed_alternative_mean``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues

COMPARISON_D = 10_000.0

Estimator = Literal["shrink_trunc", "fixed"]


def comparison_eta0(no_error_value: float, upper: float, fraction: float = 0.8) -> float:
    """η_0 for comparison assorters: ``fraction`` of the way from the no-error value to u."""
    return no_error_value + fraction * (upper - no_error_value)


def alpha_log_terms(
    x: ArrayLike,
    *,
    upper: float,
    eta0: float,
    null_mean: float = 0.5,
    population: int | None = None,
    d: float = 100.0,
    c: float | None = None,
    start: int = 0,
    prior_sum: ArrayLike = 0.0,
    estimator: Estimator = "shrink_trunc",
) -> FloatArray:
    """Log of each ALPHA factor along the last axis of ``x``.

    ``start`` draws with total ``prior_sum`` (per row) precede ``x``, so long samples can
    be processed in chunks. ``estimator`` chooses η_i (see the module docstring).
    """
    xs = np.asarray(x, dtype=np.float64)
    n = xs.shape[-1]
    cc = (eta0 - null_mean) / 2 if c is None else c
    j = np.arange(start + 1, start + n + 1, dtype=np.float64)
    base = np.asarray(prior_sum, dtype=np.float64)
    if base.ndim:
        base = base[..., None]
    prior = np.cumsum(xs, axis=-1) - xs + base
    if population is None:
        mu = np.full_like(xs, null_mean)
    else:
        remaining = population - j + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = np.where(remaining > 0, (population * null_mean - prior) / remaining, -1.0)
    if estimator == "fixed":
        eta = _fixed_alternative(eta0, prior, j, population, upper)
    else:
        shrunk = (d * eta0 + prior) / (d + j - 1)
        eta = np.minimum(upper * (1 - 1e-9), np.maximum(shrunk, mu + cc / np.sqrt(d + j - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        term = (xs * eta / mu + (upper - xs) * (upper - eta) / (upper - mu)) / upper
        at_zero = np.where(xs > 0, np.inf, 1.0)
        term = np.where(mu >= upper, 0.0, term)
        term = np.where(np.abs(mu) <= 1e-12, at_zero, np.where(mu < 0, np.inf, term))
        out: FloatArray = np.log(term)
    return out


def _fixed_alternative(
    eta0: float, prior: FloatArray, j: FloatArray, population: int | None, upper: float
) -> FloatArray:
    """η_i of a fixed alternative mean η_0, updated for draws without replacement."""
    if population is None:
        return np.full_like(prior, eta0)
    remaining = population - j + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(remaining > 0, (population * eta0 - prior) / remaining, eta0)
    return np.clip(eta, 0.0, upper)


def alpha_pvalues(
    x: ArrayLike,
    *,
    upper: float,
    eta0: float,
    null_mean: float = 0.5,
    population: int | None = None,
    d: float = 100.0,
    c: float | None = None,
    estimator: Estimator = "shrink_trunc",
) -> FloatArray:
    """Running ALPHA P-values for the null "mean ≤ null_mean" along the last axis of ``x``.

    ``population`` switches to sampling without replacement; ``c`` defaults to
    (eta0 − null_mean)/2 as in the paper's simulations; ``estimator="fixed"`` keeps the
    alternative mean fixed at ``eta0`` (``d`` and ``c`` are then unused).
    """
    xs = np.asarray(x, dtype=np.float64)
    if xs.shape[-1] == 0:
        return np.ones_like(xs)
    return sequential_pvalues(
        alpha_log_terms(
            xs,
            upper=upper,
            eta0=eta0,
            null_mean=null_mean,
            population=population,
            d=d,
            c=c,
            estimator=estimator,
        )
    )
