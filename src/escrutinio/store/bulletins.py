"""Bulletins as stored: each numbered, timestamped snapshot kept forever with its log leaf;
the index, one bulletin, and the canonical bodies published beside the log."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, insert, select

from escrutinio.model import leaves
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.store import schema as t
from escrutinio.store.database import lock_for_append
from escrutinio.store.log import append_log
from escrutinio.store.store import Store, StoreError


def record_bulletin(store: Store, snapshot: dict[str, Any], source: str) -> int:
    """Store a numbered, timestamped snapshot forever; returns its number."""
    created_at = utc_timestamp()
    with store.engine.begin() as conn:
        lock_for_append(conn)
        number = int(
            conn.execute(select(func.coalesce(func.max(t.bulletins.c.number) + 1, 1))).scalar_one()
        )
        doc = {**snapshot, "number": number, "created_at": created_at, "source": source}
        body = canonical_json_fast(doc)
        digest = hashlib.sha256(body).hexdigest()
        event = leaves.bulletin_leaf(number, created_at, source, digest)
        idx = append_log(store, conn, [(leaves.BULLETIN, event)])
        conn.execute(
            insert(t.bulletins).values(
                number=number,
                created_at=created_at,
                source=source,
                body=body,
                sha256=digest,
                log_idx=idx,
            )
        )
    return number


def bulletins(store: Store) -> list[dict[str, Any]]:
    """Every bulletin's number, time, source, hash and log index."""
    b = t.bulletins.c
    with store.engine.connect() as conn:
        return [
            {
                "number": r[0],
                "created_at": r[1],
                "source": r[2],
                "sha256": r[3],
                "log_idx": r[4],
            }
            for r in conn.execute(
                select(b.number, b.created_at, b.source, b.sha256, b.log_idx).order_by(b.number)
            )
        ]


def bulletin(store: Store, number: int) -> dict[str, Any]:
    """The full snapshot of bulletin ``number``."""
    with store.engine.connect() as conn:
        body = conn.execute(
            select(t.bulletins.c.body).where(t.bulletins.c.number == number)
        ).scalar_one_or_none()
    if body is None:
        raise StoreError(f"no bulletin number {number}")
    doc: dict[str, Any] = json.loads(bytes(body))
    return doc


def bulletin_bodies(store: Store, log_size: int) -> list[tuple[int, bytes]]:
    """Number and stored canonical JSON bytes of every bulletin recorded within the first
    ``log_size`` log entries, by number."""
    b = t.bulletins.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(b.number, b.body).where(b.log_idx < log_size).order_by(b.number)
        ).all()
    return [(int(number), bytes(body)) for number, body in rows]
