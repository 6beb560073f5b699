"""Operations that combine the store with the pure tally: used by the CLI and the API."""

from __future__ import annotations

from typing import Any

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
