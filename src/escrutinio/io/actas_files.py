"""Read actas from CSV (one row per acta, one column per ballot option) or, through
:mod:`escrutinio.io.actas_jsonl`, JSON Lines.

Both readers decode the whole file first (UTF-8 with or without a byte-order mark, or an
explicit encoding), so a line that is not valid in that encoding is reported with its line
and byte offset and the other lines are still read. Every malformed row becomes a
:class:`ReadRow` with its issues; only a file that cannot be read at all (missing, no
header, a duplicated or missing column) raises :class:`InputError`.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from escrutinio.io.acta_rows import FIXED_COLUMNS, TEXT_COLUMNS, TRUNCATED
from escrutinio.io.acta_rows import ReadRow as ReadRow  # re-exported: what the readers yield
from escrutinio.io.actas_jsonl import read_jsonl
from escrutinio.io.decoding import (
    UTF8,
    Decoded,
    codec_name,
    decode_file,
    missing_file,
    undecodable,
)
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import shown
from escrutinio.model.validation import BLANKS, RawActa, RawCount

REQUIRED_COLUMNS = ("unit", "contest", "voters", "null")


def read_actas(path: str | Path, encoding: str | None = None) -> Iterator[ReadRow]:
    """Yield the actas of a ``.csv`` or ``.jsonl``/``.ndjson`` file with their line numbers.

    A file that cannot be read at all (missing, no header, missing or duplicated columns)
    raises :class:`InputError`; a malformed row is yielded with its issue and reading goes on.
    """
    path = Path(path)
    decoded = decode_file(path, encoding)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(decoded)
    return _read_csv(path, decoded)


def count_lines(path: str | Path) -> int:
    """Number of data lines in a file (for progress bars; 0 when it cannot be read)."""
    try:
        with Path(path).open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return 0


def use_columnar(path: str | Path, encoding: str | None = None) -> bool:
    """True for CSV files the vectorised importer reads exactly like the row reader: valid
    UTF-8, no quote characters (so no field spans lines), no control byte but tab and the
    CR of CRLF, no empty line, and as many fields on every line as in the header (checked
    with NumPy over the raw bytes). Every other file takes the row reader."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file() or codec_name(encoding) != UTF8:
        return False
    try:
        raw = path.read_bytes()
    except OSError:
        return False  # the row reader reports it
    data = np.frombuffer(raw, dtype=np.uint8)
    if data.size == 0 or (data == ord('"')).any():
        return False
    control = data < 0x20
    control &= (data != ord("\t")) & (data != ord("\n")) & (data != ord("\r"))
    if control.any():
        return False
    cr = np.flatnonzero(data == ord("\r"))
    if cr.size and (cr[-1] + 1 >= data.size or (data[cr + 1] != ord("\n")).any()):
        return False
    try:
        raw.decode(UTF8)
    except UnicodeDecodeError:
        return False
    if data[-1] != ord("\n"):
        data = np.append(data, np.uint8(ord("\n")))
    ends = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1))
    per_line = np.add.reduceat(data == ord(","), starts, dtype=np.int64)
    length = ends - starts - (data[np.maximum(ends - 1, 0)] == ord("\r"))
    return bool((length > 0).all() and (per_line == per_line[0]).all())


def read_frame(path: str | Path) -> pl.DataFrame:
    """Read an acta CSV (one that :func:`use_columnar` accepts) as text columns, header
    stripped, for the vectorised importer."""
    frame = pl.read_csv(path, infer_schema=False, quote_char=None)
    first = frame.columns[0]
    renames = {c: c.strip(BLANKS) for c in frame.columns}
    renames[first] = first.lstrip("\ufeff").strip(BLANKS)
    return frame.rename(renames)


class RowParser:
    """Turns the cells of one CSV row into a :class:`RawActa`, for a given header."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.width = len(header)
        self.pos = {name: i for i, name in enumerate(header)}
        self.option_cols = [(i, name) for i, name in enumerate(header) if name not in FIXED_COLUMNS]
        self.ends_in_text = header[-1] in TEXT_COLUMNS

    def _cell(self, row: list[str], name: str) -> str | None:
        i = self.pos.get(name)
        if i is None:
            return None
        return row[i].strip(BLANKS) or None

    def parse(self, row: list[str], line: int, unterminated: bool = False) -> ReadRow:
        """The row as a raw acta, or the issue when its field count is wrong.

        ``unterminated``: this is the file's last line and no newline follows it.
        """
        if len(row) != self.width:
            message = f"expected {self.width} fields as in the header, got {len(row)}"
            if unterminated:
                message = f"{TRUNCATED}: {message}"
            return ReadRow(line, None, Issue(message, code="bad_row"))
        if unterminated and self.ends_in_text:
            message = (
                f"{TRUNCATED}: its last column '{self.header[-1]}' is text, so a cut value "
                "cannot be told from a whole one; end the file with a newline"
            )
            return ReadRow(line, None, Issue(message, self.header[-1], code="truncated"))
        votes: dict[str, RawCount] = {name: row[i] for i, name in self.option_cols}
        cell = self._cell
        return ReadRow(
            line,
            RawActa(
                unit=cell(row, "unit"),
                contest=cell(row, "contest"),
                source=cell(row, "source"),
                received_at=cell(row, "received_at"),
                voters=cell(row, "voters"),
                null=cell(row, "null"),
                blank=cell(row, "blank"),
                votes=votes,
            ),
            unterminated=unterminated,
        )


def row_from_values(
    columns: list[str], values: tuple[object, ...], line: int, unterminated: bool = False
) -> ReadRow:
    """Build the row reader's :class:`ReadRow` from one row of a frame."""
    cells = ["" if v is None else str(v) for v in values]
    return RowParser(columns).parse(cells, line, unterminated)


