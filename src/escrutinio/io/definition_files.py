"""Read an election definition: a YAML or TOML file, with regions and units as CSV beside it.

Bounds (see :mod:`escrutinio.io.config_text`): the definition file at most 4 MiB, each CSV
file at most 512 MiB, a CSV cell at most 131,072 characters, YAML/TOML nesting at most 64
levels, no YAML aliases, registered electors at most 10^12 per polling unit. CSV files must
lie inside the definition's folder.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from escrutinio.io.config_text import MAX_CONFIG_BYTES, parse_toml, parse_yaml, read_utf8
from escrutinio.io.definition_rows import (
    REGION_COLUMNS,
    UNIT_COLUMNS,
    cut_repr,
    read_regions,
    read_units,
    table_path,
)
from escrutinio.io.unit_columns import unit_columns
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitRow,
    build_definition,
    with_units,
)
from escrutinio.model.errors import DefinitionError, InputError, Issue
from escrutinio.model.text import shown, text_problem


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
    regions_file, region_rows = read_regions(path, regions_spec)
    fast = _with_unit_columns(path, meta, region_rows, regions_file, units_spec)
    if fast is not None:
        return fast
    units_file, unit_rows = read_units(path, units_spec)
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
            message = f"{message} (got {shown(cut_repr(err['input']))})"
        field = ".".join(str(p) for p in err["loc"])
        if text_problem(field) is not None or len(field) > 200:
            field = shown(field)
        issues.append(Issue(message, field=field or None, file=file))
    return issues


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
        units_path = table_path(path, units_spec, "units")
        base = build_definition(
            meta, region_rows, [], meta_file=str(path), regions_file=regions_file
        )
        table = unit_columns(units_path, base)
        return None if table is None else with_units(meta, base.regions, table, str(units_path))
    except (InputError, pl.exceptions.PolarsError):
        return None


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
            [Issue(f"keys must be text, got {shown(cut_repr(bad_keys[0]))}", file=str(path))]
        )
    return doc


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


# The readers' former private names, kept for the tests that compare them.
_regions = read_regions
_units = read_units
_unit_columns = unit_columns
