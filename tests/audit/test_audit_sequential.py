import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.alpha import alpha_pvalues
from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.bravo import bravo_asn, bravo_pvalues
from escrutinio.audit.stats.kaplan_markov import (
    kaplan_markov_pvalues,
    super_simple_expected_size,
    super_simple_pvalues,
    super_simple_sample_size,
)
from escrutinio.audit.stats.martingale import stopping_sizes


def test_bravo_factors() -> None:
    a = plurality_assertions("c", [600, 400], 1, 1000)[0]
    p = bravo_pvalues(a, [1, 1, -1, 0])
    t = np.cumprod([1.2, 1.2, 0.8, 1.0])
    np.testing.assert_allclose(p, np.minimum(1, 1 / np.maximum.accumulate(np.maximum(t, 1))))


def test_bravo_asn_formula_and_simulation() -> None:
    a = plurality_assertions("c", [5500, 4500], 1, 10000)[0]
    s = 0.55
    expected = (math.log(10) + math.log(2 * s) / 2) / (
        0.55 * math.log(2 * s) + 0.45 * math.log(2 * (1 - s))
    )
    assert bravo_asn(a, 0.1) == pytest.approx(expected)
    rng = np.random.default_rng(7)
    draws = np.where(rng.random((1000, 8000)) < 0.55, 1, -1)
    stops = stopping_sizes(bravo_pvalues(a, draws), 0.1)
    assert (stops > 0).mean() > 0.99
    assert np.where(stops > 0, stops, 8000).mean() == pytest.approx(expected, rel=0.1)


def test_alpha_fixed_eta_equals_bravo_without_other_ballots() -> None:
    a = plurality_assertions("c", [550, 450], 1, 1000)[0]
    draws = np.array([1, 1, -1, 1, 1, 1, -1, 1, 1, 1])
    x = (1 + draws) / 2
    pa = alpha_pvalues(x, upper=1.0, eta0=0.55, d=1e15, c=0.0)
    np.testing.assert_allclose(pa, bravo_pvalues(a, draws), rtol=1e-9)


def test_alpha_without_replacement_certainty() -> None:
    # 6 of 10 ballots already show the winner: the null mean 1/2 is impossible.
    p = alpha_pvalues(np.ones(6), upper=1.0, eta0=0.6, population=10)
    assert p[-1] == 0.0
    # A full hand count that ties never rejects.
    x = np.array([1, 0] * 5, dtype=float)
    assert alpha_pvalues(x, upper=1.0, eta0=0.6, population=10)[-1] > 0.05


def test_super_simple_rule_of_thumb() -> None:
    # Super-Simple (Stark 2010): with γ = 1.03905 and α = 10%, n ≈ 4.8/μ.
    assert super_simple_sample_size(0.1, 0.05) == math.ceil(2 * 1.03905 * math.log(10) / 0.05)
    assert 2 * 1.03905 * math.log(10) == pytest.approx(4.8, abs=0.02)
    assert super_simple_sample_size(0.05, 0.05) == 125
    assert super_simple_sample_size(0.05, 0.05, o1=1) > 125
    assert super_simple_expected_size(0.05, 0.05) == pytest.approx(124.5, abs=0.1)
    assert math.isinf(super_simple_expected_size(0.05, 0.01, r1=0.02))


def test_super_simple_pvalue_matches_product() -> None:
    w = np.array([0, 0, 1, 0, -1, 2])
    g, mu = 1.03905, 0.05
    p = super_simple_pvalues(w, mu, g)
    direct = np.cumprod((1 - mu / (2 * g)) / (1 - w / (2 * g)))
    np.testing.assert_allclose(p, np.minimum(1, np.minimum.accumulate(direct)))
    n = super_simple_sample_size(0.05, mu, g)
    assert super_simple_pvalues(np.zeros(n), mu, g)[-1] <= 0.05
    assert super_simple_pvalues(np.zeros(n - 2), mu, g)[-1] > 0.05


def test_kaplan_markov_martingale() -> None:
    p = kaplan_markov_pvalues([1.0, 1.0], g=0.1)
    assert p[-1] == pytest.approx((0.6 / 1.1) ** 2)


@pytest.mark.parametrize(
    ("values", "g", "message"),
    [
        ([1.0, -0.5, 1.0], 0.1, "non-negative values; got -0.5 at position 1"),
        ([1.0, float("nan")], 0.1, "non-negative values"),
        ([1.0], -0.1, "g must be non-negative"),
    ],
)
def test_kaplan_markov_refuses_values_it_is_not_defined_for(
    values: list[float], g: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_markov_pvalues(values, g=g)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=1, max_size=60),
    st.integers(0, 59),
    st.floats(0.01, 0.5),
)
def test_super_simple_monotone_and_bounded(w: list[int], i: int, mu: float) -> None:
    arr = np.array(w)
    p = super_simple_pvalues(arr, mu)
    assert ((p >= 0) & (p <= 1)).all()
    k = i % arr.size
    if arr[k] < 2:
        worse = arr.copy()
        worse[k] += 1
        assert super_simple_pvalues(worse, mu)[-1] >= p[-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=1, max_size=80), st.booleans())
def test_alpha_pvalues_in_unit_interval(x: list[float], wor: bool) -> None:
    p = alpha_pvalues(np.array(x), upper=1.0, eta0=0.55, population=100 if wor else None)
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) <= 0).all()