def _csv_problem(exc: csv.Error) -> str:
    """What a CSV syntax error means, in the words of this file format."""
    if "new-line character" in str(exc):
        return "a carriage return (CR) inside a line, outside quotes: not a CSV row"
    return f"unreadable row: {exc}"


def check_header(path: Path, header: list[str] | None) -> list[str]:
    """The header's column names (stripped); :class:`InputError` for a missing header, an
    unnamed or duplicated column, or missing required columns."""

    def error(message: str) -> InputError:
        return InputError([Issue(message, file=str(path), line=1, code="bad_header")])

    if not header:
        raise error("expected a header row (unit, contest, voters, null, one column per option)")
    names = [h.strip(BLANKS) for h in header]
    seen: dict[str, int] = {}
    for k, name in enumerate(names, start=1):
        if not name:
            raise error(f"column {k} of the header has no name")
        if name in seen:
            raise error(
                f"column {shown(name)} appears more than once in the header "
                f"(columns {seen[name]} and {k})"
            )
        seen[name] = k
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise error(
            f"missing column(s) {', '.join(missing)}; an acta CSV needs "
            f"{', '.join(REQUIRED_COLUMNS)} and one column per ballot option"
        )
    return names


def _header_of(path: Path, decoded: Decoded) -> list[str]:
    if 1 in decoded.bad:
        raise InputError([Issue(decoded.bad[1], file=str(path), line=1, code="encoding")])
    first = decoded.lines[0] if decoded.lines else ""
    try:
        header = next(csv.reader([first]), None)
    except csv.Error as exc:
        raise InputError(
            [Issue(f"unreadable header: {_csv_problem(exc)}", file=str(path), line=1)]
        ) from None
    return check_header(path, header)


def check_csv_header(path: str | Path, encoding: str | None = None) -> list[str]:
    """Check an acta CSV's header (raises :class:`InputError`) and return its columns."""
    path = Path(path)
    if not path.is_file():
        raise missing_file(path)
    codec = codec_name(encoding)
    try:
        with path.open("rb") as fh:
            first = fh.readline()
    except OSError as exc:
        raise InputError([Issue(f"cannot read: {exc.strerror}", file=str(path))]) from None
    bom = len(codecs.BOM_UTF8) if codec == UTF8 and first.startswith(codecs.BOM_UTF8) else 0
    try:
        line = first[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        message = undecodable(codec, bom + exc.start, first[bom + exc.start])
        raise InputError([Issue(message, file=str(path), line=1, code="encoding")]) from None
    return _header_of(path, Decoded([line], {}, True))


def _read_csv(path: Path, decoded: Decoded) -> Iterator[ReadRow]:
    """Check the header now (raising :class:`InputError`); the rows come lazily."""
    return _csv_rows(decoded, RowParser(_header_of(path, decoded)))


def _csv_rows(decoded: Decoded, parser: RowParser) -> Iterator[ReadRow]:
    lines = decoded.lines
    last = len(lines)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, sum(map(len, lines)) + 1))  # no cell is too long to read
    try:
        reader = csv.reader(iter(lines[1:]))
        start = 2
        while True:
            try:
                row = next(reader, None)
            except csv.Error as exc:
                yield ReadRow(start, None, Issue(_csv_problem(exc), code="bad_row"))
                start = reader.line_num + 2
                continue
            if row is None:
                break
            end = reader.line_num + 1
            bad = [n for n in range(start, end + 1) if n in decoded.bad]
            if bad:
                yield ReadRow(start, None, Issue(decoded.bad[bad[0]], code="encoding"))
            elif row:
                yield parser.parse(row, start, not decoded.terminated and end == last)
            start = end + 1
    finally:
        csv.field_size_limit(limit)


def write_actas_csv(path: Path, option_ids: list[str], rows: list[dict[str, object]]) -> None:
    """Write actas (dicts with the fixed columns and option ids) in the CSV layout read here."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*FIXED_COLUMNS, *option_ids])
        for r in rows:
            w.writerow(
                [
                    r.get(c, "") if r.get(c) is not None else ""
                    for c in (*FIXED_COLUMNS, *option_ids)
                ]
            )
