"""The default table audit's statistics: PPEB draws with replacement from the public seed
(reproducible, frequencies proportional to the bounds, rounds of new tables), the betting
martingale that ties MACRO's Kaplan–Markov test at zero and small errors, survives a table
of taint 1, and keeps its risk limit on wrong outcomes."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from escrutinio.audit.stats.macro import (
    error_bounds,
    make_batch_contest,
    overstatements,
    ppeb_pvalues,
)
from escrutinio.audit.stats.ppeb_betting import TaintSampler
from escrutinio.audit.stats.ppeb_wr_betting import (
    BET_SLACK,
    WrState,
    error_free_draws,
    simulate_wr,
    wr_log_terms,
    wr_pvalues,
    wr_state,
)
from escrutinio.audit.stats.sampling import ppeb_round, ppeb_sample

SEED = "31415926535897932384"


def km_stop(t: np.ndarray, big_u: float, alpha: float) -> int:
    """First draw at which MACRO's Kaplan–Markov P-value reaches ``alpha`` (0: never)."""
    hit = np.flatnonzero(ppeb_pvalues(t, big_u) <= alpha)
    return int(hit[0]) + 1 if hit.size else 0


def wr_stop(t: np.ndarray, big_u: float, alpha: float) -> int:
    hit = np.flatnonzero(wr_pvalues(t, big_u) <= alpha)
    return int(hit[0]) + 1 if hit.size else 0


def test_ties_kaplan_markov_exactly_at_zero_error() -> None:
    for big_u in (1.5, 3.0, 10.0, 33.3, 100.0, 412.0, 2000.0):
        for alpha in (0.01, 0.05, 0.1):
            n = math.ceil(3 * big_u * math.log(1 / alpha)) + 10
            t = np.zeros(n)
            assert wr_stop(t, big_u, alpha) == km_stop(t, big_u, alpha), (big_u, alpha)
            assert error_free_draws(big_u, alpha) == km_stop(t, big_u, alpha)
            # each factor falls short of Kaplan–Markov's by the relative amount δ/U (to first order)
            gap = np.log(wr_pvalues(t, big_u)) - np.log(ppeb_pvalues(t, big_u))
            assert np.all(gap >= 0) and np.all(
                gap <= 1.001 * np.arange(1, n + 1) * BET_SLACK / big_u + 1e-12
            )


def test_ties_kaplan_markov_on_the_same_draws_with_small_errors() -> None:
    rng = np.random.default_rng(5)
    ties = 0
    for run in range(300):
        big_u = float(rng.uniform(20, 300))
        t = np.where(rng.random(4000) < 0.01, rng.uniform(0, 0.2, 4000), 0.0)
        t = np.where(rng.random(4000) < 0.003, -rng.uniform(0, 0.2, 4000), t)  # understatements
        ties += wr_stop(t, big_u, 0.05) == km_stop(t, big_u, 0.05)
        assert wr_stop(t, big_u, 0.05) <= km_stop(t, big_u, 0.05) + 1, run
    assert ties >= 297  # only an overshoot below δ·ln(1/α) can separate them


def test_a_table_of_taint_one_is_survived() -> None:
    big_u = 40.0
    t = np.zeros(3000)
    t[0] = 1.0  # a table not found, drawn first
    assert np.all(ppeb_pvalues(t, big_u) == 1.0)  # MACRO: 1 for good
    p = wr_pvalues(t, big_u)
    stop = wr_stop(t, big_u, 0.05)
    assert p[0] == 1.0 and 0 < stop < 10 * error_free_draws(big_u, 0.05)
    # the loss is a factor δ at most: ln T after it is ≥ ln δ
    terms, _ = wr_log_terms(t[None, :1], WrState.start(big_u))
    assert terms[0, 0] >= math.log(BET_SLACK) - 1e-6  # (rounding: 1 − λμ is about δ)
    # a hand count with more ballots than its acta (taint above 1) scores as taint 1
    t2 = t.copy()
    t2[0] = 3.7
    assert np.array_equal(wr_pvalues(t2, big_u), p)


def test_the_state_continues_the_martingale() -> None:
    rng = np.random.default_rng(3)
    t = np.where(rng.random(900) < 0.05, rng.uniform(-0.3, 1.0, 900), 0.0)
    whole, end = wr_log_terms(t[None, :], WrState.start(60.0))
    mid = wr_state(t[:400], 60.0)
    rest, end2 = wr_log_terms(t[None, 400:], mid)
    assert np.allclose(whole[0, 400:], rest[0]) and np.isclose(end.log_t[0], end2.log_t[0])
    assert np.isclose(mid.log_t[0], whole[0, :400].sum())


