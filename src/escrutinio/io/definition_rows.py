"""Read the regions and polling units of a definition row by row: from CSV files beside the
definition (bounded, UTF-8, one issue per bad record naming its line) or inline lists.

This reader is the single source of error messages for these tables; the column-wise reader
of :mod:`escrutinio.io.unit_columns` only ever takes files this reader would accept.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from escrutinio.io.config_text import MAX_TABLE_BYTES, decode_utf8, inside, read_bounded
from escrutinio.model.definition import MAX_REGISTERED, RegionRow, UnitRow
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.model.text import shown, text_problem

REGION_COLUMNS = ("id", "name", "level", "parent")
UNIT_COLUMNS = ("id", "region", "registered")
UNIT_KEYS = (*UNIT_COLUMNS, "contests")
MAX_PATH_CHARS = 1024
"""The longest path of a regions or units CSV file named in a definition."""
MAX_CELL_CHARS = 131_072
"""The longest cell of a regions or units CSV file (Python's ``csv`` module's own limit)."""


def cut_repr(value: object) -> str:
    """A short text for an input of any size or depth (never a huge ``repr``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    try:
        text = repr(value)
    except ValueError:  # an integer of thousands of digits
        return "a very long number"
    return text


def table_path(base: Path, spec: str, what: str) -> Path:
    """The CSV file ``spec`` names, relative to the definition file and inside its folder."""
    if not spec.strip():
        raise DefinitionError(
            [Issue(f"expected a list of {what} or the path of a CSV file", what, str(base))]
        )
    if len(spec) > MAX_PATH_CHARS or text_problem(spec) is not None:
        raise DefinitionError([Issue(f"{shown(spec)} is not a usable file name", what, str(base))])
    file = base.parent / spec
    if not inside(file, base.parent):
        raise DefinitionError(
            [Issue(f"{shown(spec)} lies outside the definition's folder", what, str(base))]
        )
    return file


def read_table_bytes(path: Path) -> bytes:
    """The bytes of a regions or units CSV file, at most :data:`MAX_TABLE_BYTES`."""
    return read_bounded(path, MAX_TABLE_BYTES, DefinitionError)


def header_cells(text: str) -> list[str]:
    """The header cells of CSV ``text`` as the row reader reads them."""
    return next(csv.reader(io.StringIO(text, newline="")), [])


def _csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line, cells by column) of every non-empty record; raises :class:`DefinitionError`
    naming the line for a bad header, a record with more cells than the header, a cell
    longer than :data:`MAX_CELL_CHARS`, or bytes that are not UTF-8."""
    file = str(path)
    text = decode_utf8(read_table_bytes(path), file, DefinitionError)
    reader = csv.reader(io.StringIO(text, newline=""))
    issues: list[Issue] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = next(reader, [])
        _check_header(header, required, file)
        for row in reader:  # a dict per row, as csv.DictReader gives, without its overhead
            if len(row) > len(header):
                issues.append(
                    Issue(
                        f"expected at most {len(header)} fields as in the header, got {len(row)}",
                        file=file,
                        line=reader.line_num,
                    )
                )
            elif row:
                rows.append((reader.line_num, dict(zip(header, row, strict=False))))
    except csv.Error as exc:
        issues.append(Issue(_csv_problem(exc), file=file, line=max(1, reader.line_num)))
    if issues:
        raise DefinitionError(issues)
    return rows


def _check_header(header: list[str], required: tuple[str, ...], file: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise DefinitionError(
            [
                Issue(
                    f"missing column(s) {', '.join(missing)}; expected at least "
                    f"{', '.join(required)}",
                    file=file,
                    line=1,
                )
            ]
        )
    repeated = sorted(shown(c) for c, n in Counter(header).items() if n > 1)
    if repeated:
        raise DefinitionError(
            [Issue(f"duplicated column(s) {', '.join(repeated[:5])}", file=file, line=1)]
        )


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {MAX_CELL_CHARS:,} characters"
    return f"not a valid CSV record: {exc}"


def read_regions(base: Path, spec: Any) -> tuple[str | None, list[RegionRow]]:
    if isinstance(spec, str):
        file = table_path(base, spec, "regions")
        rows = [
            RegionRow(
                id=(r.get("id") or "").strip(),
                name=(r.get("name") or "").strip(),
                level=(r.get("level") or "").strip(),
                parent=(r.get("parent") or "").strip() or None,
                line=line,
            )
            for line, r in _csv_rows(file, REGION_COLUMNS)
        ]
        return str(file), rows
    if not isinstance(spec, list):
        raise DefinitionError(
            [Issue("expected a list of regions or a CSV path", "regions", str(base))]
        )
    issues: list[Issue] = []
    rows = []
    for i, raw in enumerate(spec):
        entry = _inline_entry(raw, f"regions.{i}", REGION_COLUMNS, str(base), issues)
        if entry is None:
            continue
        parent = entry.get("parent")
        rows.append(
            RegionRow(
                id=str(entry.get("id", "")),
                name=str(entry.get("name", "")),
                level=str(entry.get("level", "")),
                parent=None if parent is None else str(parent),
            )
        )
    if issues:
        raise DefinitionError(issues)
    return str(base), rows


def _inline_entry(
    raw: Any, where: str, keys: tuple[str, ...], file: str, issues: list[Issue]
) -> dict[str, Any] | None:
    """An inline region or unit: a mapping of known keys to text, numbers or (for a unit's
    contests) a list of text; ``None`` after adding an issue otherwise."""
    if not isinstance(raw, dict):
        issues.append(Issue(f"expected a mapping of {', '.join(keys)}", where, file))
        return None
    unknown = [k for k in raw if k not in keys]
    if unknown:
        issues.append(
            Issue(
                f"unknown key {shown(cut_repr(unknown[0]))}; expected {', '.join(keys)}",
                where,
                file,
            )
        )
        return None
    for key, value in raw.items():
        scalar = isinstance(value, str | int) and not isinstance(value, bool)
        listed = key == "contests" and isinstance(value, list)
        if listed and all(isinstance(v, str) for v in value):
            continue
        if value is not None and not scalar:
            issues.append(
                Issue(f"expected text or a number, got {cut_repr(value)}", f"{where}.{key}", file)
            )
            return None
    return raw


def _parse_unit(
    raw: dict[str, Any], line: int | None, file: str, issues: list[Issue]
) -> UnitRow | None:
    value = raw.get("registered", "")
    registered_text = _number_text(value).strip()
    if not (registered_text.isascii() and registered_text.isdigit()):
        issues.append(
            Issue(
                f"expected a non-negative integer, got {shown(registered_text)}",
                "registered",
                file,
                line,
            )
        )
        return None
    if len(registered_text.lstrip("0")) > len(str(MAX_REGISTERED)):
        issues.append(
            Issue(
                f"registered electors must be at most {MAX_REGISTERED:,}, got a number of "
                f"{len(registered_text):,} digits",
                "registered",
                file,
                line,
            )
        )
        return None
    contests = raw.get("contests") or ()
    if isinstance(contests, int):  # a contest id YAML read as a number, e.g. 2024
        contests = str(contests)
    if isinstance(contests, str):
        contests = tuple(c.strip() for c in contests.split(";") if c.strip())
    return UnitRow(
        id=str(raw.get("id", "")).strip(),
        region=str(raw.get("region", "")).strip(),
        registered=int(registered_text),
        contests=tuple(contests),
        line=line,
    )


def _number_text(value: object) -> str:
    """``value`` as text, without ever formatting an integer of thousands of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 128:
            return "9" * 40  # refused as too large below
        return str(value)
    return str(value) if isinstance(value, str) else repr(value)


def read_units(base: Path, spec: Any) -> tuple[str | None, list[UnitRow]]:
    issues: list[Issue] = []
    rows: list[UnitRow] = []
    if isinstance(spec, str):
        file = table_path(base, spec, "units")
        for line, r in _csv_rows(file, UNIT_COLUMNS):
            unit = _parse_unit(r, line, str(file), issues)
            if unit is not None:
                rows.append(unit)
        where = str(file)
    elif isinstance(spec, list):
        where = str(base)
        for i, raw in enumerate(spec):
            entry = _inline_entry(raw, f"units.{i}", UNIT_KEYS, where, issues)
            unit = None if entry is None else _parse_unit(entry, None, where, issues)
            if unit is not None:
                rows.append(unit)
    else:
        raise DefinitionError([Issue("expected a list of units or a CSV path", "units", str(base))])
    if issues:
        raise DefinitionError(issues)
    return where, rows
