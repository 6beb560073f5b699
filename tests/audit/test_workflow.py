"""Audit workflow logic on a generated mid-size election (no database): reproducible draws,
escalation, MACRO and fixed-percentage rounds, hand-count validation, and the property that
an audit never confirms before the risk limit is met."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.files.handcounts import parse_hand_counts
from escrutinio.audit.stats.hypergeometric import attained_risk
from escrutinio.audit.stats.sampling import ppeb_order_ids, ppeb_sample
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow import table_comparison
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.tables import stats_contest
from escrutinio.model.errors import InputError

SEED = "31415926535897932384"


def contest(cid: str, tables: int, margin: float, seed: int) -> ReportedContest:
    """Two candidates (three options: the winner has two parties) in ``tables`` tables."""
    rng = np.random.default_rng(seed)
    ballots = rng.integers(200, 400, tables)
    win = rng.binomial(ballots, 0.5 + margin / 2 - 0.01)
    lose = ballots - win - rng.binomial(ballots - win, 0.02)
    counts = np.stack([win - win // 10, win // 10, lose], axis=1).astype(np.int64)
    return ReportedContest(
        contest=cid,
        seats=1,
        option_ids=("w-a", "w-b", "l"),
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"{cid}-{i:04d}" for i in range(tables)),
        counts=counts,
        ballots=ballots.astype(np.int64),
    )


def make_state(method: str = "table-comparison", percent: float | None = None) -> wf.AuditState:
    reported = {"c1": contest("c1", 600, 0.10, 1), "c2": contest("c2", 400, 0.25, 2)}
    return wf.AuditState("t", method, 0.05, SEED, ("c1", "c2"), reported, percent)


def count_all(state: wf.AuditState, error: dict[str, int] | None = None) -> None:
    """Hand counts equal to the actas, except ``error[unit]`` votes moved from w-a to l."""
    for unit, cid in state.missing():
        rc = state.reported[cid]
        votes = rc.counts[rc.position[unit]].copy()
        moved = (error or {}).get(unit, 0)
        votes[0] -= moved
        votes[2] += moved
        state.counts[(unit, cid)] = tuple(int(v) for v in votes)


def test_estimates_and_first_round() -> None:
    state = make_state()
    est = {e.contest: e for e in wf.estimates(state)}
    assert 0 < est["c2"].expected_tables < est["c1"].expected_tables < 600
    sizes = wf.first_round_sizes(state)
    for c in ("c1", "c2"):  # the most tables a simulated clean audit needs: a few above the mean
        assert est[c].expected_tables <= sizes[c] <= est[c].expected_tables + 15
    assert wf.first_round_sizes(state, 7) == {"c1": 7, "c2": 7}


def test_draws_are_reproducible_and_rounds_continue_the_sequence() -> None:
    a, b = make_state(), make_state()
    a.rounds.append(wf.draw(a, {"c1": 100}))
    a.rounds.append(wf.draw(a, {"c1": 50}))
    b.rounds.append(wf.draw(b, {"c1": 150}))
    rc = a.reported["c1"]
    bounds = table_comparison.design(rc).bounds
    # MACRO's draws (SHA-256 of "seed,k" against the bounds of the sorted tables), with
    # repeats, up to the 150th distinct table; rounds continue the same sequence
    units = sorted(rc.units)
    order = np.argsort(np.array(rc.units))
    stream = [units[i] for i in ppeb_sample(bounds[order], SEED, len(a.drawn("c1")))]
    assert a.drawn("c1") == b.drawn("c1") == stream
    assert len(set(a.drawn("c1"))) == 150 and a.drawn("c1")[-1] not in a.drawn("c1")[:-1]
    assert len(a.drawn("c1")) > 150  # tables of large bound come up more than once
    status = wf.status(a).contests[0]
    assert status.drawn == 150  # rounds and the status count distinct tables
    other = make_state()
    other.seed = "27182818284590452353"
    assert wf.draw(other, {"c1": 20})["c1"] != a.rounds[0]["c1"]


def test_a_one_contest_audit_draws_the_tables_macro_draws() -> None:
    rc = contest("c1", 300, 0.05, 7)
    tc = wf.AuditState("t", "table-comparison", 0.05, SEED, ("c1",), {"c1": rc})
    mac = wf.AuditState("m", "macro", 0.05, SEED, ("c1",), {"c1": rc})
    tc.rounds.append(wf.draw(tc, {"c1": 40}))
    n = len(tc.rounds[0]["c1"])
    mac.rounds.append(wf.draw(mac, {wf.POOLED: n}))
    assert tc.rounds[0]["c1"] == mac.rounds[0][wf.POOLED]


def test_the_without_replacement_variant_keeps_its_draws() -> None:
    a = make_state("table-comparison-wor")
    a.rounds.append(wf.draw(a, {"c1": 20}))
    a.rounds.append(wf.draw(a, {"c1": 15}))
    rc = a.reported["c1"]
    bounds = table_comparison.design(rc).bounds
    assert a.drawn("c1") == ppeb_order_ids(list(rc.units), bounds, SEED)[:35]
    old = make_state()  # a table-comparison audit kept before it drew with replacement
    old.draws = "ppeb-without-replacement"
    old.rounds.append(wf.draw(old, {"c1": 35}))
    assert old.drawn("c1") == a.drawn("c1")


def test_clean_audit_confirms_and_partial_rounds_do_not() -> None:
    state = make_state()
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    first = state.missing()[0]
    count_all(state)
    del state.counts[first]
    partial = wf.status(state)
    assert partial.pending == 1 and "in progress" in partial.conclusion
    assert wf.next_round_sizes(state, partial) == {}
    count_all(state)
    done = wf.status(state)
    assert all(c.confirmed and c.risk <= 0.05 for c in done.contests)
    assert done.conclusion.startswith("confirmed")
    assert wf.next_round_sizes(state, done) == {}


def test_discrepancy_escalates() -> None:
    state = make_state()
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    bad = state.rounds[0]["c1"][0]
    count_all(state, {bad: 25})
    st = wf.status(state)
    c1 = st.contests[0]
    assert [d.unit for d in c1.discrepancies] == [bad]
    assert c1.discrepancies[0].difference == (-25, 0, 25)
    assert not c1.confirmed and c1.risk > 0.05 and c1.next_size > 0
    nxt = wf.next_round_sizes(state, st)
    assert set(nxt) == {"c1"}
    state.rounds.append(wf.draw(state, nxt))
    count_all(state)
    later = wf.status(state)
    assert later.round == 2 and later.contests[0].drawn == len(state.drawn("c1"))


def test_huge_discrepancy_requires_full_hand_count() -> None:
    state = make_state()
    state.rounds.append(wf.draw(state, {"c1": 30, "c2": 30}))
    count_all(state, {u: 150 for u in state.rounds[0]["c1"]})
    c1 = wf.status(state).contests[0]
    assert c1.full_hand_count and c1.next_size == 600 - 30
    assert wf.status(state).conclusion == "full hand count required"


def test_macro_round() -> None:
    state = make_state("macro")
    est = wf.estimates(state)
    assert all(e.expected_tables > 0 for e in est)
    sizes = wf.first_round_sizes(state)
    state.rounds.append(wf.draw(state, sizes))
    assert len(state.rounds[0][wf.POOLED]) == sizes[wf.POOLED]
    count_all(state)
    st = wf.status(state)
    assert {c.risk for c in st.contests} == {st.contests[0].risk}
    assert all(c.confirmed for c in st.contests)


def test_fixed_percentage_attained_risk() -> None:
    state = make_state("fixed-percentage", percent=10)
    est = {e.contest: e for e in wf.estimates(state)}
    assert est["c1"].expected_tables == 60
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    count_all(state)
    c1 = wf.status(state).contests[0]
    assert c1.audited == 60
    rc = state.reported["c1"]
    assert f"{c1.risk:.4g}" in est["c1"].note
    assert c1.risk == pytest.approx(wf.no_discrepancy_risk(rc, 60))
    assert wf.next_round_sizes(state, wf.status(state)) == {}
    assert c1.risk == pytest.approx(
        attained_risk(
            stats_contest(rc, list(rc.units)), np.arange(60), rc.candidate_counts[:60]
        ).risk
    )


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(1, 120),
    errors=st.lists(st.tuples(st.integers(0, 119), st.integers(-20, 60)), max_size=8),
    counted=st.integers(0, 120),
)
def test_never_confirms_before_the_risk_limit(
    size: int, errors: list[tuple[int, int]], counted: int
) -> None:
    state = make_state()
    state.rounds.append(wf.draw(state, {"c1": size, "c2": size}))
    units = state.rounds[0]["c1"]
    count_all(state, {units[i]: moved for i, moved in errors if i < len(units)})
    for key in state.required()[counted:]:
        del state.counts[key]
    st_ = wf.status(state)
    for c in st_.contests:
        if c.confirmed:
            assert c.risk <= state.risk_limit
    if st_.conclusion.startswith("confirmed"):
        assert all(c.risk <= 0.05 for c in st_.contests) and st_.pending == 0


def parse(text: str) -> list[str]:
    state = make_state()
    state.rounds.append({"c1": ["c1-0001", "c1-0002"]})
    with pytest.raises(InputError) as info:
        parse_hand_counts(text, state, "h.csv")
    return [str(i) for i in info.value.issues]


def test_hand_count_validation_messages() -> None:
    head = "unit,contest,option,votes\n"
    good = "c1-0001,c1,w-a,10\nc1-0001,c1,w-b,1\nc1-0001,c1,l,9\n"
    assert parse("unit,contest,votes\n") == ["h.csv, line 1: missing column(s): option"]
    msgs = parse(
        head
        + good
        + "zz-1,c1,w-a,3\n"
        + "c1-0003,c1,w-a,3\n"
        + "c1-0002,c1,w-a,x\n"
        + "c1-0002,c1,nope,3\n"
        + "c1-0002,c9,w-a,3\n"
        + "c1-0002,c1,w-b,-4\n"
        + "c1-0002,c1,l,2\n"
        + "c1-0001,c1,l,9\n"
    )
    assert msgs == [
        "h.csv, line 5, field 'unit': unknown table 'zz-1'",
        "h.csv, line 6, field 'unit': table 'c1-0003' is not in the sample of c1",
        "h.csv, line 7, field 'votes': votes must be a non-negative integer, got 'x'",
        "h.csv, line 8, field 'option': option 'nope' is not on the c1 ballot",
        "h.csv, line 9, field 'contest': contest 'c9' is not audited",
        "h.csv, line 10, field 'votes': votes must be a non-negative integer, got '-4'",
        "h.csv, line 12, field 'option': option 'l' repeated for c1-0001",
        "h.csv, line 11, field 'option': table 'c1-0002' (c1) lacks option(s) w-a, w-b",
    ]
    state = make_state()
    state.rounds.append({"c1": ["c1-0001"]})
    rows = parse_hand_counts(head + good, state)
    assert [(r.unit, r.votes) for r in rows] == [("c1-0001", (10, 1, 9))]
