"""The transparency log as stored: appending leaves inside a writer's transaction, its size
and its entries in order. Leaf bodies and their hash come from :mod:`escrutinio.model.leaves`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from escrutinio.model.leaves import MAX_LEAF_BYTES, leaf_hash
from escrutinio.store import schema as t
from escrutinio.store.database import lock_for_append
from escrutinio.store.store import Store, StoreError


@dataclass(frozen=True)
class LogEntry:
    """One leaf of the transparency log: its position, kind and canonical bytes."""

    idx: int
    kind: str
    body: bytes
    leaf_hash: bytes


def check_leaf_sizes(bodies: Iterable[bytes], what: Callable[[int], str]) -> None:
    """Refuse leaves the published log could not carry (more than 65,535 bytes), before
    anything is written: an append-only log cannot drop them afterwards. ``what(i)`` names
    the record behind the ``i``-th body in the error."""
    for i, body in enumerate(bodies):
        if len(body) > MAX_LEAF_BYTES:
            raise StoreError(
                f"{what(i)}: its log leaf would be {len(body):,} bytes; a published log "
                f"entry holds at most {MAX_LEAF_BYTES:,} (C2SP tlog-tiles)"
            )


def next_index(conn: Connection) -> int:
    """The index the next appended leaf gets (call after :func:`lock_for_append`)."""
    return int(
        conn.execute(select(func.coalesce(func.max(t.log_entries.c.idx) + 1, 0))).scalar_one()
    )


def append_log(
    store: Store, conn: Connection, entries: list[tuple[str, bytes]], start: int | None = None
) -> int:
    """Append (kind, canonical JSON body) log entries inside the caller's transaction
    (``with store.engine.begin() as conn``), so a record and its leaf commit together.
    Returns the index of the first entry. ``start``: the caller already holds the append
    lock and read `next_index` in this transaction."""
    check_leaf_sizes((body for _, body in entries), lambda i: f"{entries[i][0]} record")
    if start is None:
        lock_for_append(conn)
        start = next_index(conn)
    if entries:
        conn.execute(
            insert(t.log_entries),
            [
                {"idx": start + i, "kind": kind, "body": body, "leaf_hash": leaf_hash(body)}
                for i, (kind, body) in enumerate(entries)
            ],
        )
    return start


def log_size(store: Store) -> int:
    """Number of entries in the log."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.log_entries)).scalar_one())


def log_entries(
    store: Store, start: int = 0, stop: int | None = None, batch: int = 50_000
) -> Iterator[LogEntry]:
    """Yield log entries with ``start <= idx < stop`` in order."""
    with store.engine.connect() as conn:
        pos = start
        while stop is None or pos < stop:
            end = pos + batch if stop is None else min(pos + batch, stop)
            rows = conn.execute(
                select(
                    t.log_entries.c.idx,
                    t.log_entries.c.kind,
                    t.log_entries.c.body,
                    t.log_entries.c.leaf_hash,
                )
                .where(t.log_entries.c.idx >= pos, t.log_entries.c.idx < end)
                .order_by(t.log_entries.c.idx)
            ).all()
            if not rows:
                return
            for r in rows:
                yield LogEntry(int(r[0]), r[1], bytes(r[2]), bytes(r[3]))
            pos = end
