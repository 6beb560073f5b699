"""Read actas from CSV (one row per acta, one column per ballot option) or JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.errors import InputError, Issue
from escrutinio.model.validation import RawActa, RawCount

FIXED_COLUMNS = ("unit", "contest", "source", "received_at", "voters", "null", "blank")
REQUIRED_COLUMNS = ("unit", "contest", "voters", "null")


@dataclass(frozen=True, slots=True)
class ReadRow:
    """A raw acta with the line it came from, or the issue that stopped it being read."""

    line: int
    acta: RawActa | None
    issue: Issue | None = None


def read_actas(path: str | Path) -> Iterator[ReadRow]:
    """Yield the actas of a ``.csv`` or ``.jsonl``/``.ndjson`` file with their line numbers.

    A file that cannot be read at all (missing, no header, missing required columns)
    raises :class:`InputError`; a malformed row is yielded with its issue and reading goes on.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Issue("file not found", file=str(path), code="missing")])
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(path)
    return _read_csv(path)


def count_lines(path: str | Path) -> int:
    """Number of data lines in a file (for progress bars); cheap, reads raw bytes."""
    with Path(path).open("rb") as fh:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return n


def use_columnar(path: str | Path) -> bool:
    """True for CSV files the vectorised importer reads exactly like the row reader:
    no quote characters (so no field spans lines) and the same number of fields on every
    non-empty line as in the header (checked with NumPy over the raw bytes)."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0 or (data == ord('"')).any():
        return False
    if data[-1] != ord("\n"):
        data = np.append(data, np.uint8(ord("\n")))
    ends = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1))
    per_line = np.add.reduceat(data == ord(","), starts, dtype=np.int64)
    length = ends - starts - (data[np.maximum(ends - 1, 0)] == ord("\r"))
    non_empty = length > 0
    return bool((per_line[non_empty] == per_line[0]).all())


def read_frame(path: str | Path) -> pl.DataFrame:
    """Read an acta CSV as text columns (header stripped) for the vectorised importer."""
    frame = pl.read_csv(
        path,
        infer_schema=False,
        encoding="utf8-lossy",
        quote_char=None,
    )
    first = frame.columns[0]
    renames = {c: c.strip() for c in frame.columns}
    renames[first] = first.lstrip("\ufeff").strip()
    return frame.rename(renames)


class RowParser:
    """Turns the cells of one CSV row into a :class:`RawActa`, for a given header."""

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        self.pos = {name: i for i, name in enumerate(header)}
        self.option_cols = [(i, name) for i, name in enumerate(header) if name not in FIXED_COLUMNS]

    def _cell(self, row: list[str], name: str) -> str | None:
        i = self.pos.get(name)
        if i is None:
            return None
        return row[i].strip() or None

    def parse(self, row: list[str], line: int) -> ReadRow:
        """The row as a raw acta, or the issue when its field count is wrong."""
        if len(row) != self.width:
            issue = Issue(
                f"expected {self.width} fields as in the header, got {len(row)}", code="bad_row"
            )
            return ReadRow(line, None, issue)
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
        )


def row_from_values(columns: list[str], values: tuple[object, ...], line: int) -> ReadRow:
    """Build the row reader's :class:`ReadRow` from one row of a frame."""
    return RowParser(columns).parse(["" if v is None else str(v) for v in values], line)


def _check_header(path: Path, header: list[str] | None) -> None:
    """Raise :class:`InputError` for a missing header or missing required columns."""
    if header is None:
        raise InputError([Issue("empty file: expected a header row", file=str(path), line=1)])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [
                Issue(
                    f"missing column(s) {', '.join(missing)}; an acta CSV needs "
                    f"{', '.join(REQUIRED_COLUMNS)} and one column per ballot option",
                    file=str(path),
                    line=1,
                )
            ]
        )


def check_csv_header(path: str | Path) -> None:
    """Check an acta CSV's header without reading its rows (raises :class:`InputError`)."""
    path = Path(path)
    if not path.exists():
        raise InputError([Issue("file not found", file=str(path), code="missing")])
    with path.open(newline="", encoding="utf-8-sig") as fh:
        first = next(csv.reader(fh), None)
    _check_header(path, None if first is None else [h.strip() for h in first])


def _read_csv(path: Path) -> Iterator[ReadRow]:
    fh = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(fh)
    first = next(reader, None)
    header = None if first is None else [h.strip() for h in first]
    try:
        _check_header(path, header)
    except InputError:
        fh.close()
        raise
    assert header is not None
    return _csv_rows(fh, reader, header)


def _csv_rows(fh: object, reader: Any, header: list[str]) -> Iterator[ReadRow]:
    parser = RowParser(header)
    try:
        for row in reader:
            if row:
                yield parser.parse(row, reader.line_num)
    finally:
        close = getattr(fh, "close", None)
        if close is not None:
            close()


def _read_jsonl(path: Path) -> Iterator[ReadRow]:
    with path.open(encoding="utf-8-sig") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield ReadRow(line, None, Issue(f"not valid JSON: {exc.msg}", code="bad_row"))
                continue
            if not isinstance(obj, dict):
                yield ReadRow(line, None, Issue("expected a JSON object", code="bad_row"))
                continue
            votes = obj.get("votes")
            if not isinstance(votes, dict):
                yield ReadRow(
                    line,
                    None,
                    Issue(
                        "expected 'votes' to be an object of option → count",
                        "votes",
                        code="missing",
                    ),
                )
                continue

            def text_or_none(key: str, o: dict[str, object] = obj) -> str | None:
                v = o.get(key)
                return None if v is None else str(v)

            def count(key: str, o: dict[str, object] = obj) -> RawCount:
                v = o.get(key)
                if v is None or isinstance(v, str | int):
                    return v
                return repr(v)

            yield ReadRow(
                line,
                RawActa(
                    unit=text_or_none("unit"),
                    contest=text_or_none("contest"),
                    source=text_or_none("source"),
                    received_at=text_or_none("received_at"),
                    voters=count("voters"),
                    null=count("null"),
                    blank=count("blank"),
                    votes={
                        str(k): (v if isinstance(v, str | int) or v is None else repr(v))
                        for k, v in votes.items()
                    },
                ),
            )


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
