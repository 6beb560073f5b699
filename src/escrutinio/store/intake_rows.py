"""Writing one chunk of prepared actas: each becomes the next version of its slot (unit,
contest, source) with its log leaf, in one transaction; identical re-submissions are skipped
and a different content becomes a conflicting version."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from escrutinio.model import leaves
from escrutinio.model.leaves import leaf_hash
from escrutinio.model.prepared import PreparedBatch
from escrutinio.store import schema as t
from escrutinio.store.bulk import insert_many as insert_many  # (tests interrupt writes here)
from escrutinio.store.database import lock_for_append
from escrutinio.store.log import check_leaf_sizes, next_index

ACTA_COLUMNS = (
    "unit",
    "unit_idx",
    "contest",
    "source",
    "version",
    "content_hash",
    "counts",
    "has_blank",
    "received_at",
    "status",
    "counting",
    "log_idx",
)


@dataclass
class Outcome:
    """How many actas of an intake were stored as new, skipped as duplicates, or stored as
    conflicting versions."""

    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0


def _all_new_rows(
    batch: PreparedBatch, next_idx: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for a batch of actas whose slots hold nothing yet: every one is version 1,
    accepted and counting, and its leaf was prepared while screening."""
    idx = range(next_idx, next_idx + len(batch))
    log_rows = list(zip(idx, repeat(leaves.ACTA), batch.first_event, batch.first_leaf))
    acta_rows = list(
        zip(
            batch.unit,
            batch.unit_idx,
            batch.contest,
            batch.source,
            repeat(1),
            batch.content_hash,
            batch.blob,
            batch.has_blank,
            batch.received_at,
            repeat("accepted"),
            repeat(True),
            idx,
        )
    )
    return log_rows, acta_rows


def _mixed_rows(
    batch: PreparedBatch,
    keys: list[tuple[str, str, str]],
    next_idx: int,
    cache: VersionCache,
    report: Outcome,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for a batch with re-submissions or new versions: identical content is skipped,
    a different one becomes the next, conflicting, version of its slot."""
    log_rows: list[tuple[Any, ...]] = []
    acta_rows: list[tuple[Any, ...]] = []
    seen = cache.hashes
    added: set[str] = set()
    for i, (key, chash) in enumerate(zip(keys, batch.content_hash, strict=True)):
        if chash in seen or chash in added:
            report.duplicates += 1
            continue
        added.add(chash)
        version = cache.top.get(key, 0) + 1
        first = version == 1
        status = "accepted" if first else "conflicting"
        if first:
            body, leaf = batch.first_event[i], batch.first_leaf[i]
        else:
            body = leaves.acta_leaf(batch.content[i], chash, batch.received_at[i], version, status)
            leaf = leaf_hash(body)
        idx = next_idx + len(log_rows)
        log_rows.append((idx, leaves.ACTA, body, leaf))
        acta_rows.append(
            (
                batch.unit[i],
                batch.unit_idx[i],
                batch.contest[i],
                batch.source[i],
                version,
                chash,
                batch.blob[i],
                batch.has_blank[i],
                batch.received_at[i],
                status,
                first,
                idx,
            )
        )
        cache.top[key] = version
        if first:
            report.accepted += 1
        else:
            report.conflicts += 1
    return log_rows, acta_rows


@dataclass
class VersionCache:
    """Versions already stored, kept across the chunks of one import: the newest version per
    acta slot (unit, contest, source) and every content hash (a hash covers the slot too, so
    one set tells an identical re-submission apart).

    ``complete`` means everything stored is here (true for an import into an empty table
    while no other writer appends), so chunks need not query the table.
    """

    top: dict[tuple[str, str, str], int] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)
    log_end: int | None = None
    complete: bool = False

    def load(self, conn: Connection, units: list[int]) -> None:
        """Read the stored versions of these units' actas (by unit index)."""
        av = t.acta_versions.c
        for lo in range(0, len(units), 2_000):
            for unit, contest, src, version, chash in conn.execute(
                select(av.unit, av.contest, av.source, av.version, av.content_hash).where(
                    av.unit_idx.in_(units[lo : lo + 2_000])
                )
            ):
                key = (unit, contest, src)
                self.top[key] = max(self.top.get(key, 0), version)
                self.hashes.add(chash)


def store_chunk(
    conn: Connection, batch: PreparedBatch, report: Outcome, cache: VersionCache
) -> None:
    """Store one batch of actas and their log leaves in one transaction on ``conn``."""
    with conn.begin():
        lock_for_append(conn)
        next_idx = next_index(conn)
        if cache.log_end is None:
            cache.complete = not conn.execute(select(t.acta_versions.c.id).limit(1)).first()
        elif cache.log_end != next_idx:
            cache.complete = False  # another writer appended since our last chunk
        if not cache.complete:
            cache.load(conn, sorted(set(batch.unit_idx)))
        keys = list(zip(batch.unit, batch.contest, batch.source, strict=True))
        hashes = batch.content_hash
        new_slots = dict.fromkeys(keys, 1)
        if (
            len(new_slots) == len(keys)
            and cache.top.keys().isdisjoint(new_slots)
            and cache.hashes.isdisjoint(hashes)
        ):
            log_rows, acta_rows = _all_new_rows(batch, next_idx)
            cache.top.update(new_slots)
            report.accepted += len(batch)
        else:
            log_rows, acta_rows = _mixed_rows(batch, keys, next_idx, cache, report)
        check_leaf_sizes(
            (row[2] for row in log_rows),
            lambda i: f"acta of unit {acta_rows[i][0]}, contest {acta_rows[i][2]}",
        )
        cache.hashes.update(hashes)
        if log_rows:
            insert_many(conn, "log_entries", ("idx", "kind", "body", "leaf_hash"), log_rows)
            insert_many(conn, "acta_versions", ACTA_COLUMNS, acta_rows)
        cache.log_end = next_idx + len(log_rows)
