"""Per-unit frames: one row per counted unit of a contest, the input of forensics and of
reconciliation."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.packed_counts import row_width, unpack_matrix
from escrutinio.store import counting as store_counting
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store.store import Store


def sources(store: Store) -> list[tuple[str, int]]:
    """Every source with counting actas and how many, by name (the collections a frame can
    be taken from)."""
    return store_counting.sources(store)


def unit_frame(store: Store, contest: str, source: str | None = None) -> pl.DataFrame:
    """One row per counted unit of a contest: unit id, region names at every level,
    registered electors, voters, null, blank, votes per candidate (summed over cards) and the
    reporting order (received time, log index). Input for forensics and reconciliation."""
    definition = store_definitions.read_definition(store)
    layout = definition.layout(contest)
    rows = store_counting.counting_details(store, contest, source)
    width = row_width(len(layout.option_ids))
    units = np.array([r[0] for r in rows], dtype=np.int64)
    counts = unpack_matrix([r[1] for r in rows], width)
    per_candidate = np.zeros((len(rows), len(layout.candidate_ids)), dtype=np.int64)
    for option, candidate in enumerate(layout.option_candidate.tolist()):
        per_candidate[:, candidate] += counts[:, option]
    columns: dict[str, Any] = {"unit": [definition.units.ids[u] for u in units.tolist()]}
    for level in definition.region_levels:
        at_level = definition.unit_regions_at(level)[units] if len(units) else units
        columns[level] = [
            definition.regions.names[r] if r >= 0 else None for r in at_level.tolist()
        ]
    columns["registered"] = definition.units.registered[units] if len(units) else units
    k = len(layout.option_ids)
    columns["null"] = counts[:, k]
    columns["blank"] = counts[:, k + 1]
    columns["voters"] = counts[:, k + 2]
    for j, candidate in enumerate(layout.candidate_ids):
        columns[candidate] = per_candidate[:, j]
    columns["received_at"] = [r[2] for r in rows]
    columns["log_idx"] = [r[3] for r in rows]
    return pl.DataFrame(columns)


def rejected_frame(store: Store) -> pl.DataFrame:
    """The rows rejected at intake and kept (see :mod:`escrutinio.io.rejected_rows`): file,
    line, issues (``field: message`` joined by ``; ``) and the line's text, in import order."""
    rows = store_intake.rejected(store)
    issues = [
        "; ".join(
            f"{i['field']}: {i['message']}" if i.get("field") else str(i["message"])
            for i in json.loads(text)
        )
        for _, _, text, _ in rows
    ]
    return pl.DataFrame(
        {
            "file": [r[0] for r in rows],
            "line": [r[1] for r in rows],
            "issues": issues,
            "raw": [r[3] for r in rows],
        },
        schema={"file": pl.String, "line": pl.Int64, "issues": pl.String, "raw": pl.String},
    )
