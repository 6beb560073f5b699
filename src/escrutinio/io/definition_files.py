"""Read an election definition: a YAML or TOML file, with regions and units as CSV beside it."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError

from escrutinio.io.config_text import (
    MAX_CONFIG_BYTES,
    MAX_TABLE_BYTES,
    decode_utf8,
    inside,
    parse_toml,
    parse_yaml,
    read_bounded,
    read_utf8,
)
from escrutinio.model.definition import (
    MAX_REGISTERED,
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitRow,
    UnitTable,
    build_definition,
    with_units,
)
from escrutinio.model.errors import DefinitionError, InputError, Issue
from escrutinio.model.text import ID_MAX_LENGTH, ID_PATTERN, shown, text_problem

REGION_COLUMNS = ("id", "name", "level", "parent")
UNIT_COLUMNS = ("id", "region", "registered")
UNIT_KEYS = (*UNIT_COLUMNS, "contests")
_MAX_FAST_COLUMNS = 32  # a wider units file is odd: the row reader takes it
MAX_PATH_CHARS = 1024
"""The longest path of a regions or units CSV file named in a definition."""
MAX_CELL_CHARS = 131_072
"""The longest cell of a regions or units CSV file (Python's ``csv`` module's own limit)."""


def load_definition(path: str | Path) -> Definition:
    """Load and validate a definition file (``.yaml``/``.yml`` or ``.toml``).

    ``regions`` and ``units`` may be inline lists or paths to CSV files relative to
    the definition file. Raises :class:`DefinitionError` with file, line and field.
    """
    path = Path(path)
    doc = _read_document(path)
    regions_spec = doc.pop("regions", [])
    units_spec = doc.pop("units", [])
    try:
        meta = DefinitionMeta.model_validate(doc)
    except ValidationError as exc:
        raise DefinitionError(validation_issues(exc, str(path))) from None
    regions_file, region_rows = _regions(path, regions_spec)
    fast = _with_unit_columns(path, meta, region_rows, regions_file, units_spec)
    if fast is not None:
        return fast
    units_file, unit_rows = _units(path, units_spec)
    return build_definition(
        meta,
        region_rows,
        unit_rows,
        meta_file=str(path),
        regions_file=regions_file,
        units_file=units_file,
    )


def validation_issues(exc: ValidationError, file: str) -> list[Issue]:
    """Pydantic's errors as issues naming the file and the field (inputs shown cut short)."""
    issues = []
    for err in exc.errors():
        message = err["msg"]
        if err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        elif "input" in err:
            message = f"{message} (got {shown(_cut_repr(err['input']))})"
        field = ".".join(str(p) for p in err["loc"])
        if text_problem(field) is not None or len(field) > 200:
            field = shown(field)
        issues.append(Issue(message, field=field or None, file=file))
    return issues


def _cut_repr(value: object) -> str:
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


def _with_unit_columns(
    path: Path,
    meta: DefinitionMeta,
    region_rows: list[RegionRow],
    regions_file: str | None,
    units_spec: Any,
) -> Definition | None:
    """The definition built with its units CSV read column-wise, or ``None`` when anything
    is wrong (the row-by-row path then reports every problem of every file at once)."""
    if not isinstance(units_spec, str):
        return None
    try:
        units_path = _table_path(path, units_spec, "units")
        base = build_definition(
            meta, region_rows, [], meta_file=str(path), regions_file=regions_file
        )
        table = _unit_columns(units_path, base)
        return None if table is None else with_units(meta, base.regions, table, str(units_path))
    except (InputError, pl.exceptions.PolarsError):
        return None


def _unit_columns(path: Path, base: Definition) -> UnitTable | None:
    """The polling units of a units CSV read column-wise (Polars), when every row passes
    the checks of :func:`build_definition`: identifier pattern, unique ids, a defined
    region, registered electors a non-negative integer, defined contests. ``None`` sends the
    file through the row-by-row reader, the single source of error messages (file, line,
    field); a national list has a million rows, which that reader takes seconds over."""
    try:
        data = _read_table_bytes(path)
        if b"\r" in data.replace(b"\r\n", b""):
            return None  # a lone CR ends a record for the row reader, not for Polars
        text = decode_utf8(data, str(path), DefinitionError)
        header = _header(text)
        if len(header) > _MAX_FAST_COLUMNS:
            return None
        frame = pl.read_csv(data, infer_schema=False, encoding="utf8").fill_null("")
        frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
        if frame.columns != header or any(c not in frame.columns for c in UNIT_COLUMNS):
            return None  # duplicated or odd header cells: the row path names them
        if b'"' in data and not _same_records(frame, text):
            return None
    except (pl.exceptions.PolarsError, InputError, csv.Error):
        return None
    if (
        frame.height
        and frame.select(pl.max_horizontal(pl.col(c).str.len_chars().max() for c in header)).item()
        > MAX_CELL_CHARS
    ):
        return None
    # ASCII whitespace only: a cell Python's str.strip() would trim further fails a check
    # below and goes through the row path, so both paths always read the same values
    frame = frame.with_columns(pl.col(c).str.strip_chars(" \t\r\n") for c in frame.columns)
    ids, regions = frame["id"], frame["region"]
    region = regions.replace_strict(base.regions.index, default=-1, return_dtype=pl.Int32)
    registered = frame["registered"].cast(pl.Int64, strict=False)
    if (
        not ids.str.contains(ID_PATTERN).all()
        or (ids.str.len_chars() > ID_MAX_LENGTH).any()
        or ids.is_duplicated().any()
        or (region < 0).any()
        or not frame["registered"].str.contains(r"^[0-9]+$").all()
        or registered.is_null().any()
        or (registered > MAX_REGISTERED).any()
    ):
        return None
    explicit: dict[int, frozenset[str]] = {}
    if "contests" in frame.columns:
        cells = frame["contests"]
        listed_cells = cells.to_list()
        for row in (cells != "").arg_true().to_list():
            listed = frozenset(c.strip() for c in listed_cells[row].split(";") if c.strip())
            if not listed <= base.contests.keys():
                return None
            if listed:
                explicit[row] = listed
    unit_ids: list[str] = ids.to_list()
    return UnitTable(
        ids=unit_ids,
        region=region.to_numpy().astype(np.int32),
        registered=registered.to_numpy().astype(np.int64),
        explicit_contests=explicit,
        index=dict(zip(unit_ids, range(len(unit_ids)), strict=True)),
    )


