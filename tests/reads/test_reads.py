"""The read seam: its documents print exactly what the CLI printed before the seam existed
(fixtures written by the code it replaced), bulletins are snapshots kept forever, and the
typed documents name every key the JSON carries.

Each test runs on SQLite and on PostgreSQL (skipped with a reason where no server runs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escrutinio import reads
from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.state import HandCount
from escrutinio.cli.main import app
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store import versions as store_versions
from escrutinio.store.audit_records import AuditRecords
from escrutinio.store.checkpoints import sign_checkpoint_now
from escrutinio.store.store import Store, StoreError
from support import ACTAS_HEADER, AUDIT_SEED, ingest_file, reported_store

FIXTURES = Path(__file__).parent / "fixtures"
SECOND_U1 = "u1,gov-A,,2017-10-15T21:00:00Z,300,3,,101,20,149,5,,\n"
LOG_KEY = Ed25519Signer("escrutinio.example/reads", bytes([9]) * 32)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def store(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Store]:
    """The small election with one official acta per table."""
    s = reported_store(db_url, definition, tmp_path)
    yield s
    s.close()


@pytest.fixture
def conflicted(store: Store, tmp_path: Path) -> Store:
    """The same election with a second, different version of u1's gov-A acta."""
    path = tmp_path / "again.csv"
    path.write_text(ACTAS_HEADER + SECOND_U1, encoding="utf-8")
    report = ingest_file(store, path)
    assert report.conflicts == 1
    return store


def test_snapshot_json_is_unchanged(store: Store) -> None:
    snap = reads.snapshot(store)
    assert json.dumps(snap, ensure_ascii=False, indent=2) + "\n" == fixture("snapshot.json")
    assert list(snap) == list(reads.SnapshotDoc.__annotations__)
    assert list(snap["summary"]) == list(reads.SummaryDoc.__annotations__)
    assert all(list(c) == list(reads.ContestResultDoc.__annotations__) for c in snap["contests"])
    assert snap["format"] == reads.SNAPSHOT_FORMAT and snap["log_size"] == store_log.log_size(store)


def test_snapshot_of_counts_is_the_live_snapshot(store: Store) -> None:
    definition = store_definitions.read_definition(store)
    counts = reads.load_counts(store)
    assert reads.snapshot_of(definition, counts, store_log.log_size(store)) == reads.snapshot(store)


def test_a_bulletin_keeps_the_snapshot_with_number_time_and_source(store: Store) -> None:
    before = reads.snapshot(store)
    size = store_log.log_size(store)
    number, doc = reads.record_bulletin(store)
    assert number == 1 and doc["number"] == 1 and doc["source"] == "official"
    assert set(doc) == set(reads.BulletinDoc.__annotations__)
    assert {k: v for k, v in doc.items() if k in reads.SnapshotDoc.__annotations__} == before
    assert reads.bulletin(store, 1) == doc
    (entry,) = reads.bulletins(store)
    assert list(entry) == list(reads.BulletinEntry.__annotations__)
    assert entry == {
        "number": 1,
        "created_at": doc["created_at"],
        "source": "official",
        "sha256": hashlib.sha256(canonical_json_fast(doc)).hexdigest(),
        "log_idx": size,
    }
    assert reads.record_bulletin(store)[0] == 2
    assert [b["number"] for b in reads.bulletins(store)] == [1, 2]
    assert reads.bulletin_bodies(store, size) == []
    assert reads.bulletin_bodies(store, size + 1) == [(1, canonical_json_fast(doc))]
    assert [n for n, _ in reads.bulletin_bodies(store, store_log.log_size(store))] == [1, 2]


def test_an_unknown_bulletin_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no bulletin number 3"):
        reads.bulletin(store, 3)


