"""The election definition rebuilt from its three published files and checked against its leaf.

Metadata and regions go through `escrutinio.model` (`DefinitionMeta`, `build_definition`);
the polling units (up to millions) are read and validated column-wise with Polars, with the
same rules as `build_definition` (identifier pattern, unique ids, known region, registered
electors ≥ 0, known contests, explicit contests inside the contest's scope), and become the
model's `UnitTable`. The definition fingerprint (SHA-256 of the RFC 8785 canonical JSON of
the definition document) and the units/regions digests are computed from the columns: unit
ids, region ids and contest ids match the identifier pattern, so their JSON needs no escape.
Each published file must also be byte for byte the canonical rendering.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitTable,
    build_definition,
)
from escrutinio.model.text import ID_PATTERN

UNITS_HEADER = ("id", "region", "registered", "contests")
REGIONS_HEADER = ("id", "name", "level", "parent")


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """CSV bytes as the publisher writes them (``csv`` module, ``\\n`` line ends)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _regions(data: bytes) -> list[RegionRow]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    if tuple(reader.fieldnames or ()) != REGIONS_HEADER:
        raise ValueError(f"regions.csv: header is not {','.join(REGIONS_HEADER)}")
    rows: list[RegionRow] = []
    for r in reader:
        if None in r or None in r.values():  # a row with more or fewer fields than the header
            raise ValueError(
                f"regions.csv line {reader.line_num}: expected {len(REGIONS_HEADER)} fields"
            )
        rows.append(RegionRow(r["id"], r["name"], r["level"], r["parent"] or None))
    return rows


def _first(mask: pl.Series) -> int | None:
    hits = mask.fill_null(True).arg_true()
    return int(hits[0]) if hits.len() else None


def _units(data: bytes, base: Definition) -> tuple[UnitTable, pl.DataFrame]:
    """The unit table (validated column-wise) and its canonical columns."""
    frame = pl.read_csv(io.BytesIO(data), infer_schema=False).fill_null("")
    if tuple(frame.columns) != UNITS_HEADER:
        raise ValueError(f"units.csv: header is not {','.join(UNITS_HEADER)}")
    ids, regions = frame["id"], frame["region"]
    bad = _first(~ids.str.contains(ID_PATTERN))
    if bad is not None:
        raise ValueError(f"units.csv line {bad + 2}: '{ids[bad]}' is not a valid identifier")
    bad = _first(ids.is_duplicated())
    if bad is not None:
        raise ValueError(f"units.csv line {bad + 2}: duplicate polling unit id '{ids[bad]}'")
    region = regions.replace_strict(base.regions.index, default=-1, return_dtype=pl.Int32)
    bad = _first(region < 0)
    if bad is not None:
        raise ValueError(f"units.csv line {bad + 2}: region '{regions[bad]}' is not defined")
    registered = frame["registered"].cast(pl.Int64, strict=False)
    bad = _first(registered.is_null() | (registered < 0))
    if bad is not None:
        raise ValueError(f"units.csv line {bad + 2}: registered electors must be an integer >= 0")
    explicit: dict[int, frozenset[str]] = {}
    canonical = frame["contests"].to_list() if frame.height else []
    for row in (frame["contests"] != "").arg_true().to_list():
        listed = frozenset(filter(None, canonical[row].split(";")))
        unknown = sorted(listed - set(base.contests))
        if unknown:
            raise ValueError(f"units.csv line {row + 2}: contest '{unknown[0]}' is not defined")
        if listed:
            explicit[row] = listed
        canonical[row] = ";".join(sorted(listed))
    table = UnitTable(
        ids=ids.to_list(),
        region=region.to_numpy().astype(np.int32),
        registered=registered.to_numpy().astype(np.int64),
        explicit_contests=explicit,
    )
    table.index = dict(zip(table.ids, range(len(table.ids)), strict=True))
    columns = pl.DataFrame(
        {
            "id": ids,
            "region": regions,
            "registered": registered.cast(pl.String),
            "contests": pl.Series(canonical, dtype=pl.String),
        }
    )
    return table, columns


def _check_scopes(definition: Definition) -> None:
    for u, listed in definition.units.explicit_contests.items():
        for cid in sorted(listed):
            scope = definition.contests[cid].scope
            if scope is not None and not definition.region_contains(
                definition.regions.index[scope], int(definition.units.region[u])
            ):
                raise ValueError(
                    f"units.csv: unit '{definition.units.ids[u]}' lists contest '{cid}' but "
                    f"lies outside its scope '{scope}'"
                )


def _units_json(columns: pl.DataFrame) -> bytes:
    """RFC 8785 bytes of the definition document's ``units`` array."""
    if not columns.height:
        return b"[]"
    contests = (
        pl.when(pl.col("contests") == "")
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(pl.lit('"'), pl.col("contests").str.replace_all(";", '","'), pl.lit('"'))
        )
    )
    item = pl.concat_str(
        pl.lit('{"contests":['),
        contests,
        pl.lit('],"id":"'),
        pl.col("id"),
        pl.lit('","region":"'),
        pl.col("region"),
        pl.lit('","registered":'),
        pl.col("registered"),
        pl.lit("}"),
    )
    text: str = columns.select(item.str.join(",")).item()
    return b"[" + text.encode("ascii") + b"]"


def _units_csv(columns: pl.DataFrame) -> bytes:
    head = ",".join(UNITS_HEADER) + "\n"
    if not columns.height:
        return head.encode("ascii")
    body: str = columns.select(pl.concat_str(pl.all(), separator=",").str.join("\n")).item()
    return (head + body + "\n").encode("utf-8")


def rebuild_definition(files: dict[str, bytes], leaf: dict[str, Any]) -> tuple[Definition, str]:
    """The definition built from its published files, checked against its log leaf.

    Returns the definition and its fingerprint; raises `ValueError` naming what differs.
    """
    meta = DefinitionMeta.model_validate(json.loads(files["definition/election.json"]))
    base = build_definition(meta, _regions(files["definition/regions.csv"]), [])
    units, columns = _units(files["definition/units.csv"], base)
    definition = Definition(meta, base.regions, units)
    _check_scopes(definition)
    meta_doc = meta.model_dump(mode="json")
    region_doc = definition.region_documents  # the pure model's rendering of the rows
    if any(key >= "units" for key in meta_doc):
        raise ValueError("definition/election.json: unexpected top-level key")
    head = canonical_json_fast({**meta_doc, "regions": region_doc})
    units_json = _units_json(columns)
    document = head[:-1] + b',"units":' + units_json + b"}"
    fingerprint = hashlib.sha256(document).hexdigest()
    checks = {
        "fingerprint": fingerprint,
        "regions_sha256": hashlib.sha256(canonical_json_fast(region_doc)).hexdigest(),
        "units_sha256": hashlib.sha256(units_json).hexdigest(),
        "meta": meta_doc,
    }
    for key, value in checks.items():
        if leaf.get(key) != value:
            raise ValueError(f"definition files: {key} differs from the definition leaf")
    rendered = {
        "definition/election.json": canonical_json_fast(meta_doc),
        "definition/regions.csv": render_csv(
            REGIONS_HEADER,
            ([r["id"], r["name"], r["level"], r["parent"] or ""] for r in region_doc),
        ),
        "definition/units.csv": _units_csv(columns),
    }
    for path, data in rendered.items():
        if files[path] != data:
            raise ValueError(f"{path}: bytes differ from the canonical rendering")
    return definition, fingerprint