def _read_document(path: Path) -> dict[str, Any]:
    text = read_utf8(path, MAX_CONFIG_BYTES, DefinitionError)
    if path.suffix.lower() == ".toml":
        doc = parse_toml(text, str(path), DefinitionError)
    else:
        doc = parse_yaml(text, str(path), DefinitionError)
    if not isinstance(doc, dict):
        raise DefinitionError([Issue("expected a mapping at the top level", file=str(path))])
    bad_keys = [k for k in doc if not isinstance(k, str)]
    if bad_keys:
        raise DefinitionError(
            [Issue(f"keys must be text, got {shown(_cut_repr(bad_keys[0]))}", file=str(path))]
        )
    return doc


def _table_path(base: Path, spec: str, what: str) -> Path:
    """The CSV file ``spec`` names, relative to the definition file and inside its folder."""
    if not spec.strip():
        raise DefinitionError(
            [Issue(f"expected a list of {what} or the path of a CSV file", what, str(base))]
        )
    if len(spec) > MAX_PATH_CHARS or "\x00" in spec:
        raise DefinitionError([Issue(f"{shown(spec)} is not a usable file name", what, str(base))])
    file = base.parent / spec
    if not inside(file, base.parent):
        raise DefinitionError(
            [Issue(f"{shown(spec)} lies outside the definition's folder", what, str(base))]
        )
    return file


def _read_table_bytes(path: Path) -> bytes:
    """The bytes of a regions or units CSV file, at most :data:`MAX_TABLE_BYTES`."""
    return read_bounded(path, MAX_TABLE_BYTES, DefinitionError)


def _same_records(frame: pl.DataFrame, text: str) -> bool:
    """True when Polars split a file with quotes into exactly the records and cells of the
    row reader (which reads a quote inside an unquoted cell as a character)."""
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r][1:]
    if len(records) != frame.height:
        return False
    for i, column in enumerate(frame.columns):
        cells = [r[i] if i < len(r) else "" for r in records]
        if frame[column].to_list() != cells:
            return False
    return True


def _header(text: str) -> list[str]:
    """The header cells of CSV ``text`` as the row reader reads them."""
    return next(csv.reader(io.StringIO(text, newline="")), [])


def _csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line, cells by column) of every non-empty record; raises :class:`DefinitionError`
    naming the line for a bad header, a record with more cells than the header, a cell
    longer than :data:`MAX_CELL_CHARS`, or bytes that are not UTF-8."""
    file = str(path)
    text = decode_utf8(_read_table_bytes(path), file, DefinitionError)
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


def _regions(base: Path, spec: Any) -> tuple[str | None, list[RegionRow]]:
    if isinstance(spec, str):
        file = _table_path(base, spec, "regions")
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
                f"unknown key {shown(_cut_repr(unknown[0]))}; expected {', '.join(keys)}",
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
                Issue(f"expected text or a number, got {_cut_repr(value)}", f"{where}.{key}", file)
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


def _units(base: Path, spec: Any) -> tuple[str | None, list[UnitRow]]:
    issues: list[Issue] = []
    rows: list[UnitRow] = []
    if isinstance(spec, str):
        file = _table_path(base, spec, "units")
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


def write_units_csv(path: Path, rows: list[UnitRow]) -> None:
    """Write polling units in the CSV layout :func:`load_definition` reads."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*UNIT_COLUMNS, "contests"])
        for u in rows:
            w.writerow([u.id, u.region, u.registered, ";".join(u.contests)])


def write_regions_csv(path: Path, rows: list[RegionRow]) -> None:
    """Write regions in the CSV layout :func:`load_definition` reads."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(REGION_COLUMNS)
        for r in rows:
            w.writerow([r.id, r.name, r.level, r.parent or ""])
