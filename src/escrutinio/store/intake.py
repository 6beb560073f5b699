"""Acta intake: the store takes rows already read, or chunks already checked (see
:mod:`escrutinio.io.acta_chunks`), never a path. Each chunk is one transaction (actas and
their log leaves), so an interruption never leaves a partial acta and re-running is safe:
identical re-submissions are no-ops, different ones become conflicting versions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from escrutinio.io.acta_chunks import ROW_CHUNK, ActaChunks, row_chunks
from escrutinio.io.actas_files import ReadRow
from escrutinio.io.rejected_rows import RejectedRow
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.errors import Issue
from escrutinio.store import schema as t
from escrutinio.store.database import background_checkpoints
from escrutinio.store.definitions import read_definition
from escrutinio.store.intake_rows import Outcome, VersionCache, store_chunk
from escrutinio.store.store import Store


@dataclass
class IngestReport(Outcome):
    """What an import did: counts by outcome and every rejected row's issues."""

    file: str | None = None
    read: int = 0
    rejected_rows: int = 0
    issues: list[Issue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the import."""
        return {
            "file": self.file,
            "read": self.read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected_rows,
            "issues": [
                {
                    "file": i.file,
                    "line": i.line,
                    "field": i.field,
                    "code": i.code,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }


def ingest_chunks(
    store: Store, source: ActaChunks, progress: Callable[[int], None] | None = None
) -> IngestReport:
    """Store checked chunks of actas, one transaction each, and report the outcome (rows
    read, accepted, duplicates, conflicts, rejected rows and their issues)."""
    report = IngestReport(file=source.file)
    cache = VersionCache()
    with store.engine.connect() as conn:
        journal = background_checkpoints(store.engine, conn) if source.bulk else nullcontext()
        with journal:
            for chunk in source.chunks:
                checked = chunk.checked
                report.read += checked.read
                report.rejected_rows += checked.rejected
                report.issues.extend(checked.issues)
                if len(checked.accepted):
                    store_chunk(conn, checked.accepted, report, cache)
                if progress and chunk.done:
                    progress(chunk.done)
    return report


def ingest(
    store: Store,
    rows: Iterable[ReadRow],
    *,
    file: str | None = None,
    source: str | None = None,
    received_at: str | None = None,
    chunk_size: int = ROW_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Validate and store actas row by row (any reader: CSV, JSON Lines, in memory)."""
    chunks = row_chunks(
        rows,
        read_definition(store),
        file=file,
        source=source,
        received_at=received_at,
        chunk_size=chunk_size,
    )
    return ingest_chunks(store, chunks, progress)


def record_import(
    store: Store, report: IngestReport, sha256: str, rejected: Sequence[RejectedRow] = ()
) -> None:
    """Keep a record of a finished import (file, hash and outcome counts) and, in the same
    transaction, its rejected rows (issues as JSON, the line's text)."""
    with store.engine.begin() as conn:
        inserted = conn.execute(
            insert(t.imports).values(
                file=report.file or "",
                sha256=sha256,
                finished_at=utc_timestamp(),
                accepted=report.accepted,
                duplicates=report.duplicates,
                conflicts=report.conflicts,
                rejected=report.rejected_rows,
            )
        ).inserted_primary_key
        assert inserted is not None
        import_id = inserted[0]
        if rejected:
            conn.execute(
                insert(t.rejected_rows),
                [
                    {
                        "import_id": import_id,
                        "file": row.file,
                        "line": row.line,
                        "issues": json.dumps(
                            [
                                {"field": i.field, "code": i.code, "message": i.message}
                                for i in row.issues
                            ],
                            ensure_ascii=False,
                        ),
                        "raw": row.raw,
                    }
                    for row in rejected
                ],
            )


def rejected(store: Store) -> list[tuple[str, int, str, str]]:
    """Every kept rejected row, in import then line order: (file, line, issues as JSON,
    the line's text)."""
    table = t.rejected_rows
    query = select(table.c.file, table.c.line, table.c.issues, table.c.raw).order_by(
        table.c.import_id, table.c.line, table.c.id
    )
    with store.engine.connect() as conn:
        return [(str(f), int(n), str(i), str(r)) for f, n, i, r in conn.execute(query)]
