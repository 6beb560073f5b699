"""Hybrid (SUITE) audits: Fisher's combination, the stratified P-value's properties (a
stratum without ballots gives the other stratum's own P-value; more clean evidence never
raises it, an overstatement never lowers it), strata and their independent draws, and the
rounds of a hybrid audit (phantoms counted against the winner)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from escrutinio.audit.stats.alpha import alpha_pvalues
from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.suite import (
    Stratum,
    alpha_pvalues_over_nulls,
    comparison_stratum_pvalue,
    even_spread,
    fisher_combined,
    fisher_combined_many,
    polling_stratum_pvalue,
    stratified_pvalue,
)
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.hybrid import Strata, stratum_draws

sys.path.insert(0, str(Path(__file__).parent))
from test_ballot_audit import SEED, make_state, read_all, truth

CVR = Stratum(6_000, 1.0, 0.56)
POLL = Stratum(4_000)


def test_fisher_combination_by_hand() -> None:
    # −2 ln(0.1 · 0.2) = 7.824; Pr(χ²₄ ≥ 7.824) = e^{-x/2}(1 + x/2) = 0.02·(1 + 3.912)
    assert fisher_combined(0.1, 0.2) == pytest.approx(0.02 * (1 - np.log(0.02)), rel=1e-9)
    assert fisher_combined(1.0, 1.0) == pytest.approx(1.0)
    assert fisher_combined(0.0, 0.5) == 0.0
    assert fisher_combined(0.3, 0.4) == pytest.approx(float(chi2.sf(-2 * np.log(0.12), 4)))


def clean_polling(n: int) -> FloatArray:
    """n polling-stratum assorter values: 56 % W, 40 % L, 4 % blank, spread evenly."""
    return even_spread(n, [0.56, 0.40, 0.04], [1.0, 0.0, 0.5])


def test_an_empty_stratum_leaves_the_other_strata_p_value() -> None:
    om = np.zeros(300)
    alone = stratified_pvalue(CVR, om, Stratum(0), [], 0.55)
    assert alone == comparison_stratum_pvalue(CVR, om, 0.5, True)
    vals = clean_polling(400)
    assert stratified_pvalue(Stratum(0), [], POLL, vals, 0.58) == polling_stratum_pvalue(
        POLL, vals, 0.5, 0.58, True
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(10, 300), st.integers(10, 300), st.integers(1, 200))
def test_p_value_monotone_in_evidence(n1: int, n2: int, more: int) -> None:
    vals = clean_polling(n2)
    base = stratified_pvalue(CVR, np.zeros(n1), POLL, vals, 0.58)
    longer = stratified_pvalue(CVR, np.zeros(n1 + more), POLL, vals, 0.58)
    assert longer <= base + 1e-12  # more clean CVR draws: no higher risk
    bad = np.zeros(n1)
    bad[0] = 1.0  # a two-vote overstatement
    assert stratified_pvalue(CVR, bad, POLL, vals, 0.58) >= base - 1e-12
    worse = vals.copy()
    worse[np.argmax(worse == 1.0)] = 0.0  # a W ballot read as L instead
    assert stratified_pvalue(CVR, np.zeros(n1), POLL, worse, 0.58) >= base - 1e-12


def test_p_value_is_at_least_each_strata_share_of_the_null() -> None:
    # with no draws at all nothing is learnt
    assert stratified_pvalue(CVR, [], POLL, [], 0.58) == pytest.approx(1.0)
    # a sample against the winner in the polling stratum keeps the risk high
    against = even_spread(400, [0.40, 0.56, 0.04], [1.0, 0.0, 0.5])
    assert stratified_pvalue(CVR, np.zeros(400), POLL, against, 0.58) > 0.5


def hybrid_state(cvr_tables: int = 10) -> wf.AuditState:
    """30 tables of 200 ballots (W 117 – L 79 – 4 blank); CVRs for the first tables."""
    state: wf.AuditState = make_state("ballot-comparison", "alpha", margin=0.2)
    state.method, state.test = "hybrid", "suite"
    keep = {f"t{i:03d}" for i in range(cvr_tables)}
    state.cvrs = {b: v for b, v in state.cvrs.items() if b.rpartition(":")[0] in keep}
    return state


def test_strata_and_their_draws() -> None:
    state = hybrid_state()
    strata = Strata.of(state)
    assert sum(strata.cvr.values()) == 2_000 and sum(strata.polling.values()) == 4_000
    assert strata.split(30) == (10, 20) and sum(strata.split(1)) == 1
    state.rounds.append(wf.draw(state, {"*": 30}))
    state.rounds.append(wf.draw(state, {"*": 30}))
    # each stratum continues its own consistent sample from the seed
    s1 = stratum_draws(state, strata.cvr)
    assert s1 == sample_manifest(strata.cvr, SEED, 20, replacement=True)
    s2 = stratum_draws(state, strata.polling)
    assert s2 == sample_manifest(strata.polling, SEED, 40, replacement=True)


def test_hybrid_rounds_confirm_and_errors_escalate() -> None:
    state = hybrid_state()
    (est,) = wf.estimates(state)
    assert "strata" in est.note and est.expected_ballots > 0
    for _ in range(6):
        st_ = wf.status(state)
        sizes = wf.next_round_sizes(state, st_)
        if not sizes:
            break
        state.rounds.append(wf.draw(state, sizes))
        read_all(state)
    done = wf.status(state)
    assert done.contests[0].confirmed and done.contests[0].risk <= 0.05
    # the same draws with every CVR-stratum ballot read for L: not confirmed
    wrong = {b for b in wf.draws(state) if b < "t010"}
    state.counts.clear()
    read_all(state, wrong=wrong)
    st_ = wf.status(state)
    assert not st_.contests[0].confirmed and st_.contests[0].discrepancies


def test_a_phantom_counts_against_the_winner() -> None:
    state = hybrid_state()
    state.rounds.append(wf.draw(state, {"*": 120}))
    read_all(state)
    clean = wf.status(state).contests[0].risk
    rc = state.reported["c1"]
    cvr_draw = next(b for b in wf.draws(state) if b < "t010" and truth(rc, b)[2] == 1)
    del state.cvrs[cvr_draw]  # an L ballot whose CVR is missing: a phantom, read as L
    assert wf.status(state).contests[0].risk > clean


@pytest.mark.parametrize("population", [None, 5_000])
def test_grid_of_nulls_equals_alpha_one_null_at_a_time(population: int | None) -> None:
    x = even_spread(300, [0.5, 0.3, 0.2], [1.0, 0.0, 0.5])
    nulls = np.array([0.3, 0.45, 0.5, 0.55])
    eta0 = np.maximum(0.6, nulls + 1e-6)
    grid = alpha_pvalues_over_nulls(x, nulls, upper=1.0, eta0=eta0, population=population, d=100.0)
    for k, t in enumerate(nulls):
        one = alpha_pvalues(x, upper=1.0, eta0=eta0[k], null_mean=t, population=population)
        assert grid[k] == pytest.approx(float(one[-1]), rel=1e-9)
    p1, p2 = np.array([0.1, 1.0, 0.0]), np.array([0.2, 1.0, 0.5])
    combined = fisher_combined_many(p1, p2)
    assert combined.tolist() == pytest.approx(
        [fisher_combined(a, b) for a, b in zip(p1, p2, strict=True)]
    )
