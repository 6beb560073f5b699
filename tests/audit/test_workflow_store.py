"""Audit workflow with the store (SQLite and PostgreSQL): steps, log leaves, idempotence,
corrections as new versions, resuming after interruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.files.documents import retrieval_rows
from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.state import HandCount
from escrutinio.model import Definition
from escrutinio.publish.integrity import check_store
from escrutinio.store import audits as store_audits
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.audit_records import AuditRecords
from escrutinio.store.store import Store, StoreError
from support import ACTAS_HEADER, REPORTED_ROWS, ingest_file
from support import AUDIT_SEED as SEED


def audit_leaves(store: Store) -> list[dict[str, object]]:
    return [json.loads(e.body) for e in store_log.log_entries(store) if e.kind == "audit"]


def reported_hand_counts(state: wf.AuditState) -> list[HandCount]:
    out = []
    for unit, cid in state.missing():
        rc = state.reported[cid]
        out.append(HandCount(unit, cid, tuple(int(v) for v in rc.counts[rc.position[unit]])))
    return out


def test_table_comparison_round_trip(store: Store) -> None:
    state, created = sa.create_audit(
        AuditRecords(store), "a1", "table-comparison", 0.1, SEED, ["gov-A", "gov-B"]
    )
    assert created and state.reported["gov-A"].units == ("u1", "u2", "u3", "u4")
    sizes = wf.next_round_sizes(state, wf.status(state))
    assert set(sizes) == {"gov-A", "gov-B"}
    sa.add_round(AuditRecords(store), state, wf.draw(state, sizes))
    rep = sa.record_counts(AuditRecords(store), state, reported_hand_counts(state), "test")
    assert rep.new == len(state.required()) and rep.corrected == 0
    reloaded = sa.load_audit(AuditRecords(store), "a1")
    assert reloaded.rounds == state.rounds and reloaded.counts == state.counts
    st = wf.status(reloaded)
    assert st.pending == 0
    for c in st.contests:
        assert c.confirmed == (c.risk <= 0.1)
        assert not c.discrepancies
    idx, new = sa.record_conclusion(AuditRecords(store), reloaded, st)
    assert new and sa.record_conclusion(AuditRecords(store), reloaded, st) == (idx, False)
    steps = [leaf["step"] for leaf in audit_leaves(store)]
    assert steps == ["create", "draw", "record", "conclusion"]
    assert check_store(store) == []  # the audit's leaves can be published
    assert audit_leaves(store)[0]["log_size"] == 7  # definition + 6 actas


def test_create_is_idempotent_and_guards_parameters(store: Store) -> None:
    sa.create_audit(AuditRecords(store), "a", "table-comparison", 0.05, SEED, ["gov-A"])
    _, created = sa.create_audit(
        AuditRecords(store), "a", "table-comparison", 0.05, SEED, ["gov-A"]
    )
    assert not created
    with pytest.raises(StoreError, match="already exists with other parameters"):
        sa.create_audit(AuditRecords(store), "a", "table-comparison", 0.05, "other seed", ["gov-A"])
    with pytest.raises(AuditParameterError, match="unknown contest"):
        sa.create_audit(AuditRecords(store), "b", "table-comparison", 0.05, SEED, ["gov-Z"])
    with pytest.raises(AuditParameterError, match="percentage between 0 and 100"):
        sa.create_audit(AuditRecords(store), "b", "fixed-percentage", 0.05, SEED, ["gov-A"])
    assert len(audit_leaves(store)) == 1


def test_incomplete_results_are_refused(
    definition: Definition, db_url: str, tmp_path: Path
) -> None:
    s = Store.open(db_url)
    try:
        store_definitions.load_definition(s, definition)
        path = tmp_path / "actas.csv"
        path.write_text(ACTAS_HEADER + "".join(REPORTED_ROWS[:3]), encoding="utf-8")
        ingest_file(s, path)
        with pytest.raises(StoreError, match="gov-A: 1 tables have no counting acta"):
            sa.create_audit(AuditRecords(s), "a", "table-comparison", 0.05, SEED, ["gov-A"])
        # --pending: u4's 200 registered electors count against the winner (margin 30)
        state, _ = sa.create_audit(
            AuditRecords(s), "p", "table-comparison", 0.05, SEED, ["gov-A"], pending=True
        )
        rc = state.reported["gov-A"]
        tolerance = definition.info.registered_tolerance
        assert rc.outside_ballots == 200 + tolerance and not any(rc.outside_votes)
        assert (
            sa.load_audit(AuditRecords(s), "p").reported["gov-A"].outside_ballots == 200 + tolerance
        )
        st = wf.status(state).contests[0]
        assert not st.confirmed and "outside the tables" in st.note
    finally:
        s.close()


def test_corrections_are_new_versions_with_a_reason(store: Store) -> None:
    state, _ = sa.create_audit(AuditRecords(store), "a", "full-hand-count", 0.05, SEED, ["gov-B"])
    sa.add_round(AuditRecords(store), state, wf.draw(state, wf.first_round_sizes(state)))
    first = HandCount("u5", "gov-B", (300, 90))
    assert sa.record_counts(AuditRecords(store), state, [first], "f").new == 1
    assert sa.record_counts(AuditRecords(store), state, [first], "f").unchanged == 1  # no-op
    wrong = HandCount("u5", "gov-B", (290, 100))
    with pytest.raises(StoreError, match="give a reason"):
        sa.record_counts(AuditRecords(store), state, [wrong], "f")
    fixed = HandCount("u5", "gov-B", (290, 100), reason="recount by board 2")
    assert sa.record_counts(AuditRecords(store), state, [fixed], "f").corrected == 1
    with store.engine.connect() as conn:
        versions = conn.execute(
            select(t.audit_counts.c.version, t.audit_counts.c.counts).order_by(
                t.audit_counts.c.version
            )
        ).all()
    assert [(v, json.loads(c)) for v, c in versions] == [(1, [300, 90]), (2, [290, 100])]
    assert sa.load_audit(AuditRecords(store), "a").counts[("u5", "gov-B")] == (290, 100)
    assert len(audit_leaves(store)) == 4  # create, draw, two records


def test_full_hand_count_detects_changed_outcome(store: Store) -> None:
    state, _ = sa.create_audit(AuditRecords(store), "h", "full-hand-count", 0.05, SEED, ["gov-B"])
    sa.add_round(AuditRecords(store), state, wf.draw(state, wf.first_round_sizes(state)))
    assert sorted(state.rounds[0]["gov-B"]) == ["u5", "u6"]
    sa.record_counts(
        AuditRecords(store),
        state,
        [HandCount("u5", "gov-B", (150, 240)), HandCount("u6", "gov-B", (60, 30))],
        "f",
    )
    st = wf.status(state)
    c = st.contests[0]
    assert c.reported_totals == (360, 120) and c.corrected_totals == (210, 270)
    assert c.outcome_changed and not c.confirmed
    assert st.conclusion == "hand count complete: an outcome changed"


def test_interrupted_record_leaves_nothing_and_resumes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    state, _ = sa.create_audit(AuditRecords(store), "r", "table-comparison", 0.1, SEED, ["gov-A"])
    sa.add_round(AuditRecords(store), state, wf.draw(state, {"gov-A": 3}))
    counts = reported_hand_counts(state)
    original = store_log.append_log

    def crash(*args: object, **kwargs: object) -> int:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(store_log, "append_log", crash)
    with pytest.raises(KeyboardInterrupt):
        sa.record_counts(AuditRecords(store), sa.load_audit(AuditRecords(store), "r"), counts, "f")
    monkeypatch.setattr(store_log, "append_log", original)
    resumed = sa.load_audit(AuditRecords(store), "r")
    assert resumed.counts == {} and len(resumed.rounds) == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.audit_counts)).scalar_one() == 0
    assert sa.record_counts(AuditRecords(store), resumed, counts, "f").new == 3
    assert sa.record_counts(AuditRecords(store), resumed, counts, "f").new == 0
    assert [leaf["step"] for leaf in audit_leaves(store)] == ["create", "draw", "record"]


def test_draw_is_stable_across_reload(store: Store) -> None:
    state, _ = sa.create_audit(AuditRecords(store), "d", "table-comparison", 0.1, SEED, ["gov-A"])
    sa.add_round(AuditRecords(store), state, wf.draw(state, {"gov-A": 2}))
    stale = sa.load_audit(AuditRecords(store), "d")
    stale.rounds.pop()
    with pytest.raises(StoreError, match="another round was drawn"):
        sa.add_round(AuditRecords(store), stale, {"gov-A": ["u1"]})
    # pending hand counts: nothing more to draw (re-running draw is a no-op)
    again = sa.load_audit(AuditRecords(store), "d")
    assert wf.next_round_sizes(again, wf.status(again)) == {}


def test_large_steps_are_split_over_leaves_a_published_log_can_carry(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_audits, "LEAF_BYTES", 450)  # as if every step were a national one
    state, _ = sa.create_audit(
        AuditRecords(store), "big", "table-comparison", 0.1, SEED, ["gov-A", "gov-B"]
    )
    sa.add_round(AuditRecords(store), state, wf.draw(state, {"gov-A": 4, "gov-B": 2}))
    sa.record_counts(AuditRecords(store), state, reported_hand_counts(state), "board")
    sa.record_conclusion(AuditRecords(store), state, wf.status(state))
    entries = [e for e in store_log.log_entries(store) if e.kind == "audit"]
    leaves = {e.idx: json.loads(e.body) for e in entries}
    # a contest's conclusion alone is larger than this pretend limit; everything else fits
    assert all(len(e.body) <= 450 for e in entries if leaves[e.idx]["step"] != "conclusion")
    for step in ("record", "conclusion"):
        parts = [leaf for leaf in leaves.values() if leaf["step"] == step]
        assert len(parts) > 1 and [p["part"] for p in parts] == list(range(1, len(parts) + 1))
        assert {p["parts"] for p in parts} == {len(parts)}
    drawn: dict[str, list[str]] = {}
    for leaf in leaves.values():
        if leaf["step"] == "draw":
            for cid, tables in leaf["draws"].items():
                drawn.setdefault(cid, []).extend(tables)
    assert drawn == state.rounds[0]
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_counts.c.unit, t.audit_counts.c.contest, t.audit_counts.c.log_idx)
        ).all()
    for unit, contest, idx in rows:  # each row points at the leaf that holds it
        assert {"unit": unit, "contest": contest} in [
            {"unit": c["unit"], "contest": c["contest"]} for c in leaves[idx]["counts"]
        ]
    reloaded = sa.load_audit(AuditRecords(store), "big")
    assert reloaded.rounds == state.rounds and reloaded.counts == state.counts


def test_the_default_draws_with_replacement_and_old_audits_keep_their_draws(
    store: Store, definition: Definition
) -> None:
    """``table-comparison`` records its draw scheme; its repeats are hand counted once and
    listed once; an audit kept before (no ``draws``) still runs without replacement."""
    records = AuditRecords(store)
    state, _ = sa.create_audit(records, "wr", "table-comparison", 0.1, SEED, ["gov-A"])
    assert audit_leaves(store)[0]["draws"] == "ppeb-with-replacement"
    for size in (1, 2):
        sa.add_round(records, state, wf.draw(state, {"gov-A": size}))
        sa.record_counts(records, state, reported_hand_counts(state), "test")
    drawn = state.drawn("gov-A")
    assert len(set(drawn)) == 3 and wf.status(state).contests[0].drawn == 3
    reloaded = sa.load_audit(records, "wr")
    assert reloaded.draws == "ppeb-with-replacement" and reloaded.rounds == state.rounds
    rows = retrieval_rows(reloaded, definition)
    assert [r["unit"] for r in rows] == list(dict.fromkeys(drawn))  # each table once
    assert [r["round"] for r in rows] == [1, 2, 2]
    spec = {"contests": ["gov-A"], "percent": None}
    reported = {"gov-A": state.reported["gov-A"].to_dict()}
    records.insert_audit("old", "table-comparison", 0.1, SEED, spec, reported)
    old = sa.load_audit(records, "old")
    assert old.method == "table-comparison" and old.draws == "ppeb-without-replacement"
    wor = wf.AuditState("w", "table-comparison-wor", 0.1, SEED, ("gov-A",), old.reported)
    assert wf.draw(old, {"gov-A": 4}) == wf.draw(wor, {"gov-A": 4})
    assert len(set(wf.draw(old, {"gov-A": 4})["gov-A"])) == 4
    assert type(wf.method_of(old)).__name__ == "TableComparisonWor"
    with pytest.raises(StoreError, match="runs as table-comparison-wor"):
        sa.create_audit(records, "old", "table-comparison", 0.1, SEED, ["gov-A"])
