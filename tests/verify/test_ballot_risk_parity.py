"""The verifier's ballot-level risks equal the auditors' for any readings: for every ballot
method and test, random rounds, random misreadings and unread ballots, the risk the
verifier recomputes from the published inputs (its own code over ``audit.stats``) is the
risk the workflow reports."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.macro import make_batch_contest
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState
from escrutinio.verify.audit_ballot_risks import BallotAudit, ballot_risk
from escrutinio.verify.audit_ballots import BallotInputs
from escrutinio.verify.audit_reported import Reported

SEED = "31415926535897932384"
TABLES = 12
# (method, test, replacement, threshold, CVR tables)
METHODS = [
    ("ballot-polling", "bravo", True, None, TABLES),
    ("ballot-polling", "alpha", False, None, TABLES),
    ("ballot-polling", "alpha", True, 0.5, TABLES),
    ("ballot-comparison", "alpha", True, None, TABLES),
    ("ballot-comparison", "kaplan-markov", True, None, TABLES - 2),
    ("ballot-comparison", "alpha", False, 0.5, TABLES),
    ("minerva", "minerva", True, None, 0),
    ("providence", "providence", True, None, 0),
    ("hybrid", "suite", True, None, 4),
]


def contest(margin: float) -> ReportedContest:
    """Tables of 200 ballots: W (two options) against L, 4 blank ballots per table."""
    win = int(196 * (0.5 + margin / 2))
    return ReportedContest(
        contest="c1",
        seats=1,
        option_ids=("w-a", "w-b", "l"),
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"t{i:03d}" for i in range(TABLES)),
        counts=np.tile([win - 10, 10, 196 - win], (TABLES, 1)).astype(np.int64),
        ballots=np.full(TABLES, 200, dtype=np.int64),
    )


def paper(rc: ReportedContest, ballot: str) -> tuple[int, ...]:
    """The ballot at ``batch:position``: the acta's votes stacked option by option."""
    batch, _, pos = ballot.rpartition(":")
    edges = np.cumsum(rc.counts[rc.position[batch]])
    k = int(np.searchsorted(edges, int(pos), side="left"))
    return tuple(int(i == k) for i in range(len(rc.option_ids)))


def verifier_view(state: AuditState) -> BallotAudit:
    """What the verifier reads from the publication of ``state``."""
    rc = state.reported["c1"]
    rep = Reported(
        list(rc.units),
        make_batch_contest("c1", rc.candidate_counts, rc.ballots, rc.seats),
        np.asarray(rc.option_candidate, dtype=np.int64),
    )
    return BallotAudit(
        method=state.method,
        test=state.test,
        replacement=state.replacement,
        threshold=state.threshold,
        risk_limit=state.risk_limit,
        inputs=BallotInputs(dict(state.manifest), state.table_batches, dict(state.cvrs)),
        contests=["c1"],
        reported={"c1": rep},
        rounds=[list(r.get("*", [])) for r in state.rounds],
        counts=dict(state.counts),
    )


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(METHODS),
    st.lists(st.integers(1, 60), min_size=1, max_size=3),
    st.floats(0.0, 0.3),
    st.integers(0, 5),
    st.booleans(),
    st.sampled_from([0.06, 0.2]),
)
def test_verifier_risk_equals_the_workflows(
    method: tuple[str, str, bool, float | None, int],
    sizes: list[int],
    wrong_rate: float,
    unread: int,
    off_tables: bool,
    margin: float,
) -> None:
    name, test, replacement, threshold, cvr_tables = method
    rc = contest(margin)
    state = AuditState("a", name, 0.1, SEED, ("c1",), {"c1": rc})
    state.manifest = {u: 200 for u in rc.units}
    state.table_batches = frozenset(rc.units)
    if off_tables and name != "hybrid":  # a box of ballots that is no polling table
        state.manifest["box"] = 50
    state.test, state.replacement, state.threshold = test, replacement, threshold
    state.cvrs = {
        f"{u}:{p}": {"c1": paper(rc, f"{u}:{p}")}
        for u in rc.units[:cvr_tables]
        for p in range(1, 201)
    }
    rng = np.random.default_rng(len(sizes) * 1000 + unread)
    for n in sizes:
        state.rounds.append(wf.draw(state, {"*": n}))
        for b, c in state.missing():
            if b.startswith("box:"):
                state.counts[(b, c)] = (0, 0, 0)
            elif rng.random() < wrong_rate:
                state.counts[(b, c)] = (0, 0, 1)
            else:
                state.counts[(b, c)] = paper(rc, b)
    for b, c in state.required()[-unread:] if unread else []:
        state.counts.pop((b, c), None)
    want = wf.status(state).contests[0].risk
    got = ballot_risk(verifier_view(state), "c1")
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (got, want)
