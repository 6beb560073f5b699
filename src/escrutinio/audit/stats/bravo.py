"""BRAVO ballot-polling sequential probability ratio test.

Lindeman, Stark & Yates, "BRAVO: Ballot-polling Risk-limiting Audits to Verify Outcomes",
EVT/WOTE 2012. For pair (w, l) with s = p_w / (p_w + p_l): T starts at 1, a ballot for w
multiplies it by 2s, one for l by 2(1 − s), any other ballot leaves it unchanged; the pair
is confirmed when T ≥ 1/α. Average sample number (Wald, with the paper's overshoot term):
ASN ≈ (ln(1/α) + ln(2s)/2) / (p_w·ln(2s) + p_l·ln(2(1 − s))), p_w, p_l shares of all ballots.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escrutinio.audit.stats.assertions import Assertion
from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues


def bravo_pvalues(assertion: Assertion, outcomes: ArrayLike) -> FloatArray:
    """Running BRAVO P-values; ``outcomes`` per drawn ballot: +1 winner, −1 loser, 0 other.

    Works along the last axis, so a 2-D array holds many simulated audits.
    """
    o = np.asarray(outcomes)
    s = assertion.winner_share
    zw = math.log(2 * s)
    zl = math.log(2 * (1 - s)) if s < 1 else -math.inf
    log_terms: NDArray[np.float64] = np.where(o > 0, zw, np.where(o < 0, zl, 0.0))
    return sequential_pvalues(log_terms)


def bravo_asn(assertion: Assertion, risk_limit: float) -> float:
    """BRAVO average sample number (ballots) for one assertion if the reported shares are true."""
    s = assertion.winner_share
    pw = assertion.winner_votes / assertion.ballots
    pl = assertion.loser_votes / assertion.ballots
    zw = math.log(2 * s)
    zl = math.log(2 * (1 - s)) if s < 1 else 0.0
    drift = pw * zw + pl * zl
    if drift <= 0:
        return math.inf
    return (math.log(1 / risk_limit) + zw / 2) / drift
