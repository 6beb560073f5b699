"""The verifier's table-comparison risks equal the auditors' for any hand counts: with and
without replacement, random rounds (a full hand count among them), random discrepancies,
tables not found and unread tables, the risk the verifier recomputes (its own code over
``audit.stats``) is the risk the workflow reports."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.macro import make_batch_contest
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState
from escrutinio.audit.workflow.tables import unretrievable_count
from escrutinio.verify.audit_reported import Reported
from escrutinio.verify.audit_risks import table_comparison_risk, table_comparison_wr_risk

SEED = "31415926535897932384"
TABLES = 40


def contest(margin: float, seed: int) -> ReportedContest:
    """Tables of 150–250 ballots: W (two options) against L and a third candidate."""
    rng = np.random.default_rng(seed)
    ballots = rng.integers(150, 250, TABLES)
    win = (ballots * (0.45 + margin / 2)).astype(np.int64)
    lose = (ballots * (0.45 - margin / 2)).astype(np.int64)
    third = ballots - win - lose - 3
    return ReportedContest(
        contest="c1",
        seats=1,
        option_ids=("w-a", "w-b", "l", "o"),
        candidate_ids=("W", "L", "O"),
        option_candidate=(0, 0, 1, 2),
        units=tuple(f"t{i:03d}" for i in range(TABLES)),
        counts=np.stack([win - 10, np.full(TABLES, 10), lose, third], axis=1).astype(np.int64),
        ballots=ballots.astype(np.int64),
    )


def verifier_risk(state: AuditState) -> float:
    """The risk the verifier recomputes from what ``state`` publishes."""
    rc = state.reported["c1"]
    order = sorted(rc.units)
    rows = [rc.position[u] for u in order]
    rep = Reported(
        order,
        make_batch_contest("c1", rc.candidate_counts[rows], rc.ballots[rows], rc.seats),
        np.asarray(rc.option_candidate, dtype=np.int64),
    )
    hand = {u: rep.by_candidate([v])[0] for (u, c), v in state.counts.items() if c == "c1"}
    if state.method == "table-comparison":
        rounds = [list(r.get("c1", [])) for r in state.rounds]
        return table_comparison_wr_risk(rep, rounds, hand, state.risk_limit)
    return table_comparison_risk(rep, state.drawn("c1"), hand, state.risk_limit)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["table-comparison", "table-comparison-wor"]),
    st.lists(st.integers(1, 45), min_size=1, max_size=3),
    st.floats(0.0, 0.4),
    st.integers(0, 2),
    st.integers(0, 3),
    st.sampled_from([0.08, 0.3]),
    st.integers(0, 100),
)
def test_verifier_risk_equals_the_workflows(
    method: str,
    sizes: list[int],
    wrong_rate: float,
    lost: int,
    unread: int,
    margin: float,
    seed: int,
) -> None:
    rc = contest(margin, seed)
    state = AuditState("a", method, 0.1, SEED, ("c1",), {"c1": rc})
    rng = np.random.default_rng(seed)
    for n in sizes:
        left = TABLES - len(set(state.drawn("c1")))
        if left == 0:
            break
        state.rounds.append(wf.draw(state, {"c1": min(n, left)}))
        for u, c in state.missing():
            votes = [int(v) for v in rc.counts[rc.position[u]]]
            if lost and rng.random() < 0.1:
                lost -= 1
                state.counts[(u, c)] = unretrievable_count(rc, u)
                continue
            if rng.random() < wrong_rate:
                moved = int(rng.integers(1, 12))
                votes[0] -= moved
                votes[2] += moved
            state.counts[(u, c)] = tuple(votes)
    for u, c in state.required()[-unread:] if unread else []:
        state.counts.pop((u, c), None)
    want = wf.status(state).contests[0].risk
    got = verifier_risk(state)
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (got, want)
