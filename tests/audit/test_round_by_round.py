"""The ``minerva`` and ``providence`` audit methods: create, estimates, draw, record,
status and escalation on a ballot manifest, without a database."""

from __future__ import annotations

import numpy as np
import pytest

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.round_polling import minerva_pvalues, providence_pvalues
from escrutinio.audit.workflow import ballots as ba
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.method import AuditParameters
from escrutinio.audit.workflow.registry import method_named
from escrutinio.audit.workflow.reported import ReportedContest

SEED = "31415926535897932384"
METHODS = ("minerva", "providence")


def reported(tables: int = 40, win: int = 120, lose: int = 76) -> ReportedContest:
    """Tables of 200 ballots: W (options w-a, w-b) against L and 200 − win − lose blanks."""
    counts = np.tile([win - 10, 10, lose], (tables, 1)).astype(np.int64)
    return ReportedContest(
        contest="c1",
        seats=1,
        option_ids=("w-a", "w-b", "l"),
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"t{i:03d}" for i in range(tables)),
        counts=counts,
        ballots=np.full(tables, 200, dtype=np.int64),
    )


def make_state(method: str, **kw: int) -> wf.AuditState:
    rc = reported(**kw)
    state = wf.AuditState("r", method, 0.1, SEED, ("c1",), {"c1": rc})
    state.manifest = {u: 200 for u in rc.units}
    state.test, state.replacement = method, True
    return state


def truth(rc: ReportedContest, ballot: str) -> tuple[int, ...]:
    """The paper ballot at ``batch:position``: the acta's votes in option order, then blanks."""
    batch, _, pos = ballot.rpartition(":")
    edges = np.cumsum(rc.counts[rc.position[batch]])
    k = int(np.searchsorted(edges, int(pos), side="left"))
    return tuple(int(i == k) for i in range(3))


def read_all(state: wf.AuditState, wrong: set[str] | None = None) -> None:
    rc = state.reported["c1"]
    for b, c in state.missing():
        state.counts[(b, c)] = (0, 0, 1) if b in (wrong or set()) else truth(rc, b)


@pytest.mark.parametrize("method", METHODS)
def test_parameters_are_checked(method: str) -> None:
    params = AuditParameters(method, 0.1, SEED, ("c1",), manifest={"t1": 5})
    assert method_named(method).check(params).test == method
    with pytest.raises(AuditParameterError, match="with replacement"):
        method_named(method).check(
            AuditParameters(method, 0.1, SEED, ("c1",), manifest={"t1": 5}, replacement=False)
        )
    with pytest.raises(AuditParameterError, match="manifest"):
        method_named(method).check(AuditParameters(method, 0.1, SEED, ("c1",)))


@pytest.mark.parametrize("method", METHODS)
def test_estimates_offer_70_80_90_percent_sizes(method: str) -> None:
    state = make_state(method)
    est = wf.estimates(state)[0]
    assert "70%" in est.note and "80%" in est.note and "90%" in est.note
    sizes = [int(part.split(": ")[1].replace(",", "")) for part in est.note.split(", ")]
    assert sizes == sorted(sizes) and sizes[-1] == est.expected_ballots
    assert wf.first_round_sizes(state) == {wf.POOLED: sizes[-1]}


@pytest.mark.parametrize("method", METHODS)
def test_rounds_confirm_or_escalate_from_the_round_counts(method: str) -> None:
    state = make_state(method)
    first = wf.first_round_sizes(state)
    state.rounds.append(wf.draw(state, first))
    assert wf.status(state).pending == first[wf.POOLED]
    read_all(state)
    st = wf.status(state)
    c = st.contests[0]
    sample = ba.draws(state)
    rc = state.reported["c1"]
    marks = np.array([truth(rc, b) for b in sample])
    k = int((marks[:, :2].sum(axis=1) > 0).sum())
    n = k + int(marks[:, 2].sum())
    p1 = 120 / 196
    measure = minerva_pvalues(p1, 0.1, [(n, k)]) if method == "minerva" else None
    expected = measure or providence_pvalues(p1, [(n, k)])
    assert c.risk == pytest.approx(min(1.0, expected[0]))
    assert c.confirmed == (c.risk < 0.1)
    if not c.confirmed:
        nxt = wf.next_round_sizes(state, st)
        assert nxt[wf.POOLED] == c.next_size > 0
        state.rounds.append(wf.draw(state, nxt))
        read_all(state)
        assert wf.status(state).contests[0].audited == len(sample) + c.next_size


@pytest.mark.parametrize("method", METHODS)
def test_a_partly_read_round_is_not_measured(method: str) -> None:
    state = make_state(method)
    state.rounds.append(wf.draw(state, {wf.POOLED: 150}))
    read_all(state)
    before = wf.status(state).contests[0].risk
    state.rounds.append(wf.draw(state, {wf.POOLED: 50}))
    for b in ba.draws(state)[150:190]:
        state.counts[(b, "c1")] = truth(state.reported["c1"], b)
    c = wf.status(state).contests[0]
    assert c.risk == before and c.audited == 190 and c.next_size == 0


@pytest.mark.parametrize("method", METHODS)
def test_sample_against_the_winner_escalates_to_a_full_count(method: str) -> None:
    state = make_state(method, win=100, lose=96)
    state.rounds.append(wf.draw(state, {wf.POOLED: 300}))
    read_all(state, wrong=set(ba.draws(state)))
    st = wf.status(state)
    c = st.contests[0]
    assert not c.confirmed and c.risk == pytest.approx(1.0)
    assert c.full_hand_count or c.next_size > 0