def test_an_impossible_null_is_refuted_at_once() -> None:
    assert wr_pvalues(np.zeros(3), 0.8)[0] == 0.0  # U < 1: no error could change the outcome
    assert wr_pvalues(np.array([1.0, 0.0]), 1.0).tolist() == [1.0, 0.0]  # U = 1: all must be 1


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.3))
def test_risk_limit_holds_on_wrong_outcomes(seed: int, extra: float) -> None:
    """Wrong outcomes (Σ e ≥ 1 + extra) confirmed in at most α of simulated audits."""
    rng = np.random.default_rng(seed)
    n_tab = 200
    sizes = rng.integers(100, 400, n_tab)
    rep = rng.multinomial(sizes, [0.52, 0.43, 0.05])
    c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
    u = error_bounds([c])
    act = rep.copy()
    need = int((rep[:, 0].sum() - rep[:, 1].sum()) * (1 + extra)) // 2 + 1
    how = rng.integers(3)
    order = rng.permutation(n_tab) if how else np.argsort(-u)
    for k in order:  # move votes winner → loser: a few whole tables, or many partly
        if need <= 0:
            break
        moved = min(int(act[k, 0]), need if how == 2 else max(1, need // 7))
        act[k, 0] -= moved
        act[k, 1] += moved
        need -= moved
    e = overstatements([c], np.arange(n_tab), [act])
    assert e.sum() >= 1
    taint = np.where(u > 0, e / u, 0.0)
    runs = 1000
    stops, _ = simulate_wr(u, TaintSampler(taint), 0.05, runs=runs, seed=seed)
    wrong = float(np.mean(stops > 0))
    assert wrong <= 0.05 + 4 * math.sqrt(0.05 * 0.95 / runs)


def test_simulated_error_free_audits_stop_at_the_fixed_draw() -> None:
    rng = np.random.default_rng(8)
    u = rng.uniform(0, 0.1, 800)
    stops, tables = simulate_wr(u, TaintSampler(np.zeros(800)), 0.05, runs=100, seed=1)
    assert np.all(stops == error_free_draws(float(u.sum()), 0.05))
    assert np.all((tables > 0.8 * stops) & (tables <= stops))  # a few repeats among them


def test_draws_are_reproducible_and_proportional_to_the_bounds() -> None:
    bounds = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 0.5, 9.5])
    draws = ppeb_sample(bounds, SEED, 20_000)
    assert draws == ppeb_sample(bounds, SEED, 20_000)
    assert draws[100:200] == ppeb_sample(bounds, SEED, 100, skip=100)
    freq = np.bincount(draws, minlength=bounds.size)
    assert freq[4] == 0  # a table that cannot hide an error is never drawn
    keep = bounds > 0
    expected = bounds[keep] / bounds.sum() * len(draws)
    assert chisquare(freq[keep], expected).pvalue > 1e-3


def test_rounds_take_draws_until_their_new_tables() -> None:
    ids = [f"t{i:03d}" for i in range(120)]
    rng = np.random.default_rng(4)
    bounds = rng.uniform(0, 1, 120) ** 3
    bounds[7] = 0.0
    first = ppeb_round(ids, bounds, SEED, [], 30)
    assert len(set(first)) == 30 and first[-1] not in first[:-1]
    second = ppeb_round(ids, bounds, SEED, first, 25)
    assert len(set(second) - set(first)) == 25 and second[-1] not in first + second[:-1]
    whole = ppeb_round(ids, bounds, SEED, [], 55)
    assert first + second == whole  # rounds continue one sequence
    stream = [sorted(ids)[i] for i in ppeb_sample(np.asarray(bounds), SEED, len(whole))]
    assert whole == stream  # MACRO's draws, over the tables sorted by id
    shuffled = list(reversed(ids))
    assert ppeb_round(shuffled, bounds[::-1], SEED, [], 55) == whole  # any input order
    # asking for every table left with a positive bound is the full hand count, in id order
    left = sorted(set(ids) - set(whole))
    assert ppeb_round(ids, bounds, SEED, whole, 119 - 55) == left
    assert ppeb_round(ids, bounds, SEED, whole, 0) == []