def test_results_by_region_cover_every_region_of_the_level(store: Store) -> None:
    definition = store_definitions.read_definition(store)
    counts = reads.load_counts(store)
    overall = reads.contest_results(definition, counts, ["gov-A"])
    by_parish = reads.regional_results(definition, counts, "parish", ["gov-A"])
    assert [r.region_name for r in by_parish] == ["Parish A1", "Parish A2"]
    assert sum(r.voters for r in by_parish) == overall[0].voters == 950
    summary = reads.election_summary(definition, counts, reads.contest_results(definition, counts))
    assert summary.to_dict() == reads.snapshot(store)["summary"]


def test_unit_frame_is_unchanged(store: Store) -> None:
    assert reads.unit_frame(store, "gov-A").write_csv() == fixture("unit_frame_gov-A.csv")
    assert reads.sources(store) == [("official", 6)]
    assert reads.unit_frame(store, "gov-A", "other").height == 0


def test_versions_and_conflicts_print_as_before(conflicted: Store, db_url: str) -> None:
    for name, args in {
        "versions_u1_gov-A.json": ["versions", "u1", "gov-A", "-f", "json"],
        "conflicts.json": ["conflicts", "-f", "json"],
        "conflicts.csv": ["conflicts", "-f", "csv"],
    }.items():
        result = CliRunner().invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 0, result.output
        assert result.output == fixture(name), name
    found = reads.acta_versions(conflicted, "u1", "gov-A")
    docs = [reads.version_document(v) for v in found]
    assert docs == json.loads(fixture("versions_u1_gov-A.json"))
    assert all(list(d) == list(reads.ActaVersionDoc.__annotations__) for d in docs)
    assert [(d["version"], d["counting"]) for d in docs] == [(1, True), (2, False)]
    assert reads.pending_conflicts(conflicted) == json.loads(fixture("conflicts.json"))
    assert reads.pending_conflicts(conflicted, "other") == []


def test_a_decision_clears_the_conflict_and_shows_in_the_versions(conflicted: Store) -> None:
    store_versions.adjudicate(conflicted, "u1", "gov-A", "official", 2, "recount", "board")
    assert reads.pending_conflicts(conflicted) == []
    docs = [reads.version_document(v) for v in reads.acta_versions(conflicted, "u1", "gov-A")]
    assert [(d["version"], d["counting"]) for d in docs] == [(1, False), (2, True)]


def test_audit_status_document_is_unchanged(store: Store, db_url: str) -> None:
    state, _ = sa.create_audit(
        AuditRecords(store), "a1", "table-comparison", 0.1, AUDIT_SEED, ["gov-A", "gov-B"]
    )
    sa.add_round(
        AuditRecords(store), state, wf.draw(state, wf.next_round_sizes(state, wf.status(state)))
    )
    counts = []
    for i, (unit, cid) in enumerate(sorted(state.missing())):
        rc = state.reported[cid]
        votes = [int(v) for v in rc.counts[rc.position[unit]]]
        if i == 0:
            votes[0] += 1  # one planted discrepancy
        counts.append(HandCount(unit, cid, tuple(votes)))
    sa.record_counts(AuditRecords(store), state, counts, "test")
    doc = reads.audit_status_document(store, "a1")
    assert json.dumps(doc, indent=2) + "\n" == fixture("audit_status.json")
    assert list(doc) == list(reads.AuditStatusDoc.__annotations__)
    loaded, status = reads.audit_status(store, "a1")
    assert loaded.name == "a1" and status.to_dict() == doc
    assert reads.audit_state(store, "a1").rounds == loaded.rounds
    result = CliRunner().invoke(app, ["audit", "status", "a1", "-f", "json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert result.output == fixture("audit_status.json")


def test_checkpoints_are_listed_oldest_first(store: Store) -> None:
    assert reads.checkpoints(store) == [] and reads.latest_checkpoint(store) is None
    first = sign_checkpoint_now(store, LOG_KEY)
    reads.record_bulletin(store)
    second = sign_checkpoint_now(store, LOG_KEY)
    listed = reads.checkpoints(store)
    assert [c.note for c in listed] == [first, second]
    assert [c.size for c in listed] == [7, 8]
    assert reads.latest_checkpoint(store) == listed[-1]
    assert reads.cosignatures(store) == []
