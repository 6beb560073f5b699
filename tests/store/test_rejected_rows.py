"""Rows rejected at intake are kept append-only with their issues and text, on SQLite and
PostgreSQL, and read back through the read seam for the forensic report."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from escrutinio import reads
from escrutinio.io.rejected_rows import MAX_RAW_CHARS, rejected_rows
from escrutinio.store import intake as store_intake
from escrutinio.store import schema as t
from escrutinio.store.store import Store
from support import ingest_file

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
GOOD = "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
NOT_A_NUMBER = "u2,gov-A,,2017-10-15T20:00:00Z,300,3,,1O0,20,150,5,,\n"
UNKNOWN_UNIT = "zz,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"


def test_rejected_rows_are_kept_with_issues_and_text(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "actas.csv"
    path.write_text(HEADER + GOOD + NOT_A_NUMBER + UNKNOWN_UNIT, encoding="utf-8")
    report = ingest_file(store, path)
    assert report.accepted == 1 and report.rejected_rows == 2
    kept = rejected_rows(path, report.issues)
    assert [r.line for r in kept] == [3, 4]
    store_intake.record_import(store, report, "0" * 64, kept)

    frame = reads.rejected_frame(store)
    assert frame.get_column("line").to_list() == [3, 4]
    assert frame.get_column("raw").to_list() == [NOT_A_NUMBER.strip(), UNKNOWN_UNIT.strip()]
    assert "a1-psuv" in frame["issues"][0]
    assert "zz" in frame["issues"][1]
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.rejected_rows.c.import_id, t.rejected_rows.c.issues)).all()
        imports = conn.execute(select(t.imports.c.id, t.imports.c.rejected)).all()
    assert {r[0] for r in rows} == {imports[0][0]} and imports[0][1] == 2
    assert json.loads(rows[0][1])[0]["field"] == "a1-psuv"


def test_a_clean_import_keeps_no_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "actas.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    report = ingest_file(store, path)
    store_intake.record_import(store, report, "0" * 64, rejected_rows(path, report.issues))
    assert reads.rejected_frame(store).height == 0


def test_long_lines_are_cut_and_counts_bounded(tmp_path: Path) -> None:
    from escrutinio.model.errors import Issue

    path = tmp_path / "long.csv"
    path.write_text(HEADER + "x" * (MAX_RAW_CHARS + 50) + "\n" + GOOD * 3, encoding="utf-8")
    issues = [Issue("bad", line=n) for n in (2, 3, 4, 5)]
    kept = rejected_rows(path, issues, limit=2)
    assert [r.line for r in kept] == [2, 3]
    assert len(kept[0].raw) == MAX_RAW_CHARS + 1 and kept[0].raw.endswith("…")
