"""The store by concern: it never opens a file (io reads and checks, the store takes the
chunks), no store module grows past ~400 lines, and chunks checked column-wise or row by
row store the same actas and leaves."""

from __future__ import annotations

import ast
from pathlib import Path

from acta_kit import GOOD_ROWS, HEADER
from escrutinio.io.acta_chunks import file_chunks, row_chunks
from escrutinio.io.actas_files import read_actas
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import log as store_log
from escrutinio.store.store import Store
from support import fresh_db_url

STORE = Path(__file__).resolve().parents[2] / "src" / "escrutinio" / "store"
FILE_READERS = {"open", "read_text", "read_bytes", "read_actas", "read_frame", "file_chunks"}


def test_no_store_module_opens_or_reads_a_file() -> None:
    found = []
    for path in sorted(STORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in FILE_READERS:
                    found.append(f"{path.name}:{node.lineno} calls {name}")
    assert found == []


def test_no_store_module_is_over_about_400_lines() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in STORE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 430} == {}


def test_columnar_and_row_chunks_store_the_same_leaves(
    store: Store, db_kind: str, tmp_path: Path
) -> None:
    path = tmp_path / "actas.csv"
    path.write_text(HEADER + "".join(GOOD_ROWS), encoding="utf-8")
    definition = store_definitions.read_definition(store)
    at = "2026-01-01T00:00:00Z"
    chunks = file_chunks(path, definition, received_at=at, chunk_size=2)
    assert chunks.bulk and chunks.file == str(path)
    by_column = store_intake.ingest_chunks(store, chunks)
    with fresh_db_url(db_kind, tmp_path) as url:
        other = Store.open(url)
        try:
            store_definitions.load_definition(other, definition)
            rows = row_chunks(read_actas(path), definition, file=str(path), received_at=at)
            assert not rows.bulk
            by_row = store_intake.ingest_chunks(other, rows)
            assert by_row.to_dict() == by_column.to_dict()
            assert [e.body for e in store_log.log_entries(other)] == [
                e.body for e in store_log.log_entries(store)
            ]
        finally:
            other.close()
