"""Acta intake: every validation rule, versions, conflicts, adjudication, interruption.

Each test runs on SQLite and on PostgreSQL (skipped with a reason where no server runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from escrutinio.io.actas_files import ReadRow, read_actas
from escrutinio.model import Definition
from escrutinio.store import counting as store_counting
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store import versions as store_versions
from escrutinio.store.store import Store, StoreError
from support import ingest_file, table_counts

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
GOOD_A = "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
GOOD_B = "u5,gov-B,,2017-10-15T20:05:00Z,400,2,1,,,,,200,150\n"


def write(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


BAD_ROWS = [
    ("u9,gov-A,,,300,3,,100,20,150,5,,\n", "unit", "unknown polling unit 'u9'"),
    ("u1,gov-Z,,,300,3,,100,20,150,5,,\n", "contest", "unknown contest 'gov-Z'"),
    ("u5,gov-A,,,300,3,,100,20,150,5,,\n", "unit", "does not vote in contest 'gov-A'"),
    ("u1,gov-A,,,300,3,,100,20,150,5,7,\n", "b1", "'b1' is not a ballot option of contest"),
    ("u1,gov-A,,,300,3,,-100,20,150,5,,\n", "a1-psuv", "must not be negative, got -100"),
    ("u1,gov-A,,,300,3,,10.5,20,150,5,,\n", "a1-psuv", "non-negative integer, got '10.5'"),
    ("u1,gov-A,,,300,3,,abc,20,150,5,,\n", "a1-psuv", "non-negative integer, got 'abc'"),
    ("u1,gov-A,,,200,3,,100,20,150,5,,\n", "voters", "= 278 exceeds voters (200)"),
    ("u4,gov-A,,,201,0,,100,20,50,5,,\n", "voters", "exceed the unit's registered electors"),
    ("u1,gov-A,,,300,3,,100,,150,5,,\n", "a1-pcv", "missing count"),
    ("u1,gov-A,,,,3,,100,20,150,5,,\n", "voters", "missing count"),
    ("u1,,,,300,3,,100,20,150,5,,\n", "contest", "missing contest id"),
    ("u1,gov-A,,not-a-time,300,3,,100,20,150,5,,\n", "received_at", "ISO 8601"),
    ("u1,gov-A,,,300,3,,100,20\n", None, "expected 13 fields as in the header, got 9"),
]


@pytest.mark.parametrize("whole_file", [False, True], ids=["row-reader", "file-importer"])
@pytest.mark.parametrize(("row", "field", "message"), BAD_ROWS)
def test_each_rule_rejects_the_row_and_keeps_the_others(
    store: Store, tmp_path: Path, row: str, field: str | None, message: str, whole_file: bool
) -> None:
    path = write(tmp_path, "mixed.csv", GOOD_A, row, GOOD_B)
    if whole_file:
        report = ingest_file(store, path)
    else:
        report = store_intake.ingest(store, read_actas(path), file=str(path))
    assert report.accepted == 2
    assert report.rejected_rows == 1
    issue = report.issues[0]
    assert issue.line == 3
    assert issue.file == str(path)
    assert issue.field == field
    assert message in issue.message
    assert message in str(issue) and "line 3" in str(issue)
    # nothing else changed: the two good actas and their log entries, plus the definition leaf
    assert table_counts(store) == (2, 3)
    _units, counts = store_counting.counting_arrays(store)["gov-A"]
    assert counts.tolist() == [[100, 20, 150, 5, 3, 0, 300]]


def test_registered_tolerance_is_configurable(db_url: str, tmp_path: Path) -> None:
    from support import small_definition

    store = Store.open(db_url)
    store_definitions.load_definition(store, small_definition(tolerance=5))
    path = write(
        tmp_path,
        "t.csv",
        "u4,gov-A,,,205,0,,100,20,50,5,,\n",
        "u4,gov-A,witness:X,,206,0,,100,20,50,5,,\n",
    )
    report = store_intake.ingest(store, read_actas(path), file=str(path))
    assert report.accepted == 1
    assert "tolerance (5)" in report.issues[0].message
    store.close()


def test_missing_required_column_is_a_file_error(tmp_path: Path) -> None:
    from escrutinio.model import InputError

    path = tmp_path / "bad.csv"
    path.write_text("unit,contest,null\nu1,gov-A,3\n")
    with pytest.raises(InputError, match="missing column"):
        read_actas(path)


def test_identical_resubmission_is_a_noop(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", GOOD_A, GOOD_B)
    first = store_intake.ingest(store, read_actas(path), file=str(path))
    before = table_counts(store)
    again = store_intake.ingest(store, read_actas(path), file=str(path))
    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    assert table_counts(store) == before


def test_a_different_version_is_kept_as_conflicting_and_never_overwrites(
    store: Store, tmp_path: Path
) -> None:
    store_intake.ingest(store, read_actas(write(tmp_path, "1.csv", GOOD_A)))
    changed = GOOD_A.replace(",100,20,150,", ",120,20,130,")
    report = store_intake.ingest(store, read_actas(write(tmp_path, "2.csv", changed)))
    assert report.conflicts == 1
    versions = store_versions.versions(store, "u1", "gov-A")
    assert [(v.version, v.status, v.counting) for v in versions] == [
        (1, "accepted", True),
        (2, "conflicting", False),
    ]
    assert versions[0].acta.votes == (100, 20, 150, 5)
    assert versions[1].acta.votes == (120, 20, 130, 5)
    assert store_versions.conflicts(store) == [("u1", "gov-A", "official", 2)]
    # the first version still counts until someone decides
    assert store_counting.counting_arrays(store)["gov-A"][1][0, 0] == 100


def test_adjudication_is_recorded_and_switches_the_counting_version(
    store: Store, tmp_path: Path
) -> None:
    store_intake.ingest(store, read_actas(write(tmp_path, "1.csv", GOOD_A)))
    store_intake.ingest(
        store, read_actas(write(tmp_path, "2.csv", GOOD_A.replace(",100,20,", ",90,20,")))
    )
    idx = store_versions.adjudicate(
        store, "u1", "gov-A", "official", 2, "hand count of the table", "JNE"
    )
    assert store_versions.conflicts(store) == []
    assert store_counting.counting_arrays(store)["gov-A"][1][0, 0] == 90
    entries = list(store_log.log_entries(store))
    assert entries[idx].kind == "adjudication"
    assert b"hand count of the table" in entries[idx].body
    store_versions.adjudicate(store, "u1", "gov-A", "official", None, "illegible", "JNE")
    assert len(store_counting.counting_arrays(store)["gov-A"][0]) == 0
    assert len(store_versions.versions(store, "u1", "gov-A")) == 2  # nothing deleted


def test_adjudication_errors(store: Store, tmp_path: Path) -> None:
    store_intake.ingest(store, read_actas(write(tmp_path, "1.csv", GOOD_A)))
    with pytest.raises(StoreError, match="version 7 does not exist"):
        store_versions.adjudicate(store, "u1", "gov-A", "official", 7, "x", "JNE")
    with pytest.raises(StoreError, match="no acta stored"):
        store_versions.adjudicate(store, "u2", "gov-A", "official", 1, "x", "JNE")
    with pytest.raises(StoreError, match="needs a reason"):
        store_versions.adjudicate(store, "u1", "gov-A", "official", 1, " ", "JNE")


def test_sources_are_kept_apart(store: Store, tmp_path: Path) -> None:
    witness = GOOD_A.replace("u1,gov-A,,", "u1,gov-A,witness:MUD,").replace(",100,", ",90,")
    report = store_intake.ingest(store, read_actas(write(tmp_path, "w.csv", GOOD_A, witness)))
    assert (report.accepted, report.conflicts) == (2, 0)
    assert store_counting.counting_arrays(store, "witness:MUD")["gov-A"][1][0, 0] == 90
    assert store_counting.counting_arrays(store)["gov-A"][1][0, 0] == 100


def test_interrupted_import_leaves_whole_actas_and_rerun_is_safe(
    store: Store, tmp_path: Path
) -> None:
    rows = [f"u{u},gov-A,,,{200},0,,{50 + u},10,20,5,,\n" for u in (1, 2, 3, 4)]
    path = write(tmp_path, "many.csv", *rows)

    def interrupted() -> Iterator[ReadRow]:
        for n, row in enumerate(read_actas(path)):
            if n == 3:
                raise KeyboardInterrupt
            yield row

    with pytest.raises(KeyboardInterrupt):
        store_intake.ingest(store, interrupted(), chunk_size=2)
    actas, logs = table_counts(store)
    assert actas == 2 and logs == 3  # the first chunk, whole; nothing of the second
    report = store_intake.ingest(store, read_actas(path), chunk_size=2)
    assert (report.accepted, report.duplicates) == (2, 2)
    assert table_counts(store) == (4, 5)


def test_a_failing_write_rolls_back_the_whole_chunk(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import escrutinio.store.intake_rows as mod

    real_insert = mod.insert_many

    def fail_on_actas(conn: Any, table: str, columns: Any, rows: Any) -> None:
        if table == "acta_versions":  # the log leaves were already written in this transaction
            raise OSError("disk full")
        real_insert(conn, table, columns, rows)

    monkeypatch.setattr(mod, "insert_many", fail_on_actas)
    with pytest.raises(OSError):
        store_intake.ingest(store, read_actas(write(tmp_path, "x.csv", GOOD_A, GOOD_B)))
    assert table_counts(store) == (0, 1)


def test_every_acta_version_has_exactly_its_log_leaf(store: Store, tmp_path: Path) -> None:
    store_intake.ingest(store, read_actas(write(tmp_path, "1.csv", GOOD_A, GOOD_B)))
    store_intake.ingest(store, read_actas(write(tmp_path, "2.csv", GOOD_A.replace(",5,,", ",6,,"))))
    with store.engine.connect() as conn:
        pairs = conn.execute(
            select(t.acta_versions.c.log_idx, t.log_entries.c.kind).join(
                t.log_entries, t.log_entries.c.idx == t.acta_versions.c.log_idx
            )
        ).all()
    assert sorted(p[0] for p in pairs) == [1, 2, 3]
    assert {p[1] for p in pairs} == {"acta"}
    assert [e.idx for e in store_log.log_entries(store)] == [0, 1, 2, 3]


def test_definition_is_immutable(store: Store) -> None:
    from support import small_definition

    assert store_definitions.load_definition(store, small_definition()) == "unchanged"
    with pytest.raises(StoreError, match="different definition"):
        store_definitions.load_definition(store, small_definition(tolerance=3))


def test_definition_round_trips_through_the_store(store: Store, definition: Definition) -> None:
    fresh = Store(store.engine)
    assert store_definitions.read_definition(fresh).fingerprint == definition.fingerprint


def test_a_leaf_too_large_to_publish_is_refused_before_anything_is_written(
    store: Store, tmp_path: Path
) -> None:
    store_intake.ingest(store, read_actas(write(tmp_path, "a.csv", GOOD_A)))
    store_intake.ingest(store, read_actas(write(tmp_path, "b.csv", GOOD_A.replace(",5,,", ",6,,"))))
    before = table_counts(store), store_log.log_size(store)
    with pytest.raises(StoreError, match=r"adjudication record: its log leaf would be [\d,]+ "):
        store_versions.adjudicate(store, "u1", "gov-A", "official", 2, "x" * 70_000, "board")
    assert (table_counts(store), store_log.log_size(store)) == before
    assert store_versions.conflicts(store)  # still undecided
