"""Sequential P-values from test supermartingales.

Ville's inequality: for a nonnegative supermartingale T with T_0 = 1 under the null,
P(max_j T_j ≥ 1/α) ≤ α, so ``min(1, 1 / max_{k≤j} T_k)`` is a valid sequential P-value
(Stark, "ALPHA", Ann. Appl. Stat. 17(1), 2023, §2; Stark, SHANGRLA, FC 2020).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def sequential_pvalues(log_terms: ArrayLike) -> FloatArray:
    """Running P-values min(1, 1/max T) from per-draw log-factors along the last axis."""
    lt = np.asarray(log_terms, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        log_t = np.cumsum(lt, axis=-1)
    log_t = np.nan_to_num(log_t, nan=-np.inf)
    running = np.maximum.accumulate(log_t, axis=-1)
    with np.errstate(over="ignore"):
        return np.minimum(1.0, np.exp(-np.maximum(running, 0.0)))


def stopping_sizes(pvalues: ArrayLike, risk_limit: float) -> NDArray[np.int64]:
    """First sample size (1-based) at which the P-value ≤ risk limit, per row; 0 if never."""
    p = np.asarray(pvalues, dtype=np.float64)
    hit = p <= risk_limit
    first = np.argmax(hit, axis=-1) + 1
    return np.where(hit.any(axis=-1), first, 0).astype(np.int64)
