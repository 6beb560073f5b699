"""Read actas from CSV (one row per acta, one column per ballot option) or JSON Lines.

Both readers decode the whole file first (UTF-8 with or without a byte-order mark, or an
explicit encoding), so a line that is not valid in that encoding is reported with its line
and byte offset and the other lines are still read. Every malformed row becomes a
:class:`ReadRow` with its issues; only a file that cannot be read at all (missing, no
header, a duplicated or missing column) raises :class:`InputError`.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import shown
from escrutinio.model.validation import INT64_MAX, RawActa, RawCount

FIXED_COLUMNS = ("unit", "contest", "source", "received_at", "voters", "null", "blank")
REQUIRED_COLUMNS = ("unit", "contest", "voters", "null")
TEXT_COLUMNS = ("unit", "contest", "source", "received_at")
JSON_KEYS = (*FIXED_COLUMNS, "votes")
BLANKS = " \t"
"""What is stripped around a cell (never a newline or another control character)."""

TRUNCATED = "possibly truncated (no final newline)"
UTF8 = "utf-8"


@dataclass(frozen=True, slots=True)
class ReadRow:
    """A raw acta with the line it came from, or the issue(s) that stopped it being read.

    ``unterminated`` marks the file's last line when the file does not end in a newline:
    it is accepted only if its counts add up exactly (see :func:`truncation_issue`).
    """

    line: int
    acta: RawActa | None
    issue: Issue | None = None
    more: tuple[Issue, ...] = ()
    unterminated: bool = False

    @property
    def issues(self) -> list[Issue]:
        """Every issue found while reading the row (empty when it was read)."""
        return ([self.issue] if self.issue is not None else []) + list(self.more)


def _missing(path: Path) -> InputError:
    what = "not a file" if path.exists() else "file not found"
    return InputError([Issue(what, file=str(path), code="missing")])


def _codec(encoding: str | None) -> str:
    """The canonical name of ``encoding`` (default UTF-8); InputError when unknown."""
    try:
        return codecs.lookup(encoding or UTF8).name
    except LookupError:
        raise InputError([Issue(f"unknown encoding {shown(encoding or '')}")]) from None


def _undecodable(codec: str, offset: int, byte: int) -> str:
    """The message for a byte that is not valid in the file's encoding."""
    name = "UTF-8" if codec == UTF8 else codec
    return (
        f"not valid {name} at byte offset {offset} (byte 0x{byte:02X}); save the file as "
        "UTF-8 or give its encoding (e.g. --encoding latin-1)"
    )


@dataclass
class Decoded:
    """A file's physical lines (each with its ``\\n`` but the last when the file does not
    end in one) and the lines that were not valid in its encoding (line → message)."""

    lines: list[str]
    bad: dict[int, str]
    terminated: bool


