"""The observer's recomputation: every audit conclusion's measured risk follows from the
published hand counts and actas, and a tampered hand count or risk is caught by name."""

from __future__ import annotations

import pytest
from ledger_pubkit import Pub

from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.state import AuditState, HandCount
from escrutinio.publish.site import publish
from escrutinio.store.audit_records import AuditRecords
from escrutinio.verify.verifier import verify_publication

SEED = "09876543210987654321"
TABLE_COMPARISONS = ["table-comparison", "table-comparison-wor"]


def honest_counts(state: AuditState, shift: dict[str, int] | None = None) -> list[HandCount]:
    """Hand counts equal to the actas of every drawn table without one; ``shift`` moves that
    many votes of a table from its first option to its third (an error found by the board)."""
    out = []
    for unit, cid in state.missing():
        rc = state.reported[cid]
        votes = [int(v) for v in rc.counts[rc.position[unit]]]
        moved = (shift or {}).get(unit, 0)
        if moved and len(votes) > 2:
            votes[0] -= moved
            votes[2] += moved
        out.append(HandCount(unit, cid, tuple(votes)))
    return out


def audit_round(
    pub: Pub,
    state: AuditState,
    sizes: dict[str, int],
    shift: dict[str, int] | None = None,
) -> None:
    """Draw, record hand counts, record the conclusion."""
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, sizes))
    sa.record_counts(AuditRecords(pub.store), state, honest_counts(state, shift), "board")
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))


def audit_check(pub: Pub) -> tuple[bool, str]:
    publish(pub.store, pub.out, pub.signer)
    report = verify_publication(pub.out, pub.log_key)
    check = next(c for c in report.checks if c.name == "audits")
    return check.ok, check.detail


def create(pub: Pub, method: str = "table-comparison", percent: float | None = None) -> AuditState:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "rla", method, 0.2, SEED, ["gov-A", "gov-B"], percent
    )
    return state


@pytest.mark.parametrize("method", TABLE_COMPARISONS)
def test_risks_of_a_table_comparison_audit_with_a_discrepancy_are_recomputed(
    pub: Pub, method: str
) -> None:
    state = create(pub, method)
    audit_round(pub, state, {"gov-A": 2, "gov-B": 1}, shift={"u1": 3, "u2": 3, "u3": 3})
    assert any(c.discrepancies for c in wf.status(state).contests)
    ok, detail = audit_check(pub)
    assert ok, detail
    assert "2 contest risk(s) in 1 conclusion(s) recomputed" in detail


@pytest.mark.parametrize("method", TABLE_COMPARISONS)
def test_every_round_of_a_two_round_audit_is_recomputed(pub: Pub, method: str) -> None:
    state = create(pub, method)
    audit_round(pub, state, {"gov-A": 1, "gov-B": 1}, shift={"u1": 20, "u2": 20, "u3": 20})
    audit_round(pub, state, {"gov-A": 2})
    ok, detail = audit_check(pub)
    assert ok, detail
    assert "4 contest risk(s) in 2 conclusion(s) recomputed" in detail


@pytest.mark.parametrize("method", TABLE_COMPARISONS)
def test_a_tampered_hand_count_is_caught_naming_audit_round_and_contest(
    pub: Pub, method: str
) -> None:
    state = create(pub, method)
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"gov-A": 2, "gov-B": 1}))
    honest = honest_counts(state)
    # the log receives a hand count the auditors did not use for their conclusion
    AuditRecords(pub.store).record_counts("rla", honest_counts(state, {"u1": 40, "u2": 40}), "x")
    for hc in honest:
        state.counts[(hc.unit, hc.contest)] = hc.votes
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))
    ok, detail = audit_check(pub)
    assert not ok
    assert "audit 'rla' round 1, gov-A: the published risk is" in detail


@pytest.mark.parametrize("method", TABLE_COMPARISONS)
def test_a_tampered_risk_is_caught(pub: Pub, method: str) -> None:
    state = create(pub, method)
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"gov-A": 2, "gov-B": 1}))
    sa.record_counts(AuditRecords(pub.store), state, honest_counts(state), "board")
    st = wf.status(state)
    gov_b = next(c for c in st.contests if c.contest == "gov-B")
    gov_b.risk = gov_b.risk / 3
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    ok, detail = audit_check(pub)
    assert not ok
    assert "audit 'rla' round 1, gov-B: the published risk is" in detail


