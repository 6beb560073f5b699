"""Reading an audit input file: bounded size, UTF-8 (with or without a byte-order mark),
and CSV rows with the line each ends on. Every failure is an :class:`InputError` naming the
file and the line (for bad bytes also the byte offset), never a traceback."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from escrutinio.io.config_text import decode_utf8, read_utf8
from escrutinio.model.errors import InputError, Issue

MAX_BYTES = 1 << 30
"""The largest audit input file read (1 GiB)."""

BOM = "\ufeff"


def read_input(path: Path, limit: int = MAX_BYTES) -> str:
    """The text of an audit input file; raises :class:`InputError` when it cannot be read,
    is larger than ``limit`` bytes, or is not UTF-8 (with the line and byte offset)."""
    return read_utf8(path, limit)


def decode(data: bytes, file: str) -> str:
    """``data`` as UTF-8 text without its byte-order mark; raises :class:`InputError` with
    the line and byte offset of the first byte that is not UTF-8."""
    return decode_utf8(data, file)


def csv_rows(
    text: str, file: str, columns: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header as (line, cells stripped of surrounding blanks), blank
    rows skipped. Raises :class:`InputError` for a missing or repeated column in the header
    (line 1) and for a row the CSV reader cannot parse (its line)."""
    reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
    try:
        raw = next(reader, [])
    except csv.Error as exc:
        raise InputError([Issue(f"unreadable CSV header: {exc}", file=file, line=1)]) from None
    header = [h.strip() for h in raw]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise InputError([Issue(f"repeated column(s): {', '.join(repeated)}", file=file, line=1)])
    absent = [c for c in columns if c not in header]
    if absent:
        raise InputError([Issue(f"missing column(s): {', '.join(absent)}", file=file, line=1)])
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell over the csv module's 131,072 characters
            line = reader.line_num
            raise InputError([Issue(f"unreadable CSV row: {exc}", file=file, line=line)]) from None
        row = {h: c.strip() for h, c in zip(header, cells, strict=False) if h}
        if any(row.values()):
            yield reader.line_num, row
