"""Bulk writes: many rows per statement, WAL checkpoints beside a long import, and an
interrupted column-wise import. Storage tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import escrutinio.store.intake_rows as store_module
from escrutinio.io.actas_files import read_actas
from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.database import background_checkpoints, make_engine
from escrutinio.store.store import Store
from support import fresh_db_url, ingest_file, table_counts

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
SOURCES = 20
UNITS = {"u1": "gov-A", "u2": "gov-A", "u3": "gov-A", "u4": "gov-A", "u5": "gov-B", "u6": "gov-B"}


def many_actas(tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """120 valid actas (six units × twenty sources) and their (unit, source) in file order."""
    lines, order = [HEADER], []
    for k in range(SOURCES):
        for unit, contest in UNITS.items():
            votes = f"{20 + k},5,30,1,," if contest == "gov-A" else f",,,,{30 + k},20"
            lines.append(f"{unit},{contest},w{k},2017-10-15T20:{k:02d}:00Z,90,2,,{votes}\n")
            order.append((unit, f"w{k}"))
    path = tmp_path / "many.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path, order


def log_bodies(store: Store) -> list[bytes]:
    return [e.body for e in store_log.log_entries(store)]


def test_file_import_stores_every_acta_in_file_order_with_its_own_leaf(
    store: Store, tmp_path: Path
) -> None:
    path, order = many_actas(tmp_path)
    report = ingest_file(store, path, chunk_size=57)  # statements of 50 rows and remainders
    assert (report.accepted, report.rejected_rows) == (120, 0)
    av = t.acta_versions.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(av.unit, av.source, av.log_idx, t.log_entries.c.body)
            .join(t.log_entries, t.log_entries.c.idx == av.log_idx)
            .order_by(av.log_idx)
        ).all()
    assert [(r[0], r[1]) for r in rows] == order
    assert [r[2] for r in rows] == list(range(1, 121))
    for unit, source, _, body in rows:
        leaf = json.loads(bytes(body))
        assert (leaf["acta"]["unit"], leaf["acta"]["source"], leaf["version"]) == (unit, source, 1)


@pytest.mark.parametrize("resubmit", [False, True])
def test_column_wise_and_row_wise_imports_write_the_same_log(
    store: Store, db_kind: str, definition: Definition, tmp_path: Path, resubmit: bool
) -> None:
    path, _ = many_actas(tmp_path)
    if resubmit:  # identical copies and changed versions, in the same chunk and in later ones
        lines = path.read_text().splitlines(keepends=True)
        changed = [line.replace(",90,2,", ",90,3,") for line in lines[1:120:7]]
        path.write_text("".join([*lines, *lines[1:40:3], *changed, *lines[100:]]))
    columnar = ingest_file(store, path, chunk_size=57)
    with fresh_db_url(db_kind, tmp_path) as url:
        other = Store.open(url)
        try:
            store_definitions.load_definition(other, definition)
            by_row = store_intake.ingest(other, read_actas(path), chunk_size=33)
            assert log_bodies(other)[1:] == log_bodies(store)[1:]
        finally:
            other.close()
    assert columnar.to_dict() | {"file": None} == by_row.to_dict() | {"file": None}
    assert (columnar.accepted, columnar.conflicts > 0) == (120, resubmit)


def test_interrupted_file_import_keeps_whole_chunks_and_rerun_is_safe(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = many_actas(tmp_path)
    real_insert = store_module.insert_many
    leaf_writes: list[int] = []

    def interrupt_second_chunk(conn: Any, table: str, columns: Any, rows: Any) -> None:
        leaf_writes.extend([1] if table == "log_entries" else [])
        if table == "acta_versions" and len(leaf_writes) == 2:
            raise KeyboardInterrupt  # after this chunk's leaves, before its actas
        real_insert(conn, table, columns, rows)

    monkeypatch.setattr(store_module, "insert_many", interrupt_second_chunk)
    threads = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        ingest_file(store, path, chunk_size=50)
    assert threading.active_count() == threads  # the checkpointer stopped with the import
    assert table_counts(store) == (50, 51)
    monkeypatch.undo()
    report = ingest_file(store, path, chunk_size=50)
    assert (report.accepted, report.duplicates) == (70, 50)
    assert table_counts(store) == (120, 121)


def test_background_checkpoints_copy_the_wal_while_the_writer_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x BLOB)")
    plain = engine.raw_connection()  # outside any transaction, which a checkpoint needs
    plain.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    plain.close()
    size = db.stat().st_size
    threads = threading.active_count()
    with engine.connect() as conn, background_checkpoints(engine, conn):
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        with conn.begin():
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", [(b"x" * 10_000,)] * 200)
        deadline = time.monotonic() + 10
        while db.stat().st_size <= size and time.monotonic() < deadline:
            time.sleep(0.02)
        assert db.stat().st_size > size  # copied into the database by the other thread
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
    assert threading.active_count() == threads
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 200
    engine.dispose()


def test_background_checkpoints_stop_when_the_import_fails(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fail.db'}")
    threads = threading.active_count()
    with (
        pytest.raises(RuntimeError, match="import failed"),
        engine.connect() as conn,
        background_checkpoints(engine, conn),
    ):
        raise RuntimeError("import failed")
    assert threading.active_count() == threads
    engine.dispose()