def decode_file(path: str | Path, encoding: str | None = None) -> Decoded:
    """Read and decode a whole file; lines that do not decode are kept (with U+FFFD) and
    reported in ``bad`` with their byte offset."""
    path = Path(path)
    if not path.is_file():
        raise _missing(path)
    codec = _codec(encoding)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Issue(f"cannot read: {exc.strerror}", file=str(path))]) from None
    bom = len(codecs.BOM_UTF8) if codec == UTF8 and raw.startswith(codecs.BOM_UTF8) else 0
    raw = raw[bom:]
    bad: dict[int, str] = {}
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        if "\n".encode(codec) != b"\n":
            raise InputError(
                [Issue(f"not valid {codec} at byte offset {exc.start}", file=str(path))]
            ) from None
        parts: list[str] = []
        offset = bom
        for number, chunk in enumerate(raw.split(b"\n"), start=1):
            try:
                parts.append(chunk.decode(codec))
            except UnicodeDecodeError as err:
                bad[number] = _undecodable(codec, offset + err.start, chunk[err.start])
                parts.append(chunk.decode(codec, errors="replace"))
            offset += len(chunk) + 1
        text = "\n".join(parts)
    pieces = text.split("\n")
    lines = [p + "\n" for p in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return Decoded(lines, bad, terminated=pieces[-1] == "")


def read_actas(path: str | Path, encoding: str | None = None) -> Iterator[ReadRow]:
    """Yield the actas of a ``.csv`` or ``.jsonl``/``.ndjson`` file with their line numbers.

    A file that cannot be read at all (missing, no header, missing or duplicated columns)
    raises :class:`InputError`; a malformed row is yielded with its issue and reading goes on.
    """
    path = Path(path)
    decoded = decode_file(path, encoding)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(decoded)
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
    if path.suffix.lower() != ".csv" or not path.is_file() or _codec(encoding) != UTF8:
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
        raise _missing(path)
    codec = _codec(encoding)
    try:
        with path.open("rb") as fh:
            first = fh.readline()
    except OSError as exc:
        raise InputError([Issue(f"cannot read: {exc.strerror}", file=str(path))]) from None
    bom = len(codecs.BOM_UTF8) if codec == UTF8 and first.startswith(codecs.BOM_UTF8) else 0
    try:
        line = first[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        message = _undecodable(codec, bom + exc.start, first[bom + exc.start])
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


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _integer(text: str) -> int:
    """A JSON integer; one too long to be a count becomes 2**63 (reported as too large)."""
    return int(text) if len(text) <= 20 else INT64_MAX + 1


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_line(text: str) -> Any:
    """Parse one JSON Lines row: duplicated keys, NaN/Infinity and huge numbers refused."""
    return json.loads(text, object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)


def _json_shown(value: Any) -> str:
    """A JSON value for a message, without walking into arrays or objects."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:60]  # a number: its digits (integers are at most 20 of them here)


def _json_count(value: Any, field: str, issues: list[Issue]) -> RawCount:
    """A count as read from JSON: an integer, null, or an issue (text, a fraction, ...)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        got = f"the text {shown(value)} (write numbers without quotes)"
    else:
        got = _json_shown(value)
    issues.append(Issue(f"expected a non-negative integer, got {got}", field, code="not_integer"))
    return None


def _json_text(value: Any, field: str, issues: list[Issue]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    issues.append(Issue(f"expected text, got {_json_shown(value)}", field, code="invalid"))
    return None


def _json_row(obj: Any, line: int) -> ReadRow:
    if not isinstance(obj, dict):
        return ReadRow(line, None, Issue("expected a JSON object", code="bad_row"))
    issues: list[Issue] = [
        Issue(
            f"unknown key {shown(key)}; an acta object has the keys {', '.join(JSON_KEYS)}",
            key,
            code="unknown_key",
        )
        for key in obj
        if key not in JSON_KEYS
    ]
    votes = obj.get("votes")
    if not isinstance(votes, dict):
        issues.append(
            Issue("expected 'votes' to be an object of option → count", "votes", code="missing")
        )
        votes = {}
    acta = RawActa(
        unit=_json_text(obj.get("unit"), "unit", issues),
        contest=_json_text(obj.get("contest"), "contest", issues),
        source=_json_text(obj.get("source"), "source", issues),
        received_at=_json_text(obj.get("received_at"), "received_at", issues),
        voters=_json_count(obj.get("voters"), "voters", issues),
        null=_json_count(obj.get("null"), "null", issues),
        blank=_json_count(obj.get("blank"), "blank", issues),
        votes={k: _json_count(v, k, issues) for k, v in votes.items()},
    )
    if issues:
        return ReadRow(line, None, issues[0], tuple(issues[1:]))
    return ReadRow(line, acta)


def _read_jsonl(decoded: Decoded) -> Iterator[ReadRow]:
    last = len(decoded.lines)
    for line, text in enumerate(decoded.lines, start=1):
        if line in decoded.bad:
            yield ReadRow(line, None, Issue(decoded.bad[line], code="encoding"))
            continue
        if not text.strip():
            continue
        try:
            obj = parse_json_line(text)
        except _DuplicateKey as exc:
            issue = Issue(
                f"key {shown(exc.key)} appears more than once in this object",
                exc.key,
                code="duplicate_key",
            )
            yield ReadRow(line, None, issue)
            continue
        except RecursionError:
            yield ReadRow(line, None, Issue("JSON nested too deeply", code="bad_row"))
            continue
        except ValueError as exc:
            message = f"not valid JSON: {getattr(exc, 'msg', str(exc))}"
            if not decoded.terminated and line == last:
                message = f"{TRUNCATED}: {message}"
            yield ReadRow(line, None, Issue(message, code="bad_row"))
            continue
        yield _json_row(obj, line)


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
