"""Ballot-level audits without a database: manifest and marks files, reproducible ballot
draws, BRAVO/ALPHA polling and CVR comparison rounds, phantoms, escalation, and the
properties that a discrepancy against the winner never lowers the risk and that an audit
never confirms above the risk limit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.files.ballot_files import (
    parse_ballot_readings,
    parse_manifest,
    parse_marks,
)
from escrutinio.audit.stats.risk import comparison_risk, polling_risk
from escrutinio.audit.stats.sampling import in_manifest, sample_ballots
from escrutinio.audit.workflow import rounds as ba
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.model.errors import InputError

SEED = "27182818284590452353"
OPTIONS = ("w-a", "w-b", "l")


def reported(tables: int = 30, margin: float = 0.2) -> ReportedContest:
    """Tables of 200 ballots: W (options w-a, w-b) against L, 4 blank ballots per table."""
    win = int(196 * (0.5 + margin / 2))
    counts = np.tile([win - 10, 10, 196 - win], (tables, 1)).astype(np.int64)
    return ReportedContest(
        contest="c1",
        seats=1,
        option_ids=OPTIONS,
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"t{i:03d}" for i in range(tables)),
        counts=counts,
        ballots=np.full(tables, 200, dtype=np.int64),
    )


def truth(rc: ReportedContest, ballot: str) -> tuple[int, ...]:
    """The paper ballot at ``batch:position``: acta votes stacked option by option."""
    batch, _, pos = ballot.rpartition(":")
    row = rc.counts[rc.position[batch]]
    edges = np.cumsum(row)
    k = int(np.searchsorted(edges, int(pos), side="left"))
    return tuple(int(i == k) for i in range(len(row)))


def make_state(
    method: str, test: str, *, replacement: bool = True, margin: float = 0.2
) -> wf.AuditState:
    rc = reported(margin=margin)
    state = wf.AuditState("b", method, 0.05, SEED, ("c1",), {"c1": rc})
    state.manifest = {u: 200 for u in rc.units}
    state.test, state.replacement = test, replacement
    if method == "ballot-comparison":
        state.cvrs = {
            f"{u}:{p}": {"c1": truth(rc, f"{u}:{p}")} for u in rc.units for p in range(1, 201)
        }
    return state


def read_all(state: wf.AuditState, wrong: set[str] | None = None) -> None:
    """Record the true marks of every pending ballot; ``wrong`` ones read as votes for L."""
    rc = state.reported["c1"]
    for b, c in state.missing():
        state.counts[(b, c)] = (0, 0, 1) if b in (wrong or set()) else truth(rc, b)


def test_manifest_and_marks_files() -> None:
    assert parse_manifest("batch,ballots\nt1,3\n\nt2,0\n") == {"t1": 3, "t2": 0}
    with pytest.raises(InputError) as err:
        parse_manifest("batch,ballots\nt1,3\nt1,2\nx:y,1\nt3,-1\n")
    assert [i.line for i in err.value.issues] == [3, 4, 5]
    assert in_manifest({"t1": 3}, "t1:3") and not in_manifest({"t1": 3}, "t1:4")
    opts = {"c1": OPTIONS}
    text = "ballot_id,contest,option\nt1:1,c1,w-a\nt1:2,c1,\nt1:3,c1,w-b\nt1:3,c1,l\n"
    marks, _ = parse_marks(text, opts, accept=lambda b, c: None)
    assert marks == {
        ("t1:1", "c1"): (1, 0, 0),
        ("t1:2", "c1"): (0, 0, 0),
        ("t1:3", "c1"): (0, 1, 1),
    }
    other = "ballot_id,contest,option\nt1:1,c8,x\nt1:1,c1,l\n"
    assert parse_marks(other, opts, accept=lambda b, c: None, skip={"c8"})[0] == {
        ("t1:1", "c1"): (0, 0, 1)
    }
    bad = "ballot_id,contest,option\nt1:1,c9,w-a\nt1:1,c1,zz\nt1:1,c1,l\nt1:1,c1,l\nt1:1,c1,\n"
    with pytest.raises(InputError) as err:
        parse_marks(bad, opts, accept=lambda b, c: None)
    assert [i.line for i in err.value.issues] == [2, 3, 5, 6]


def test_draw_is_the_consistent_sample_of_the_manifest() -> None:
    state = make_state("ballot-polling", "bravo")
    first = wf.draw(state, {wf.POOLED: 40})
    state.rounds.append(first)
    state.rounds.append(wf.draw(state, {wf.POOLED: 10}))
    expected = [f"{b}:{p}" for b, p in sample_ballots(state.manifest, SEED, 50, replacement=True)]
    assert ba.draws(state) == expected
    assert all(c == ["c1"] for c in (ba.ballot_contests(state, b) for b in expected))
    nr = make_state("ballot-polling", "alpha", replacement=False)
    nr.rounds.append(wf.draw(nr, {wf.POOLED: 300}))
    assert len(set(ba.draws(nr))) == 300


def test_readings_file_is_checked_against_the_sample() -> None:
    state = make_state("ballot-polling", "bravo")
    state.rounds.append(wf.draw(state, {wf.POOLED: 5}))
    b = ba.draws(state)[0]
    rows = parse_ballot_readings(f"ballot_id,contest,option\n{b},c1,l\n", state)
    assert rows[0].unit == b and rows[0].votes == (0, 0, 1)
    with pytest.raises(InputError, match="not in the sample"):
        parse_ballot_readings("ballot_id,contest,option\nt000:999,c1,l\n", state)


@pytest.mark.parametrize(
    ("method", "test", "replacement"),
    [
        ("ballot-polling", "bravo", True),
        ("ballot-polling", "alpha", False),
        ("ballot-comparison", "kaplan-markov", True),
        ("ballot-comparison", "alpha", False),
    ],
)
def test_round_with_correct_results_confirms(method: str, test: str, replacement: bool) -> None:
    state = make_state(method, test, replacement=replacement)
    est = wf.estimates(state)[0]
    assert 0 < est.expected_ballots < 6000 and 0 < est.expected_tables <= 30
    sizes = wf.next_round_sizes(state, wf.status(state))
    assert sizes[wf.POOLED] == min(6000, int(np.ceil(est.expected_ballots)))
    state.rounds.append(wf.draw(state, sizes))
    pending = wf.status(state)
    assert pending.pending > 0 and "in progress" in pending.conclusion
    read_all(state)
    st = wf.status(state)
    c = st.contests[0]
    assert c.unit == "ballots" and c.audited == c.drawn == sizes[wf.POOLED]
    assert not c.discrepancies
    if method == "ballot-comparison":  # no error: the deterministic size is exactly enough
        assert c.confirmed and st.conclusion.startswith("confirmed")
    assert c.confirmed == (c.risk <= 0.05)
    if not c.confirmed:
        assert wf.next_round_sizes(state, st)[wf.POOLED] == c.next_size > 0


def test_comparison_discrepancies_phantoms_and_escalation() -> None:
    state = make_state("ballot-comparison", "kaplan-markov")
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    drawn = ba.draws(state)
    winner_ballots = [b for b in drawn if sum(truth(state.reported["c1"], b)[:2])]
    del state.cvrs[drawn[0]]  # a phantom: no CVR for a ballot of the manifest
    read_all(state, wrong=set(winner_ballots[:3]))
    c = wf.status(state).contests[0]
    units = {d.unit for d in c.discrepancies}
    assert set(winner_ballots[:3]) <= units and drawn[0] in units
    assert not c.confirmed and c.next_size > 0
    state.rounds.append(wf.draw(state, wf.next_round_sizes(state, wf.status(state))))
    read_all(state)
    assert wf.status(state).contests[0].drawn == len(drawn) + c.next_size


def test_losing_sample_requires_full_hand_count() -> None:
    state = make_state("ballot-polling", "bravo", margin=0.02)
    state.rounds.append(wf.draw(state, {wf.POOLED: 200}))
    read_all(state, wrong=set(ba.draws(state)))
    st = wf.status(state)
    assert st.contests[0].full_hand_count and st.conclusion == "full hand count required"
    assert wf.next_round_sizes(state, st) == {}


def test_inputs_are_checked() -> None:
    state = make_state("ballot-comparison", "alpha")
    assert ba.check_inputs(state) == []
    state.manifest = {"t000": 10}
    problems = ba.check_inputs(state)
    assert any("manifest has 10 ballots" in p for p in problems)
    assert any("not in the manifest" in p for p in problems)
    flipped = make_state("ballot-comparison", "alpha")
    flipped.cvrs = {b: {"c1": (0, 0, 1)} for b in flipped.cvrs}
    assert any("winners differ" in p for p in ba.check_inputs(flipped))


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["kaplan-markov", "alpha"]),
    st.lists(st.integers(0, 59), min_size=1, max_size=8, unique=True),
)
def test_discrepancy_against_winner_never_lowers_risk(test: str, bad: list[int]) -> None:
    state = make_state("ballot-comparison", test)
    state.rounds.append(wf.draw(state, {wf.POOLED: 60}))
    read_all(state)
    drawn = ba.draws(state)
    risk = wf.status(state).contests[0].risk
    for i in bad:
        state.counts[(drawn[i], "c1")] = (0, 0, 1)
        st_ = wf.status(state)
        new = st_.contests[0].risk
        assert new >= risk - 1e-12
        assert not st_.contests[0].confirmed or new <= 0.05
        risk = new


@pytest.mark.parametrize(
    ("method", "test", "replacement"),
    [
        ("ballot-polling", "bravo", True),
        ("ballot-polling", "alpha", False),
        ("ballot-comparison", "kaplan-markov", True),
        ("ballot-comparison", "alpha", False),
    ],
)
def test_workflow_risk_equals_the_risk_functions(method: str, test: str, replacement: bool) -> None:
    state = make_state(method, test, replacement=replacement)
    state.rounds.append(wf.draw(state, {wf.POOLED: 150}))
    drawn = ba.draws(state)
    read_all(state, wrong=set(drawn[::15]))
    rc = state.reported["c1"]
    asr = ba.assertions(state, "c1")
    mvr = ba.candidate_marks(rc, np.array([state.counts[(b, "c1")] for b in drawn]))
    if method == "ballot-polling":
        pop = None if replacement else 6000
        ref = polling_risk(
            asr, mvr, 0.05, method="bravo" if test == "bravo" else "alpha", population=pop
        ).risk
    else:
        cvr = ba.candidate_marks(rc, np.array([state.cvrs[b]["c1"] for b in drawn]))
        ref = comparison_risk(
            asr,
            cvr,
            mvr,
            0.05,
            method="kaplan_markov" if test == "kaplan-markov" else "alpha",
            replacement=replacement,
        ).risk
    assert wf.status(state).contests[0].risk == pytest.approx(ref, rel=1e-9)


def test_without_replacement_stops_when_every_ballot_is_drawn() -> None:
    state = make_state("ballot-polling", "alpha", replacement=False)
    state.manifest = {"t000": 200, "t001": 200}
    state.rounds.append(wf.draw(state, {wf.POOLED: 500}))
    assert sorted(ba.draws(state)) == sorted(f"t00{i}:{p}" for i in (0, 1) for p in range(1, 201))
    assert wf.draw(state, {wf.POOLED: 10}) == {}
