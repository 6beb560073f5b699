"""Kaplan–Markov P-values for comparison audits.

Stark, "Risk-limiting post-election audits: conservative P-values from common probability
inequalities", IEEE TIFS 4(4), 2009, and "Super-Simple Simultaneous Single-Ballot
Risk-Limiting Audits", EVT/WOTE 2010. With error-bound inflator γ ≥ 1, diluted margin μ and
per-ballot overstatements ω_i in votes (−2, −1, 0, 1, 2),

    P_n = Π_{i≤n} (1 − μ/(2γ)) / (1 − ω_i/(2γ)),

and the Super-Simple initial sample size with o1, o2 (u1, u2) one- and two-vote over-
(under-)statements is n = −2γ[ln α + o1 ln(1 − 1/(2γ)) + o2 ln(1 − 1/γ)
+ u1 ln(1 + 1/(2γ)) + u2 ln(1 + 1/γ)]/μ. The general SHANGRLA form for assorter values x_i
is T_j = Π (x_i + g)/(t + g).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues

SUPER_SIMPLE_GAMMA = 1.03905


def super_simple_pvalues(
    overstatement_votes: ArrayLike, diluted_margin: float, gamma: float = SUPER_SIMPLE_GAMMA
) -> FloatArray:
    """Running Kaplan–Markov P-values of a ballot-comparison audit (Super-Simple form).

    The P-value is capped at 1 at each step but the product is not (as in the paper).
    """
    w = np.asarray(overstatement_votes, dtype=np.float64)
    log_terms = math.log(1 - diluted_margin / (2 * gamma)) - np.log1p(-w / (2 * gamma))
    with np.errstate(over="ignore"):
        p = np.exp(np.cumsum(log_terms, axis=-1))
    return np.minimum(1.0, np.minimum.accumulate(p, axis=-1))


def kaplan_markov_pvalues(x: ArrayLike, *, g: float = 0.1, null_mean: float = 0.5) -> FloatArray:
    """Running P-values of the Kaplan–Markov martingale Π (x_i + g)/(t + g), x_i ≥ 0.

    Raises :class:`ValueError` for a negative assorter value or ``g`` (the martingale is
    only defined for non-negative inputs; Stark 2009).
    """
    xs = np.asarray(x, dtype=np.float64)
    if g < 0:
        raise ValueError(f"g must be non-negative, got {g}")
    if xs.size and not (xs >= 0).all():
        raise ValueError(
            f"Kaplan–Markov needs non-negative values; got {float(np.nanmin(xs))} "
            f"at position {int(np.argmin(np.nan_to_num(xs, nan=-np.inf)))}"
        )
    return sequential_pvalues(np.log((xs + g) / (null_mean + g)))


def super_simple_sample_size(
    risk_limit: float,
    diluted_margin: float,
    gamma: float = SUPER_SIMPLE_GAMMA,
    o1: float = 0,
    o2: float = 0,
    u1: float = 0,
    u2: float = 0,
) -> int:
    """Super-Simple sample size given counts of 1- and 2-vote over/understatements."""
    if diluted_margin <= 0:
        raise ValueError("the diluted margin must be positive")
    s = (
        math.log(risk_limit)
        + o1 * math.log(1 - 1 / (2 * gamma))
        + o2 * math.log(1 - 1 / gamma)
        + u1 * math.log(1 + 1 / (2 * gamma))
        + u2 * math.log(1 + 1 / gamma)
    )
    n = math.ceil(-2 * gamma * s / diluted_margin)
    return max(n, math.ceil(o1 + o2 + u1 + u2))


def super_simple_expected_size(
    risk_limit: float,
    diluted_margin: float,
    gamma: float = SUPER_SIMPLE_GAMMA,
    r1: float = 0.0,
    r2: float = 0.0,
) -> float:
    """Expected sample size with 1- and 2-vote overstatement rates r1, r2 (per ballot).

    Solves n = −2γ[ln α + n·r1 ln(1 − 1/(2γ)) + n·r2 ln(1 − 1/γ)]/μ for n; ∞ if no solution.
    """
    denom = diluted_margin + 2 * gamma * (
        r1 * math.log(1 - 1 / (2 * gamma)) + r2 * math.log(1 - 1 / gamma)
    )
    if denom <= 0:
        return math.inf
    return -2 * gamma * math.log(risk_limit) / denom