def test_a_full_hand_count_round_of_the_default_is_recomputed(pub: Pub) -> None:
    state = create(pub)
    audit_round(pub, state, {"gov-A": 1, "gov-B": 1}, shift={"u1": 20, "u2": 20, "u3": 20})
    audit_round(pub, state, {"gov-A": 4, "gov-B": 2})  # every table left, in id order
    assert state.rounds[1]["gov-B"] == sorted({"u5", "u6"} - set(state.rounds[0]["gov-B"]))
    st = wf.status(state)
    assert all(c.risk in (0.0, 1.0) for c in st.contests)
    ok, detail = audit_check(pub)
    assert ok, detail
    assert "4 contest risk(s) in 2 conclusion(s) recomputed" in detail


def test_an_audit_kept_before_the_default_drew_with_replacement_verifies_as_it_was(
    pub: Pub,
) -> None:
    """A ``table-comparison`` audit whose create leaf has no ``draws`` drew without
    replacement: it still loads, draws, reports and verifies that way."""
    records = AuditRecords(pub.store)
    new = create(pub)  # to take the snapshot and spec the workflow writes today
    spec = {"contests": ["gov-A", "gov-B"], "percent": None}
    assert records.stored_parameters("rla") is not None
    reported = {c: r.to_dict() for c, r in new.reported.items()}
    records.insert_audit("old", "table-comparison", 0.2, SEED, spec, reported)
    old = sa.load_audit(records, "old")
    assert old.method == "table-comparison" and old.draws == "ppeb-without-replacement"
    wor = AuditState("w", "table-comparison-wor", 0.2, SEED, old.contests, old.reported)
    sizes = {"gov-A": 3, "gov-B": 1}
    assert wf.draw(old, sizes) == wf.draw(wor, sizes)
    audit_round(pub, old, sizes, shift={"u1": 3})
    ok, detail = audit_check(pub)
    assert ok, detail
    assert "2 contest risk(s) in 1 conclusion(s) recomputed" in detail


@pytest.mark.parametrize("tamper", [False, True])
def test_fixed_percentage_risks_are_recomputed(pub: Pub, tamper: bool) -> None:
    state = create(pub, "fixed-percentage", 50.0)
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, wf.first_round_sizes(state)))
    sa.record_counts(AuditRecords(pub.store), state, honest_counts(state, {"u2": 2}), "board")
    st = wf.status(state)
    if tamper:
        st.contests[0].risk = 0.0001
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    ok, detail = audit_check(pub)
    assert ok is not tamper, detail
    if tamper:
        assert f"audit 'rla' round 1, {st.contests[0].contest}: the published risk" in detail
    else:
        assert "2 contest risk(s) in 1 conclusion(s) recomputed" in detail


@pytest.mark.parametrize("tamper", [False, True])
def test_macro_joint_risks_are_recomputed(pub: Pub, tamper: bool) -> None:
    state = create(pub, "macro")
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, {"*": 6}))
    sa.record_counts(AuditRecords(pub.store), state, honest_counts(state, {"u1": 2}), "board")
    st = wf.status(state)
    assert 0 < st.contests[0].risk < 1
    if tamper:
        st.contests[1].risk = st.contests[1].risk / 2
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    ok, detail = audit_check(pub)
    assert ok is not tamper, detail
    if tamper:
        assert "audit 'rla' round 1, gov-B: the published risk" in detail
    else:
        assert "2 contest risk(s) in 1 conclusion(s) recomputed" in detail


@pytest.mark.parametrize("tamper", [False, True])
def test_full_hand_count_risks_are_recomputed(pub: Pub, tamper: bool) -> None:
    state = create(pub, "full-hand-count")
    sa.add_round(AuditRecords(pub.store), state, wf.draw(state, wf.first_round_sizes(state)))
    counts = honest_counts(state, {"u1": 5})
    sa.record_counts(AuditRecords(pub.store), state, counts[:2], "board")
    st = wf.status(state)
    assert [c.risk for c in st.contests] == [1.0, 1.0]
    if tamper:
        st.contests[0].risk = 0.0  # a hand count declared complete with tables missing
    sa.record_conclusion(AuditRecords(pub.store), state, st)
    sa.record_counts(AuditRecords(pub.store), state, counts[2:], "board")
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))
    ok, detail = audit_check(pub)
    assert ok is not tamper, detail
    if tamper:
        assert "audit 'rla' round 1, gov-A: the published risk is 0" in detail
    else:
        assert "4 contest risk(s) in 2 conclusion(s) recomputed" in detail
        assert "not recomputed" not in detail
