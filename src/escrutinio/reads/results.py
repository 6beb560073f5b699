"""Results, the election summary, snapshots and bulletins: the store's counting actas run
through the pure tally."""

from __future__ import annotations

from typing import cast

from escrutinio.model.definition import Definition
from escrutinio.reads.documents import SNAPSHOT_FORMAT, BulletinDoc, BulletinEntry, SnapshotDoc
from escrutinio.store import bulletins as store_bulletins
from escrutinio.store import counting as store_counting
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store.store import Store
from escrutinio.tally import (
    ContestCounts,
    ContestResult,
    Summary,
    summarize,
    tally_contest,
    tally_regions,
)


def load_counts(store: Store, source: str | None = None) -> dict[str, ContestCounts]:
    """Unit-level counts of every contest from the acta versions that count for ``source``."""
    return {
        cid: ContestCounts(cid, units, counts)
        for cid, (units, counts) in store_counting.counting_arrays(store, source).items()
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


def snapshot_of(
    definition: Definition, counts: dict[str, ContestCounts], log_size: int
) -> SnapshotDoc:
    """The snapshot document of the given unit counts, taken at ``log_size`` log entries."""
    results = contest_results(definition, counts)
    summary = election_summary(definition, counts, results)
    return {
        "format": SNAPSHOT_FORMAT,
        "election": definition.info.id,
        "definition_fingerprint": definition.fingerprint,
        "log_size": log_size,
        "summary": summary.to_dict(),
        "contests": [r.to_dict() for r in results],
    }


def snapshot(store: Store, source: str | None = None) -> SnapshotDoc:
    """A bulletin's content now: the summary and every contest's overall results."""
    definition = store_definitions.read_definition(store)
    source = source or definition.info.official_source
    return snapshot_of(definition, load_counts(store, source), store_log.log_size(store))


def record_bulletin(store: Store, source: str | None = None) -> tuple[int, BulletinDoc]:
    """Compute a snapshot and keep it forever as the next numbered bulletin; returns its
    number and the bulletin as stored."""
    definition = store_definitions.read_definition(store)
    source = source or definition.info.official_source
    number = store_bulletins.record_bulletin(store, dict(snapshot(store, source)), source)
    return number, bulletin(store, number)


def bulletin(store: Store, number: int) -> BulletinDoc:
    """Bulletin ``number`` as stored (a ``StoreError`` names it when there is none)."""
    return cast(BulletinDoc, store_bulletins.bulletin(store, number))


def bulletins(store: Store) -> list[BulletinEntry]:
    """The index of every bulletin recorded so far, oldest first."""
    return [cast(BulletinEntry, row) for row in store_bulletins.bulletins(store)]


def bulletin_bodies(store: Store, log_size: int) -> list[tuple[int, bytes]]:
    """Number and stored canonical JSON bytes of every bulletin recorded within the first
    ``log_size`` log entries, by number (what a publication of that log size carries)."""
    return store_bulletins.bulletin_bodies(store, log_size)
