"""Read an election definition: a YAML or TOML file, with regions and units as CSV beside it."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from pydantic import ValidationError

from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitRow,
    UnitTable,
    build_definition,
    with_units,
)
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.model.text import ID_PATTERN

REGION_COLUMNS = ("id", "name", "level", "parent")
UNIT_COLUMNS = ("id", "region", "registered")


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
        raise DefinitionError(
            [
                Issue(
                    f"{err['msg']} (got {err.get('input')!r})"
                    if err["type"] != "missing"
                    else "required field is missing",
                    field=".".join(str(p) for p in err["loc"]),
                    file=str(path),
                )
                for err in exc.errors()
            ]
        ) from None
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


def _with_unit_columns(
    path: Path,
    meta: DefinitionMeta,
    region_rows: list[RegionRow],
    regions_file: str | None,
    units_spec: Any,
) -> Definition | None:
    """The definition built with its units CSV read column-wise, or ``None`` when anything
    is wrong (the row-by-row path then reports every problem of every file at once)."""
    units_path = path.parent / units_spec if isinstance(units_spec, str) else None
    if units_path is None or not units_path.is_file():
        return None
    try:
        base = build_definition(
            meta, region_rows, [], meta_file=str(path), regions_file=regions_file
        )
        table = _unit_columns(units_path, base)
        return None if table is None else with_units(meta, base.regions, table, str(units_path))
    except DefinitionError:
        return None


def _unit_columns(path: Path, base: Definition) -> UnitTable | None:
    """The polling units of a units CSV read column-wise (Polars), when every row passes
    the checks of :func:`build_definition`: identifier pattern, unique ids, a defined
    region, registered electors a non-negative integer, defined contests. ``None`` sends the
    file through the row-by-row reader, the single source of error messages (file, line,
    field); a national list has a million rows, which that reader takes seconds over."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8").fill_null("")
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    frame = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
    if any(c not in frame.columns for c in UNIT_COLUMNS):
        return None
    # ASCII whitespace only: a cell Python's str.strip() would trim further fails a check
    # below and goes through the row path, so both paths always read the same values
    frame = frame.with_columns(pl.col(c).str.strip_chars(" \t\r\n") for c in frame.columns)
    ids, regions = frame["id"], frame["region"]
    region = regions.replace_strict(base.regions.index, default=-1, return_dtype=pl.Int32)
    registered = frame["registered"].cast(pl.Int64, strict=False)
    if (
        not ids.str.contains(ID_PATTERN).all()
        or ids.is_duplicated().any()
        or (region < 0).any()
        or not frame["registered"].str.contains(r"^[0-9]+$").all()
        or registered.is_null().any()
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
    if not path.exists():
        raise DefinitionError([Issue("file not found", file=str(path), code="missing")])
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".toml":
            doc: Any = tomllib.loads(text)
        else:
            doc = yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        line = None
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = mark.line + 1
        raise DefinitionError([Issue(f"cannot parse: {exc}", file=str(path), line=line)]) from None
    if not isinstance(doc, dict):
        raise DefinitionError([Issue("expected a mapping at the top level", file=str(path))])
    return doc


def _csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise DefinitionError([Issue("file not found", file=str(path), code="missing")])
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        missing = [c for c in required if c not in header]
        if missing:
            raise DefinitionError(
                [
                    Issue(
                        f"missing column(s) {', '.join(missing)}; expected at least "
                        f"{', '.join(required)}",
                        file=str(path),
                        line=1,
                    )
                ]
            )
        for row in reader:  # a dict per row, as csv.DictReader gives, without its overhead
            if row:
                yield reader.line_num, dict(zip(header, row, strict=False))


def _regions(base: Path, spec: Any) -> tuple[str | None, list[RegionRow]]:
    if isinstance(spec, str):
        file = base.parent / spec
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
    return str(base), [
        RegionRow(
            id=str(r.get("id", "")),
            name=str(r.get("name", "")),
            level=str(r.get("level", "")),
            parent=r.get("parent"),
        )
        for r in spec
    ]


def _parse_unit(
    raw: dict[str, Any], line: int | None, file: str, issues: list[Issue]
) -> UnitRow | None:
    registered_text = str(raw.get("registered", "")).strip()
    if not registered_text.isdigit():
        issues.append(
            Issue(
                f"expected a non-negative integer, got '{registered_text}'",
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


def _units(base: Path, spec: Any) -> tuple[str | None, list[UnitRow]]:
    issues: list[Issue] = []
    rows: list[UnitRow] = []
    if isinstance(spec, str):
        file = base.parent / spec
        for line, r in _csv_rows(file, UNIT_COLUMNS):
            unit = _parse_unit(r, line, str(file), issues)
            if unit is not None:
                rows.append(unit)
        where = str(file)
    elif isinstance(spec, list):
        where = str(base)
        for r in spec:
            unit = _parse_unit(r, None, where, issues)
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
