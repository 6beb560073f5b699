"""PPEB without replacement with a betting martingale: the draw order's probabilities, the
test's risk limit on wrong outcomes, its efficiency against MACRO, the worst-case scoring of
impossible hand counts, and the phantom margin of ballots outside the tables."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.macro import error_bounds, make_batch_contest, overstatements
from escrutinio.audit.stats.ppeb_betting import (
    BettingState,
    TaintSampler,
    betting_log_terms,
    betting_pvalues,
    phantom_margin,
    ppeb_order,
    quantile_draws,
    simulate_stops,
)


def election(rng: np.random.Generator, n_tab: int, margin: float) -> np.ndarray:
    pw = (0.95 + margin) / 2
    sizes = rng.integers(100, 600, n_tab)
    return rng.multinomial(sizes, [pw, 0.95 - pw, 0.05])


def test_first_draw_is_proportional_to_the_bound() -> None:
    rng = np.random.default_rng(1)
    bounds = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    firsts = np.array([ppeb_order(rng.random(5), bounds)[0] for _ in range(20_000)])
    freq = np.bincount(firsts, minlength=5) / firsts.size
    assert np.allclose(freq, bounds / bounds.sum(), atol=0.015)
    assert freq[4] == 0  # a table with no possible error is never drawn before the others


def test_second_draw_follows_successive_sampling() -> None:
    rng = np.random.default_rng(2)
    bounds = np.array([5.0, 1.0, 1.0])
    pairs = [tuple(ppeb_order(rng.random(3), bounds)[:2]) for _ in range(20_000)]
    # P(0 then 1) = 5/7 · 1/2; P(1 then 0) = 1/7 · 5/6
    assert abs(pairs.count((0, 1)) / 20_000 - 5 / 14) < 0.015
    assert abs(pairs.count((1, 0)) / 20_000 - 5 / 42) < 0.015


def test_no_error_martingale_nearly_bets_all_and_beats_kaplan_markov() -> None:
    u = np.full(50, 0.1)  # U = 5
    p = betting_pvalues(np.zeros(12), u[:12], float(u.sum()))
    km = np.cumprod(np.full(12, 1 - 1 / 5.0))  # with replacement
    remaining = 5.0 - 0.1 * np.arange(12)
    max_bet = np.cumprod(1 - 1 / remaining)  # without replacement, the largest bet
    assert np.all(p <= km * 1.0001) and np.all(p >= max_bet) and np.all(p <= max_bet * 1.001)


def test_impossible_hand_count_scores_the_worst_case_and_the_audit_recovers() -> None:
    u = np.full(2000, 0.02)  # U = 40
    e = np.zeros(1200)
    e[3] = 0.0201  # taint > 1: more ballots than the acta, or a table not found
    terms, _ = betting_log_terms(e[None, :], u[None, :1200], BettingState.start(40.0))
    assert terms[0, 3] < math.log(1e-3)  # scored as x = 0: the bet is almost all lost
    assert np.isfinite(terms).all()
    p = betting_pvalues(e, u[:1200], 40.0)
    assert p[3] >= p[2] and p[-1] < 0.05  # unlike Kaplan–Markov (dead), it can still confirm


def test_seen_errors_that_could_change_the_outcome_stop_the_bets() -> None:
    u = np.full(10, 0.5)  # U = 5
    e = np.array([0.5, 0.5, 0.0, 0.0, 0.0])  # Σ e = 1 after two draws: the null is plausible
    terms, _ = betting_log_terms(e[None, :], u[None, :5], BettingState.start(5.0))
    assert np.all(terms[0, 2:] == 0.0)


def test_drawing_everything_proves_a_clean_outcome() -> None:
    u = np.full(5, 0.4)  # U = 2
    p = betting_pvalues(np.zeros(5), u, 2.0)
    assert p[-1] == 0.0


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.04))
def test_risk_limit_holds_on_wrong_outcomes(seed: int, extra: float) -> None:
    """Move votes so that the reported winner lost; confirmations ≤ α within sampling error."""
    rng = np.random.default_rng(seed)
    rep = election(rng, 120, 0.06)
    c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
    act = rep.copy()
    need = int(rep[:, 0].sum() - rep[:, 1].sum() + extra * rep.sum())
    for t in rng.permutation(120):
        if need < 0:
            break
        moved = min(int(act[t, 0]), need // 2 + 1)
        act[t, 0] -= moved
        act[t, 1] += moved
        need -= 2 * moved
    assert act[:, 1].sum() >= act[:, 0].sum()
    u = error_bounds([c])
    e = overstatements([c], np.arange(120), [act])
    # At extra = 0 the true outcome is a near tie, where the risk may reach α itself: 1,000
    # audits and a 4σ allowance keep 15 random cases per run from failing by chance (400 and
    # 3σ once gave 37 at seed 1033, whose risk over 4,000 audits is 0.056 ± 0.004).
    runs = 1000
    stops = simulate_stops(u, TaintSampler(e / u), 0.05, runs=runs, seed=seed)
    wrong = int((stops > 0).sum())
    assert wrong <= runs * 0.05 + 4 * math.sqrt(runs * 0.05 * 0.95)


def test_as_efficient_as_macro_without_errors() -> None:
    rng = np.random.default_rng(5)
    rep = election(rng, 2000, 0.02)
    c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
    u = error_bounds([c])
    big_u = float(u.sum())
    stops = simulate_stops(u, TaintSampler(np.zeros(2000)), 0.05, runs=100)
    n_macro = math.ceil(math.log(0.05) / math.log1p(-1 / big_u))
    distinct_macro = float(np.sum(1 - (1 - u / big_u) ** n_macro))
    assert stops.min() > 0
    assert float(stops.mean()) <= distinct_macro + 1.0


def test_phantom_margin_counts_the_outside_ballots_against_the_winner() -> None:
    assert phantom_margin(1471, 300, 200, 1428) == 1471 - 100 - 1428
    c = make_batch_contest("c", [[600, 500, 10], [400, 300, 5]], [1110, 705], 1, (5, 9, 0), 40)
    assert c.margin(0, 1) == (1005 - 809) - (5 - 9) - 40
    assert not c.unconfirmable()
    tight = make_batch_contest("c", [[600, 500, 10]], [1110], 1, (0, 0, 0), 100)
    assert tight.unconfirmable() and tight.pairs() == [(0, 2)]


def test_quantile_draws_states_the_probability_of_finishing() -> None:
    stops = np.array([10, 12, 15, 20, 0, 30, 11, 14, 13, 16])
    n, prob = quantile_draws(stops, 0.8, 100)
    assert n == 20 and prob == 0.8
    n, prob = quantile_draws(stops, 0.95, 100)
    assert n == 100 and prob == 0.9  # one run never finishes: a full hand count at 95%


def test_macro_next_draws_with_and_without_evidence_against_the_winner() -> None:
    from escrutinio.audit.stats.macro import ppeb_next_draws

    clean, prob = ppeb_next_draws(np.zeros(50), 40.0, 0.2, 0.05)
    assert clean == math.ceil(math.log(0.2 / 0.05) / -math.log1p(-1 / 40)) and prob == 1.0
    worse, prob = ppeb_next_draws(np.r_[np.zeros(45), np.full(5, 0.02)], 40.0, 0.2, 0.05)
    assert worse > clean and 0.9 <= prob <= 1.0
    hopeless, _ = ppeb_next_draws(np.r_[np.zeros(40), np.full(10, 0.5)], 40.0, 0.2, 0.05, cap=5000)
    assert hopeless == 5000  # drift against the winner: the draws run out (full hand count)


def test_no_error_martingale_is_the_exact_hypergeometric_bound() -> None:
    """With no discrepancy the bet is maximal and 1/T_k is the exact chance that k draws miss
    every table of an error spread over tables of total bound 1 (equal tables: SRSWOR)."""
    n_tab, u = 1000, 0.01  # U = 10: the error needs s = 100 whole tables
    s = round(1 / u)
    terms, _ = betting_log_terms(
        np.zeros((1, 300)), np.full((1, 300), u), BettingState.start(n_tab * u)
    )
    log_t = np.cumsum(terms[0])
    for k in (1, 10, 29, 100, 300):
        miss = math.comb(n_tab - s, k) / math.comb(n_tab, k)
        assert math.isclose(-log_t[k - 1], math.log(miss), rel_tol=2e-4)


def test_small_taints_keep_the_maximal_bet() -> None:
    """Taints with E[1/x] < 1/μ (1–10 vote errors) leave aGRAPA's bet at its cap, so each
    factor is Kaplan–Markov's x/μ (up to the cap), as MACRO's (Spertus, COBRA, 2023)."""
    n_tab, u = 3000, 0.067  # a 0.5% margin: U ≈ 201, μ ≈ 0.995
    taint = np.zeros(400)
    taint[[30, 90, 200, 350]] = [0.06, 0.015, 0.03, 0.045]
    terms, _ = betting_log_terms(
        (taint * u)[None, :], np.full((1, 400), u), BettingState.start(n_tab * u)
    )
    remaining = n_tab * u - u * np.arange(400)
    mu = 1 - (1 - u * np.concatenate([[0.0], np.cumsum(taint)[:-1]])) / remaining
    x = 1 - taint
    expected = np.log1p(0.9999 * (x - mu) / mu)
    assert np.allclose(terms[0], expected, rtol=0, atol=1e-12)
