"""Supermajority assertions (SHANGRLA §2.3): hand-computed assorter values and means, the
workflow of polling and comparison audits with a threshold, refusals, and a wrong-outcome
simulation of 10,000 audits whose rate of confirming a winner below the threshold stays
within the risk limit (99 % Clopper–Pearson bound)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import beta

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.simulated_sizes import discrete_sampler, simulated_stops
from escrutinio.audit.stats.supermajority import (
    batch_columns,
    comparison_bounds,
    parse_threshold,
    supermajority_assertion,
    supermajority_batch_assorter,
    supermajority_overstatements,
)
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.method import Method
from escrutinio.audit.workflow.registry import method_named
from escrutinio.audit.workflow.supermajority_tables import VARIANTS, variant

sys.path.insert(0, str(Path(__file__).parent))
from test_ballot_audit import SEED, make_state, read_all, reported


def test_assorter_values_and_mean_by_hand() -> None:
    # 1,000 ballots: 700 for A, 200 for B, 50 for C, 50 blank; threshold 2/3 → u = 3/4.
    a = supermajority_assertion("c", [700, 200, 50], 2 / 3, 1000)
    assert (a.winner, a.winner_votes, a.loser_votes) == (0, 700, 250)
    assert a.upper == pytest.approx(0.75)
    # mean = (700·3/4 + 250·0 + 50·1/2)/1000 = (525 + 25)/1000
    assert a.reported_mean == pytest.approx(0.55)
    assert a.diluted_margin == pytest.approx(0.10)
    marks = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0], [1, 1, 0]])
    assert a.values(marks).tolist() == [0.75, 0.0, 0.0, 0.5, 0.5]  # overvote: not valid
    # Exactly at the threshold the mean is 1/2: 600 of 900 valid, 100 blank.
    tie = supermajority_assertion("c", [600, 300], 2 / 3, 1000)
    assert tie.reported_mean == pytest.approx(0.5)
    # A CVR for A read as B overstates by u; read as blank by u − 1/2.
    om = supermajority_overstatements(a, [[1, 0, 0], [1, 0, 0]], [[0, 1, 0], [0, 0, 0]])
    assert om.tolist() == pytest.approx([0.75, 0.25])
    assert comparison_bounds(a, a.upper) == pytest.approx(
        (1 / (2 - 0.1 / 0.75), 2 / (2 - 0.1 / 0.75))
    )


@given(
    st.integers(0, 500), st.integers(0, 500), st.integers(0, 200), st.sampled_from([0.55, 2 / 3])
)
def test_mean_exceeds_half_iff_share_exceeds_threshold(
    w: int, o: int, blank: int, f: float
) -> None:
    n = w + o + blank
    if n == 0 or w < o:
        return
    a = supermajority_assertion("c", [w, o], f, n)
    marks = np.array([[1, 0]] * w + [[0, 1]] * o + [[0, 0]] * blank).reshape(-1, 2)
    assert float(a.values(marks).mean()) == pytest.approx(a.reported_mean)
    share = w / (w + o) if w + o else 0.0
    if not math.isclose(share, f):
        assert (a.reported_mean > 0.5) == (share > f)


def test_threshold_parsing() -> None:
    assert parse_threshold("2/3") == pytest.approx(2 / 3)
    assert parse_threshold("0.6") == 0.6
    for bad in ("x", "1/0", "0.4", "1"):
        with pytest.raises(ValueError):
            parse_threshold(bad)


@pytest.mark.parametrize("method", ["ballot-polling", "ballot-comparison"])
def test_supermajority_rounds_confirm_a_clear_winner(method: str) -> None:
    state = make_state(method, "alpha", margin=0.6)  # 156 of 196 valid votes: 79.6 %
    state.threshold = 2 / 3
    assert wf.check_inputs(state) == []
    (est,) = wf.estimates(state)
    assert est.margin == pytest.approx((156 * 0.75 + 4 * 0.5) / 200 * 2 - 1)
    for _ in range(6):
        st_ = wf.status(state)
        sizes = wf.next_round_sizes(state, st_)
        if not sizes:
            break
        state.rounds.append(wf.draw(state, sizes))
        read_all(state)
    assert wf.status(state).contests[0].confirmed


def test_comparison_overstatement_against_the_threshold_raises_the_risk() -> None:
    state = make_state("ballot-comparison", "alpha", margin=0.6)
    state.threshold = 2 / 3
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    read_all(state)
    clean = wf.status(state).contests[0].risk
    state.counts.clear()
    drawn = wf.draws(state)
    read_all(state, wrong={drawn[0]})
    assert wf.status(state).contests[0].risk > clean


def test_winner_below_threshold_and_other_methods_are_refused() -> None:
    state = make_state("ballot-polling", "alpha", margin=0.2)  # 117 of 196: 59.7 %
    state.threshold = 2 / 3
    assert "not more than the threshold" in wf.check_inputs(state)[0]
    params = wf.AuditParameters("macro", 0.05, "1", ("c1",), threshold=2 / 3)  # no variant
    with pytest.raises(AuditParameterError) as err:
        wf.check_parameters(params, {"c1"})
    assert err.value.parameter == "threshold"
    bravo = wf.AuditParameters(
        "ballot-polling", 0.05, "1", ("c1",), manifest={"t": 3}, test="bravo", threshold=0.6
    )
    with pytest.raises(AuditParameterError):
        wf.check_parameters(bravo, {"c1"})
    ok = wf.check_parameters(
        wf.AuditParameters("ballot-polling", 0.05, "1", ("c1",), manifest={"t": 3}, threshold=0.6),
        {"c1"},
    )
    assert ok.test == "alpha"


def clopper_pearson_lower(k: int, n: int, level: float = 0.99) -> float:
    """Lower end of the two-sided Clopper–Pearson interval."""
    return 0.0 if k == 0 else float(beta.ppf((1 - level) / 2, k, n - k + 1))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["polling", "comparison"])
def test_wrong_outcome_rate_within_risk_limit(kind: str) -> None:
    # Reported: 70 % of the valid votes (90 % of ballots valid); truth: exactly 2/3.
    n, risk = 100_000, 0.05
    a = supermajority_assertion("c", [63_000, 27_000], 2 / 3, n)
    if kind == "polling":
        pw, po = 0.9 * 2 / 3, 0.9 / 3
        sampler = discrete_sampler([a.upper, 0.0, 0.5], [pw, po, 1 - pw - po])
        upper, eta0, d = a.upper, a.reported_mean, 100.0
    else:
        # CVRs for the winner whose ballots are for another option (ω = u) at the rate
        # that brings the true mean to 1/2.
        no_error, upper = comparison_bounds(a, a.upper)
        k = a.diluted_margin / 2 / a.upper
        sampler = discrete_sampler([0.0, no_error], [k, 1 - k])
        eta0, d = no_error + 0.8 * (upper - no_error), 10_000.0
    stops = simulated_stops(
        sampler,
        risk,
        upper=upper,
        eta0=eta0,
        population=None,
        cap=3_000,
        d=d,
        sims=10_000,
        chunk=500,
    )
    wrong = int(np.isfinite(stops).sum())
    assert clopper_pearson_lower(wrong, stops.size) <= risk


def test_batch_assorter_of_a_supermajority() -> None:
    # 3 tables: (A, B, blank) = (70, 20, 10), (60, 30, 10), (80, 10, 10); A has 210/270 valid
    counts = np.array([[70, 20], [60, 30], [80, 10]])
    ballots = np.array([100, 100, 100])
    a = supermajority_assertion("c", counts.sum(axis=0), 2 / 3, 300)
    b = supermajority_batch_assorter(a, counts, ballots)
    rw, rl = batch_columns(a, counts)
    # per table Σa = 0.75·w + 0.5·blank; w' − l' = 2Σa − n
    sums = 0.75 * counts[:, 0] + 0.5 * 10
    assert (rw - rl).tolist() == pytest.approx((2 * sums - 100).tolist())
    clean = b.values(rw, rl, rw, rl)
    assert clean == pytest.approx(np.full(3, b.no_error_value))
    assert b.no_error_value > 0.5
    # hand counts: every A vote of table 0 was a B vote; values stay in [0, upper]
    aw, al = batch_columns(a, np.array([[0, 90], [60, 30], [80, 10]]))
    x = b.values(rw, rl, aw, al)
    assert x[0] < b.no_error_value and np.all(x >= 0) and np.all(x <= b.upper + 1e-12)
    # the best case for the winner (every ballot for A) reaches the upper bound at most
    bw, bl = batch_columns(a, np.array([[100, 0]] * 3))
    assert np.all(b.values(rw, rl, bw, bl) <= b.upper + 1e-12)
    # the batch assorter's mean is above 1/2 iff A's share of the valid votes is above 2/3
    for hand, right in (([[60, 30]] * 3, False), ([[61, 29]] * 3, True)):
        hw, hl = batch_columns(a, np.array(hand))
        assert (float(b.values(rw, rl, hw, hl).mean()) > 0.5) == right


def table_state(margin: float) -> wf.AuditState:
    """A table-comparison audit of 30 tables with a two-thirds threshold."""
    rc = reported(tables=30, margin=margin)
    state = wf.AuditState("t", "table-comparison", 0.05, SEED, ("c1",), {"c1": rc})
    state.threshold = 2 / 3
    return state


def hand_count(state: wf.AuditState, flip: int = 0) -> None:
    """Hand count every pending table as its acta, ``flip`` W votes read as L."""
    rc = state.reported["c1"]
    for u, c in state.missing():
        row = rc.counts[rc.position[u]].copy()
        row[0] -= flip
        row[2] += flip
        state.counts[(u, c)] = tuple(int(x) for x in row)


def test_table_comparison_with_a_threshold() -> None:
    state = table_state(0.6)  # W has 156 of 196 valid votes per table: 79.6 %
    assert wf.check_inputs(state) == []
    (est,) = wf.estimates(state)
    assert "supermajority" in est.note and "P(finish in round 1)" in est.note
    assert est.margin == pytest.approx((156 * 0.75 + 4 * 0.5) / 200 * 2 - 1)
    for _ in range(6):
        sizes = wf.next_round_sizes(state, wf.status(state))
        if not sizes:
            break
        state.rounds.append(wf.draw(state, sizes))
        hand_count(state)
    assert wf.status(state).contests[0].confirmed
    # the same tables with W's lead over the threshold gone (50 W votes per table are L's)
    state.counts.clear()
    hand_count(state, flip=50)
    st_ = wf.status(state)
    assert not st_.contests[0].confirmed and st_.contests[0].discrepancies
    assert wf.check_parameters(
        wf.AuditParameters("table-comparison", 0.05, "1", ("c1",), threshold=2 / 3), {"c1"}
    ).threshold == pytest.approx(2 / 3)


def test_table_threshold_full_count_decides() -> None:
    state = table_state(0.6)
    state.rounds.append(wf.draw(state, {"c1": 30}))
    hand_count(state, flip=60)  # 96 of 196: below two-thirds
    st_ = wf.status(state).contests[0]
    assert st_.outcome_changed and not st_.confirmed and "OUTCOME CHANGED" in st_.note


def test_threshold_variants_fulfil_the_method_contract() -> None:
    contract = [m for m in vars(Method) if not m.startswith("_")]
    for name, method in VARIANTS.items():
        assert method.name == name and getattr(method, "thresholds", False)
        assert all(callable(getattr(method, m)) for m in contract)
        assert variant(method_named(name), None) is method_named(name)
        assert variant(method_named(name), 2 / 3) is method
