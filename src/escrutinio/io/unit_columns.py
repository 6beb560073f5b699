"""Read a polling-units CSV file column-wise (Polars): a national register of a million units
loads in a second, where the row reader takes several.

The result is used only when every row passes the checks of ``build_definition`` and Polars
split the file exactly as the row reader does; otherwise ``None`` sends the file to the row
reader (:mod:`escrutinio.io.definition_rows`), the single source of error messages.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import polars as pl

from escrutinio.io.config_text import decode_utf8
from escrutinio.io.definition_rows import (
    MAX_CELL_CHARS,
    UNIT_COLUMNS,
    header_cells,
    read_table_bytes,
)
from escrutinio.model.definition import MAX_REGISTERED, Definition, UnitTable
from escrutinio.model.errors import DefinitionError, InputError
from escrutinio.model.text import ID_MAX_LENGTH, ID_PATTERN

_MAX_FAST_COLUMNS = 32  # a wider units file is odd: the row reader takes it


def unit_columns(path: Path, base: Definition) -> UnitTable | None:
    """The polling units of a units CSV read column-wise (Polars), when every row passes
    the checks of :func:`build_definition`: identifier pattern, unique ids, a defined
    region, registered electors a non-negative integer, defined contests. ``None`` sends the
    file through the row-by-row reader, the single source of error messages (file, line,
    field); a national list has a million rows, which that reader takes seconds over."""
    try:
        data = read_table_bytes(path)
        if b"\r" in data.replace(b"\r\n", b""):
            return None  # a lone CR ends a record for the row reader, not for Polars
        text = decode_utf8(data, str(path), DefinitionError)
        header = header_cells(text)
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
