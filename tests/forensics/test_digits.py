"""Tests of the last-digit and second-digit tests."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.forensics.digits import (
    BENFORD_SECOND,
    last_digit_test,
    second_digit_counts,
    second_digit_test,
)
from escrutinio.forensics.units import UnitColumns, UnitData, from_frame

COLS = UnitColumns(options=("A", "B"), registered=None, voters=None, null=None)


def _data(a: np.ndarray, b: np.ndarray) -> UnitData:
    return from_frame(pl.DataFrame({"unit": range(a.size), "A": a, "B": b}), COLS)


def test_benford_second_digit_law() -> None:
    assert abs(BENFORD_SECOND.sum() - 1.0) < 1e-12
    assert round(float(BENFORD_SECOND[0]), 4) == 0.1197
    assert round(float(BENFORD_SECOND[9]), 4) == 0.0850


@given(st.integers(min_value=10, max_value=10**9))
def test_second_digit_matches_string(n: int) -> None:
    assert int(second_digit_counts(np.array([n]))[0]) == int(str(n)[1])


def test_last_digit_uniform_counts_pass_and_forged_fail() -> None:
    rng = np.random.default_rng(5)
    clean = _data(rng.integers(100, 1000, 3000), rng.integers(100, 1000, 3000))
    assert last_digit_test(clean).p_value is not None
    assert not last_digit_test(clean).flagged(0.001)
    forged = _data(rng.integers(10, 100, 3000) * 10, rng.integers(20, 200, 3000) * 5)
    result = last_digit_test(forged)
    assert result.ran and result.p_value is not None and result.p_value < 1e-10


def test_digit_tests_refuse_small_counts() -> None:
    small = _data(np.arange(50) % 9, np.arange(50) % 7)
    for result in (last_digit_test(small), second_digit_test(small)):
        assert result.status == "refused"
        assert "at least" in result.reason
        assert result.p_value is None


def test_second_digit_runs_on_wide_counts() -> None:
    rng = np.random.default_rng(3)
    # log-uniform counts over several decades follow Benford's law closely
    counts = np.floor(10 ** rng.uniform(1, 6, (5000, 2))).astype(np.int64)
    result = second_digit_test(_data(counts[:, 0], counts[:, 1]))
    assert result.ran
    assert result.p_value is not None and result.p_value > 0.001
    assert abs(result.details["mean_second_digit"] - 4.187) < 0.1
