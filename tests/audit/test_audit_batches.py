import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.hypergeometric import attained_risk, min_outcome_changing_tables
from escrutinio.audit.stats.macro import (
    error_bounds,
    make_batch_contest,
    overstatements,
    ppeb_expected_size,
    ppeb_pvalues,
)
from escrutinio.audit.stats.reconcile import reconcile_contest


def _tables(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    sizes = rng.integers(50, 300, n)
    return np.array([rng.multinomial(s, shares) for s in sizes], dtype=np.int64)


def test_macro_bounds_and_overstatements() -> None:
    reported = np.array([[60, 40], [50, 50], [30, 20]])
    c = make_batch_contest("c", reported, reported.sum(axis=1), 1)
    u = error_bounds([c])
    np.testing.assert_allclose(u, [(20 + 100) / 30, 100 / 30, (10 + 50) / 30])
    e = overstatements([c], [0, 2], [np.array([[55, 45], [30, 20]])])
    np.testing.assert_allclose(e, [10 / 30, 0])


def test_ppeb_pvalue_and_size() -> None:
    total = 50.0
    n = math.ceil(ppeb_expected_size(0.05, total))
    assert ppeb_pvalues(np.zeros(n), total)[-1] <= 0.05
    assert ppeb_pvalues(np.zeros(n - 1), total)[-1] > 0.05
    p = ppeb_pvalues([0.0, 0.5, 0.0], total)
    direct = np.cumprod(np.array([1, 1 / 0.5, 1]) * (1 - 1 / total))
    np.testing.assert_allclose(p, np.minimum(1, np.minimum.accumulate(direct)))
    assert (ppeb_pvalues(np.zeros(3), 0.9) == 0).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.2))
def test_macro_sum_reaches_one_when_outcome_flips(seed: int, flip: float) -> None:
    rng = np.random.default_rng(seed)
    reported = _tables(rng, 40, [0.5, 0.4, 0.1])
    actual = reported.copy()
    moved = (reported[:, 0] * flip * 3).astype(np.int64)
    actual[:, 0] -= moved
    actual[:, 1] += moved
    c = make_batch_contest("c", reported, reported.sum(axis=1), 1)
    e = overstatements([c], np.arange(40), [actual])
    u = error_bounds([c])
    assert (e <= u + 1e-12).all()
    if actual[:, 1].sum() >= actual[:, 0].sum():
        assert e.sum() >= 1 - 1e-9


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.3))
def test_batch_assorter_mean_tracks_truth(seed: int, flip: float) -> None:
    rng = np.random.default_rng(seed)
    reported = _tables(rng, 30, [0.48, 0.42, 0.10])
    ballots = reported.sum(axis=1) + rng.integers(0, 5, 30)
    actual = reported.copy()
    moved = (reported[:, 0] * flip).astype(np.int64)
    actual[:, 0] -= moved
    actual[:, 1] += moved
    a = plurality_assertions("c", reported.sum(axis=0), 1, int(ballots.sum()))[0]
    b = batch_assorter(a, reported[:, 0], reported[:, 1], ballots)
    x = b.values(reported[:, 0], reported[:, 1], actual[:, 0], actual[:, 1])
    assert (x >= -1e-12).all() and (x <= b.upper + 1e-12).all()
    true_margin = actual[:, 0].sum() - actual[:, 1].sum()
    assert (x.mean() > 0.5) == (true_margin > 0)


def test_fixed_percentage_zero_discrepancies() -> None:
    reported = np.tile([[60, 40]], (100, 1))
    c = make_batch_contest("c", reported, reported.sum(axis=1), 1)
    # Margin 2000; each table can overstate by 20 + 100 = 120 votes: 17 tables needed.
    assert min_outcome_changing_tables(c) == 17
    r = attained_risk(c, np.arange(10), reported[:10])
    assert r.tables_with_overstatement == 0
    assert r.risk == pytest.approx(math.comb(83, 10) / math.comb(100, 10))
    worse = reported[:10].copy()
    worse[0] = [59, 41]
    assert attained_risk(c, np.arange(10), worse).risk > r.risk
    tie = make_batch_contest("t", np.array([[5, 5]]), np.array([10]), 1)
    assert attained_risk(tie, [0], [[5, 5]]).risk == 1.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 20), st.integers(0, 19))
def test_fixed_percentage_monotone(seed: int, k: int, j: int) -> None:
    rng = np.random.default_rng(seed)
    reported = _tables(rng, 40, [0.52, 0.45, 0.03])
    c = make_batch_contest("c", reported, reported.sum(axis=1), 1)
    idx = rng.choice(40, k, replace=False)
    act = reported[idx].copy()
    base = attained_risk(c, idx, act).risk
    assert 0.0 <= base <= 1.0
    act[j % k, 0] -= 1
    act[j % k, 1] += 1
    assert attained_risk(c, idx, act).risk >= base


def test_reconcile_detects_changed_winner() -> None:
    reported = np.array([[100, 90], [80, 85], [50, 40]])
    r = reconcile_contest(reported, {0: [100, 90], 2: [30, 60]}, 1)
    assert r.reported_totals == (230, 215)
    assert r.corrected_totals == (210, 235)
    assert r.winners_changed and r.corrected_winners == (1,)
    assert [d.any for d in r.discrepancies] == [False, True]
    assert r.discrepancies[1].difference == (-20, 20)
    assert not reconcile_contest(reported, {}, 1).winners_changed
