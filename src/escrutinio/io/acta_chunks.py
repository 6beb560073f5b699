"""Acta rows read and checked, in chunks ready for the store's intake.

The store never opens a file: this module reads an acta file (or takes rows already read),
validates every row against the definition and hands over chunks of prepared actas with the
rows it read and the issues of those it rejected. Plain CSV files (no quoted fields) are
screened column-wise, the next slice while the store writes the previous one; every row that
fails a check, and every other file, goes through the row validator, so accepted rows and
error messages are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from escrutinio.io.acta_intake import Checked, check_frame_slice, check_row, ends_in_newline
from escrutinio.io.actas_files import (
    ReadRow,
    check_csv_header,
    read_actas,
    read_frame,
    use_columnar,
)
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.columnar import ColumnScreen
from escrutinio.model.definition import Definition
from escrutinio.model.prepared import PreparedActa, PreparedBatch, content_templates
from escrutinio.model.validation import ActaValidator

ROW_CHUNK = 5_000
FILE_CHUNK = 25_000


@dataclass
class CheckedChunk:
    """One chunk of checked rows and how far it advances a progress bar (``done``)."""

    checked: Checked
    done: int


@dataclass
class ActaChunks:
    """Checked chunks of one intake: the file they come from (if any) and whether they are
    a bulk column-wise import (the store then checkpoints its journal in the background)."""

    chunks: Iterator[CheckedChunk]
    file: str | None
    bulk: bool = False


def _validator(
    definition: Definition, source: str | None, received_at: str | None
) -> ActaValidator:
    return ActaValidator(
        definition, default_source=source, default_received_at=received_at or utc_timestamp()
    )


def row_chunks(
    rows: Iterable[ReadRow],
    definition: Definition,
    *,
    file: str | None = None,
    source: str | None = None,
    received_at: str | None = None,
    chunk_size: int = ROW_CHUNK,
) -> ActaChunks:
    """Check rows already read (any reader: CSV, JSON Lines, in memory) one by one; a chunk
    ends once it holds ``chunk_size`` accepted actas."""
    validator = _validator(definition, source, received_at)
    templates = content_templates(definition)

    def chunks() -> Iterator[CheckedChunk]:
        checked = Checked()
        accepted: list[PreparedActa] = []
        for row in rows:
            checked.read += 1
            result = check_row(validator, templates, row)
            if isinstance(result, list):
                checked.rejected += 1
                checked.issues.extend(i.located(file, row.line) for i in result)
            else:
                accepted.append(result)
            if len(accepted) >= chunk_size:
                checked.accepted = PreparedBatch.of(accepted)
                yield CheckedChunk(checked, len(accepted))
                checked, accepted = Checked(), []
        checked.accepted = PreparedBatch.of(accepted)
        yield CheckedChunk(checked, len(accepted))

    return ActaChunks(chunks(), file)


def file_chunks(
    path: str | Path,
    definition: Definition,
    *,
    source: str | None = None,
    received_at: str | None = None,
    encoding: str | None = None,
    chunk_size: int = FILE_CHUNK,
) -> ActaChunks:
    """Read and check an acta file (CSV or JSON Lines; UTF-8 unless ``encoding`` is given).
    A bad header raises before anything is read; rejected rows become issues with their
    file and line."""
    path = Path(path)
    if not use_columnar(path, encoding):
        return row_chunks(
            read_actas(path, encoding),
            definition,
            file=str(path),
            source=source,
            received_at=received_at,
        )
    check_csv_header(path)
    validator = _validator(definition, source, received_at)
    return ActaChunks(_frame_chunks(path, validator, chunk_size), str(path), bulk=True)


def _frame_chunks(path: Path, validator: ActaValidator, chunk_size: int) -> Iterator[CheckedChunk]:
    """Screen a plain CSV file slice by slice, the next slice on a worker thread while the
    caller stores the previous one."""
    templates = content_templates(validator.definition)
    screen = ColumnScreen(validator)
    frame = read_frame(path)
    terminated = ends_in_newline(path)

    def check(lo: int) -> CheckedChunk:
        part = frame.slice(lo, chunk_size)
        last = lo + part.height >= frame.height
        checked = check_frame_slice(
            screen, templates, part, lo + 2, unterminated=last and not terminated, file=str(path)
        )
        checked.issues.sort(key=lambda i: i.line or 0)
        return CheckedChunk(checked, part.height)

    starts = list(range(0, frame.height, chunk_size))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[CheckedChunk] | None = pool.submit(check, starts[0]) if starts else None
        for i in range(len(starts)):
            assert pending is not None
            chunk = pending.result()
            pending = pool.submit(check, starts[i + 1]) if i + 1 < len(starts) else None
            yield chunk
