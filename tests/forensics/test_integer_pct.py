"""Tests of the integer-percentage test (Kobak et al. 2016)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.forensics.integer_pct import (
    hit_probabilities,
    integer_percentage_test,
    is_integer_pct,
    turnout_integer_test,
)
from escrutinio.forensics.units import UnitColumns, from_frame


def test_is_integer_pct_examples() -> None:
    count = np.array([80, 400, 333, 334, 457, 1, 3])
    denom = np.array([100, 500, 1000, 1000, 457, 3, 1000])
    # 1/3 is the count nearest to 33% of 3, which is why small denominators are left out
    expected = [True, True, False, False, True, True, False]
    assert is_integer_pct(count, denom).tolist() == expected


@given(st.integers(min_value=100, max_value=2000), st.integers(min_value=0, max_value=100))
def test_target_count_is_integer(denom: int, pct: int) -> None:
    count = round(pct * denom / 100)
    assert bool(is_integer_pct(np.array([count]), np.array([denom]))[0])


def test_exact_probabilities_match_binomial_resampling() -> None:
    rng = np.random.default_rng(1)
    b = rng.integers(100, 900, 300)
    a = rng.binomial(b, 0.6)
    draws = rng.binomial(b, a / b, size=(4000, b.size))
    empirical = is_integer_pct(draws, b).mean(axis=0)
    assert np.abs(empirical - hit_probabilities(a, b)).max() < 0.04


def test_clean_counts_not_flagged_and_targets_detected() -> None:
    rng = np.random.default_rng(2)
    b = rng.integers(200, 900, 5000)
    a = rng.binomial(b, rng.beta(30, 20, b.size))
    clean = integer_percentage_test(a, b, "clean", n_resamples=1000)
    assert clean.p_value is not None and clean.p_value > 0.001
    forged = a.copy()
    idx = rng.choice(b.size, 300, replace=False)
    forged[idx] = np.rint(80 * b[idx] / 100).astype(np.int64)
    result = integer_percentage_test(forged, b, "forged", n_resamples=1000)
    assert result.p_value is not None and result.p_value < 0.01
    assert result.details["observed"] > result.details["expected"]


def test_turnout_refuses_without_register() -> None:
    frame = pl.DataFrame({"unit": ["1", "2"], "A": [10, 20], "B": [5, 5]})
    data = from_frame(frame, UnitColumns(options=("A", "B"), registered=None))
    result = turnout_integer_test(data)
    assert result.status == "refused"
    assert "registered" in result.reason
