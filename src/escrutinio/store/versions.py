"""Acta versions and the decisions on them: every stored version of an acta, the slots in
conflict, and adjudication (which version counts, with its log leaf)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from escrutinio.model import leaves
from escrutinio.model.acta import Acta, utc_timestamp
from escrutinio.model.packed_counts import unpack_counts
from escrutinio.store import schema as t
from escrutinio.store.definitions import read_definition
from escrutinio.store.log import append_log
from escrutinio.store.store import Store, StoreError


@dataclass(frozen=True)
class ActaVersion:
    """One stored version of an acta with its status and log position."""

    acta: Acta
    version: int
    status: str
    counting: bool
    content_hash: str
    log_idx: int


def versions(store: Store, unit: str, contest: str, source: str | None = None) -> list[ActaVersion]:
    """Every stored version of the acta for (unit, contest[, source]), oldest first."""
    definition = read_definition(store)
    av = t.acta_versions.c
    query = select(
        av.source,
        av.version,
        av.counts,
        av.has_blank,
        av.received_at,
        av.status,
        av.counting,
        av.content_hash,
        av.log_idx,
    ).where(av.unit_idx == unit_index(store, unit), av.contest == contest)
    if source is not None:
        query = query.where(av.source == source)
    options = (
        tuple(o.id for o in definition.contests[contest].options)
        if contest in definition.contests
        else ()
    )
    out = []
    with store.engine.connect() as conn:
        for (
            src,
            version,
            counts,
            has_blank,
            received,
            status,
            counting,
            chash,
            log_idx,
        ) in conn.execute(query.order_by(av.source, av.version)):
            row = unpack_counts(counts)
            k = len(options)
            acta = Acta(
                unit=unit,
                contest=contest,
                source=src,
                option_ids=options,
                votes=tuple(row[:k]),
                null=row[k],
                blank=row[k + 1] if has_blank else None,
                voters=row[k + 2],
                received_at=received,
            )
            out.append(ActaVersion(acta, version, status, bool(counting), chash, int(log_idx)))
    return out


def unit_index(store: Store, unit: str) -> int:
    """The unit's index in the definition (-1 for an unknown unit: matches nothing)."""
    return read_definition(store).units.index.get(unit, -1)


def conflicts(store: Store, source: str | None = None) -> list[tuple[str, str, str, int]]:
    """Acta slots with several versions and no decision taken since the newest one:
    (unit, contest, source, number of versions)."""
    av = t.acta_versions.c
    adj = t.adjudications.c
    query = (
        select(av.unit, av.contest, av.source, func.count(), func.max(av.log_idx))
        .group_by(av.unit, av.contest, av.source)
        .having(func.count() > 1)
    )
    if source is not None:
        query = query.where(av.source == source)
    with store.engine.connect() as conn:
        several = {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in conn.execute(query)}
        decided = {
            (r[0], r[1], r[2]): int(r[3])
            for r in conn.execute(
                select(adj.unit, adj.contest, adj.source, func.max(adj.log_idx)).group_by(
                    adj.unit, adj.contest, adj.source
                )
            )
        }
    return [
        (*key, n) for key, (n, newest) in sorted(several.items()) if decided.get(key, -1) < newest
    ]


def adjudicate(
    store: Store,
    unit: str,
    contest: str,
    source: str,
    version: int | None,
    reason: str,
    decided_by: str,
) -> int:
    """Record which version of an acta counts (``None``: none). Returns its log index."""
    if not reason.strip():
        raise StoreError("an adjudication needs a reason")
    stored = {v.version for v in versions(store, unit, contest, source)}
    if not stored:
        raise StoreError(
            f"no acta stored for unit '{unit}', contest '{contest}', source '{source}'"
        )
    if version is not None and version not in stored:
        raise StoreError(
            f"version {version} does not exist (stored: {', '.join(map(str, sorted(stored)))})"
        )
    decided_at = utc_timestamp()
    body = leaves.adjudication_leaf(unit, contest, source, version, reason, decided_by, decided_at)
    av = t.acta_versions.c
    with store.engine.begin() as conn:
        idx = append_log(store, conn, [(leaves.ADJUDICATION, body)])
        conn.execute(
            insert(t.adjudications).values(
                unit=unit,
                contest=contest,
                source=source,
                version=version,
                reason=reason,
                decided_by=decided_by,
                decided_at=decided_at,
                log_idx=idx,
            )
        )
        key = (
            av.unit_idx == unit_index(store, unit),
            av.contest == contest,
            av.source == source,
        )
        conn.execute(update(t.acta_versions).where(*key).values(counting=False))
        if version is not None:
            conn.execute(
                update(t.acta_versions).where(*key, av.version == version).values(counting=True)
            )
    return idx
