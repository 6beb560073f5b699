"""Operations that combine the store with the pure tally: used by the CLI and the API."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.definition import Definition
from escrutinio.store.store import Store
from escrutinio.tally import (
    ContestCounts,
    ContestResult,
    Summary,
    summarize,
    tally_contest,
    tally_regions,
)

SNAPSHOT_FORMAT = "escrutinio-bulletin/1"


def load_counts(store: Store, source: str | None = None) -> dict[str, ContestCounts]:
    """Unit-level counts of every contest from the acta versions that count for ``source``."""
    return {
        cid: ContestCounts(cid, units, counts)
        for cid, (units, counts) in store.counting_arrays(source).items()
    }


def contest_results(
    definition: Definition, counts: dict[str, ContestCounts], contests: list[str] | None = None
) -> list[ContestResult]:
    """Overall results of the given contests (default: all), in definition order."""
    chosen = contests or list(definition.contests)
    return [tally_contest(definition, counts[cid]) for cid in chosen]


def regional_results(
    definition: Definition,
    counts: dict[str, ContestCounts],
    level: str,
    contests: list[str] | None = None,
) -> list[ContestResult]:
    """Results of the given contests for every region at ``level``."""
    chosen = contests or list(definition.contests)
    out: list[ContestResult] = []
    for cid in chosen:
        out.extend(tally_regions(definition, counts[cid], level))
    return out


def election_summary(
    definition: Definition, counts: dict[str, ContestCounts], results: list[ContestResult]
) -> Summary:
    """The election-wide summary (seats, pending races, votes by alliance, turnout)."""
    return summarize(definition, results, counts.values())


def unit_frame(store: Store, contest: str, source: str | None = None) -> pl.DataFrame:
    """One row per counted unit of a contest: unit id, region names at every level,
    registered electors, voters, null, blank, votes per candidate (summed over cards) and the
    reporting order (received time, log index). Input for forensics and reconciliation."""
    definition = store.definition()
    layout = definition.layout(contest)
    rows = store.counting_details(contest, source)
    width = len(layout.option_ids) + 3
    units = np.array([r[0] for r in rows], dtype=np.int64)
    counts = np.frombuffer(b"".join([r[1] for r in rows]), dtype="<i8").reshape(-1, width)
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


def snapshot(store: Store, source: str | None = None) -> dict[str, Any]:
    """A bulletin's content: the summary and every contest's overall results."""
    definition = store.definition()
    source = source or definition.info.official_source
    counts = load_counts(store, source)
    results = contest_results(definition, counts)
    summary = election_summary(definition, counts, results)
    return {
        "format": SNAPSHOT_FORMAT,
        "election": definition.info.id,
        "definition_fingerprint": definition.fingerprint,
        "log_size": store.log_size(),
        "summary": summary.to_dict(),
        "contests": [r.to_dict() for r in results],
    }


def record_bulletin(store: Store, source: str | None = None) -> tuple[int, dict[str, Any]]:
    """Compute a snapshot and keep it forever as the next numbered bulletin."""
    definition = store.definition()
    source = source or definition.info.official_source
    snap = snapshot(store, source)
    number = store.record_bulletin(snap, source)
    return number, store.bulletin(number)
