"""The observer's recomputation of ballot-level and supermajority audits: for every method
the workflow offers (ballot polling with BRAVO or ALPHA, ballot comparison with ALPHA or
Kaplan–Markov, Minerva, Providence, hybrid/SUITE, supermajority assertions on ballots and
on tables) an audited publication verifies from its published files alone, and a tampered
hand count, risk or draw fails naming the audit, round and contest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from ledger_pubkit import Pub

from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import reported_contests
from escrutinio.audit.workflow.state import AuditState, HandCount
from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.publish.site import publish
from escrutinio.store.audit_records import AuditRecords
from escrutinio.verify.audit_ballots import published_inputs
from escrutinio.verify.record import RecordProblem
from escrutinio.verify.verifier import verify_publication

SEED = "09876543210987654321"
MANIFEST = {"u1": 303, "u2": 355, "u3": 251, "u4": 156, "u5": 400, "u6": 80}


@dataclass(frozen=True)
class Case:
    """One audit configuration: method, test, contests and what it needs."""

    method: str
    test: str | None = None
    contests: tuple[str, ...] = ("gov-A", "gov-B")
    replacement: bool = True
    threshold: float | None = None
    cvr_batches: tuple[str, ...] = ()
    sizes: tuple[int, ...] = (15, 15)

    @property
    def label(self) -> str:
        return "-".join(
            str(x)
            for x in (self.method, self.test, "norepl" if not self.replacement else "")
            + (("threshold",) if self.threshold else ())
            if x
        )


ALL = tuple(MANIFEST)
CASES = [
    Case("ballot-polling", "bravo"),
    Case("ballot-polling", "alpha", replacement=False),
    Case("ballot-polling", "alpha", ("gov-A",), False, threshold=0.5, sizes=(100, 100)),
    Case("ballot-comparison", "alpha", cvr_batches=ALL),
    Case("ballot-comparison", "kaplan-markov", cvr_batches=ALL),
    Case("ballot-comparison", "alpha", replacement=False, cvr_batches=ALL),
    Case("ballot-comparison", "alpha", ("gov-B",), threshold=0.52, cvr_batches=ALL, sizes=(40, 40)),
    Case("minerva", contests=("gov-A",), sizes=(40, 40)),
    Case("providence", contests=("gov-A",), sizes=(40, 40)),
    Case("hybrid", cvr_batches=("u1", "u2", "u5")),
]


def truth(state: AuditState, ballot: str, cid: str) -> tuple[int, ...]:
    """The paper ballot at ``batch:position``: the acta's votes stacked option by option
    (positions past the votes are blank; a batch outside the contest carries nothing)."""
    rc = state.reported[cid]
    batch, _, pos = ballot.rpartition(":")
    if batch not in rc.position:
        return (0,) * len(rc.option_ids)
    edges = np.cumsum(rc.counts[rc.position[batch]])
    k = int(np.searchsorted(edges, int(pos), side="left"))
    return tuple(int(i == k) for i in range(len(rc.option_ids)))


def cvrs(state: AuditState, batches: tuple[str, ...]) -> dict[str, dict[str, tuple[int, ...]]]:
    """CVRs equal to the paper of every ballot of ``batches`` in the contests it carries."""
    out: dict[str, dict[str, tuple[int, ...]]] = {}
    for b in batches:
        for p in range(1, MANIFEST[b] + 1):
            ballot = f"{b}:{p}"
            per = {
                c: truth(state, ballot, c)
                for c in state.contests
                if b in state.reported[c].position
            }
            if per:
                out[ballot] = per
    return out


def to_loser(votes: tuple[int, ...], cid: str) -> tuple[int, ...]:
    """A reading moved to the reported loser (gov-A: a1-psuv; gov-B: b2)."""
    out = [0] * len(votes)
    out[0 if cid == "gov-A" else 1] = 1
    return tuple(out)


def readings(state: AuditState, wrong: int = 0) -> list[HandCount]:
    """The reading of every drawn ballot not yet read; the first ``wrong`` read as votes
    for the loser."""
    out = []
    for k, (ballot, cid) in enumerate(state.missing()):
        votes = truth(state, ballot, cid)
        out.append(HandCount(ballot, cid, to_loser(votes, cid) if k < wrong else votes))
    return out


def create(pub: Pub, case: Case) -> AuditState:
    records = AuditRecords(pub.store)
    definition = records.definition()
    arrays = records.counting_arrays(definition.info.official_source)
    snapshot, _ = reported_contests(definition, arrays, case.contests)
    probe = AuditState("p", case.method, 0.1, SEED, case.contests, snapshot)
    state, _ = sa.create_audit(
        AuditRecords(pub.store),
        "rla",
        case.method,
        0.1,
        SEED,
        list(case.contests),
        manifest=MANIFEST,
        cvrs=cvrs(probe, case.cvr_batches) if case.cvr_batches else None,
        test=case.test,
        replacement=case.replacement,
        threshold=case.threshold,
    )
    return state


def audit_round(pub: Pub, state: AuditState, size: int, wrong: int = 0) -> None:
    """Draw, read, conclude."""
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"*": size}))
    sa.record_counts(AuditRecords(pub.store), state, readings(state, wrong), "board")
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))


def audit_check(pub: Pub) -> tuple[bool, str]:
    publish(pub.store, pub.out, pub.signer)
    report = verify_publication(pub.out, pub.log_key)
    check = next(c for c in report.checks if c.name == "audits")
    return check.ok, check.detail


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_every_round_of_a_ballot_audit_is_recomputed(pub: Pub, case: Case) -> None:
    state = create(pub, case)
    audit_round(pub, state, case.sizes[0], wrong=2)
    audit_round(pub, state, case.sizes[1])
    risks = [c.risk for c in wf.status(state).contests]
    assert all(0 <= r <= 1 for r in risks)
    ok, detail = audit_check(pub)
    assert ok, detail
    n = len(case.contests)
    assert f"{2 * n} contest risk(s) in 2 conclusion(s) recomputed" in detail, detail
    assert "not recomputed" not in detail and "not re-derived" not in detail, detail


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_a_tampered_risk_is_caught_naming_audit_round_and_contest(pub: Pub, case: Case) -> None:
    state = create(pub, case)
    audit_round(pub, state, case.sizes[0])
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"*": case.sizes[1]}))
    sa.record_counts(AuditRecords(pub.store), state, readings(state), "board")
    st = wf.status(state)
    last = st.contests[-1]
    last.risk = last.risk / 2 if last.risk > 1e-6 else 0.5
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    ok, detail = audit_check(pub)
    assert not ok
    assert f"audit 'rla' round 2, {last.contest}: the published risk is" in detail, detail


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_a_tampered_reading_is_caught(pub: Pub, case: Case) -> None:
    state = create(pub, case)
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"*": case.sizes[0]}))
    honest = readings(state)
    # the log receives readings the auditors did not use for their conclusion: every drawn
    # ballot of the first contest read for its loser
    cid = case.contests[0]
    forged = [HandCount(h.unit, h.contest, to_loser(h.votes, cid)) for h in honest]
    AuditRecords(pub.store).record_counts("rla", forged, "x")
    for hc in honest:
        state.counts[(hc.unit, hc.contest)] = hc.votes
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))
    ok, detail = audit_check(pub)
    assert not ok
    assert f"audit 'rla' round 1, {cid}: the published risk is" in detail, detail


def test_a_hybrid_draw_outside_its_stratum_sample_is_caught(pub: Pub) -> None:
    case = CASES[-1]
    state = create(pub, case)
    audit_round(pub, state, 10)
    ok, detail = audit_check(pub)
    assert ok and "10 ballot draws from their published manifests" in detail, detail
    nxt = wf.draw(state, {"*": 10})["*"]
    swapped = [*nxt[:3], "u3:7" if nxt[3] != "u3:7" else "u3:8", *nxt[4:]]
    sa.add_round(AuditRecords(pub.store), state, {"*": swapped})
    ok, detail = audit_check(pub)
    assert not ok and "audit 'rla' round 2, *: draw 14 is" in detail, detail


def test_hybrid_strata_out_of_order_are_caught(pub: Pub) -> None:
    state = create(pub, CASES[-1])
    drawn = wf.draw(state, {"*": 10})["*"]
    sa.add_round(AuditRecords(pub.store), state, {"*": drawn[::-1]})
    ok, detail = audit_check(pub)
    assert not ok and "audit 'rla' round 1, *: draw 1 is" in detail, detail


@pytest.mark.parametrize("tamper", [None, "risk", "count"])
def test_supermajority_table_risks_are_recomputed(pub: Pub, tamper: str | None) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "s", "table-comparison", 0.2, SEED, ["gov-A"], threshold=0.52
    )
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"gov-A": 2}))
    rc = state.reported["gov-A"]
    honest = [
        HandCount(u, c, tuple(int(v) for v in rc.counts[rc.position[u]]))
        for u, c in state.missing()
    ]
    if tamper == "count":
        shifted = [
            HandCount(h.unit, h.contest, (*h.votes[:2], h.votes[2] - 30, h.votes[3] + 30))
            for h in honest
        ]
        AuditRecords(pub.store).record_counts("s", shifted, "x")
        for hc in honest:
            state.counts[(hc.unit, hc.contest)] = hc.votes
    else:
        sa.record_counts(AuditRecords(pub.store), state, honest, "board")
    st = wf.status(state)
    assert 0 < st.contests[0].risk < 1
    if tamper == "risk":
        st.contests[0].risk /= 2
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    ok, detail = audit_check(pub)
    if tamper is None:
        assert ok and "1 contest risk(s) in 1 conclusion(s) recomputed" in detail, detail
    else:
        assert not ok and "audit 's' round 1, gov-A: the published risk is" in detail, detail


def test_published_cvrs_are_checked_against_their_hash() -> None:
    manifest = canonical_json_fast([["u1", 2, 1]])
    marks = canonical_json_fast({"u1:1": {"gov-A": [1, 0, 0, 0]}})
    files = {
        f"audits/ballots/{sha256_hex(manifest)}.json": manifest,
        f"audits/ballots/{sha256_hex(marks)}.json": marks,
    }
    leaf = {"manifest_sha256": sha256_hex(manifest), "cvrs_sha256": sha256_hex(marks)}
    inputs = published_inputs("h", leaf, files.__getitem__)
    assert inputs.manifest == {"u1": 2} and inputs.table_batches == {"u1"}
    assert inputs.cvrs == {"u1:1": {"gov-A": (1, 0, 0, 0)}}
    files[f"audits/ballots/{sha256_hex(marks)}.json"] = marks.replace(b"[1,0", b"[0,1")
    with pytest.raises(RecordProblem, match="is not those CVRs"):
        published_inputs("h", leaf, files.__getitem__)
