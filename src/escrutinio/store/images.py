"""Images attached to acta versions, and the QR checks made on them, as stored.

An image is referenced by its SHA-256 and media type (the bytes live in the content-addressed
image store beside the database). An image that arrives after its acta is recorded by its own
``image`` log leaf, written in the same transaction as its row; an image sent with its acta
is covered by the acta's leaf (pass that leaf's index). QR check results are appended, never
overwritten: the newest row of an image is its current result.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from escrutinio.model import leaves
from escrutinio.model.acta import utc_timestamp
from escrutinio.store import schema as t
from escrutinio.store.database import lock_for_append
from escrutinio.store.log import append_log
from escrutinio.store.store import Store, StoreError

QR_STATUSES = ("match", "mismatch", "unreadable", "no_qr", "not_applicable")


@dataclass(frozen=True)
class ImageRef:
    """One image attached to one acta version."""

    id: int
    unit: str
    contest: str
    source: str
    version: int
    sha256: str
    media_type: str
    attached_at: str
    log_idx: int


@dataclass(frozen=True)
class QrCheck:
    """One recorded QR check of an image."""

    id: int
    image_id: int
    status: str
    detail: dict[str, Any]
    checked_at: str


def _acta_row(conn: Connection, unit: str, contest: str, source: str, version: int) -> int:
    av = t.acta_versions.c
    acta_id = conn.execute(
        select(av.id).where(
            av.unit == unit, av.contest == contest, av.source == source, av.version == version
        )
    ).scalar_one_or_none()
    if acta_id is None:
        raise StoreError(
            f"no stored acta version {version} for unit {unit!r}, contest {contest!r}, "
            f"source {source!r}"
        )
    return int(acta_id)


def _held(conn: Connection, acta_id: int) -> set[str]:
    ai = t.acta_images.c
    return {str(r[0]) for r in conn.execute(select(ai.sha256).where(ai.acta_id == acta_id))}


def attach_images(
    store: Store,
    unit: str,
    contest: str,
    source: str,
    version: int,
    images: Sequence[tuple[str, str]],
) -> list[ImageRef]:
    """Attach (sha256, media type) images to a stored acta version, each with its own
    ``image`` log leaf, all in one transaction. An image the version already has is
    skipped (idempotent); returns the new references."""
    attached_at = utc_timestamp()
    out: list[ImageRef] = []
    with store.engine.begin() as conn:
        lock_for_append(conn)
        acta_id = _acta_row(conn, unit, contest, source, version)
        held = _held(conn, acta_id)
        for sha256, media_type in images:
            if sha256 in held:
                continue
            held.add(sha256)
            body = leaves.image_leaf(
                unit, contest, source, version, sha256, media_type, attached_at
            )
            idx = append_log(store, conn, [(leaves.IMAGE, body)])
            out.append(
                record_image_ref(
                    conn,
                    acta_id,
                    unit,
                    contest,
                    source,
                    version,
                    sha256,
                    media_type,
                    attached_at,
                    idx,
                )
            )
    return out


def record_image_ref(
    conn: Connection,
    acta_id: int,
    unit: str,
    contest: str,
    source: str,
    version: int,
    sha256: str,
    media_type: str,
    attached_at: str,
    log_idx: int,
) -> ImageRef:
    """Insert one image reference inside the caller's transaction (``log_idx``: the leaf
    that records it, an ``image`` leaf or the acta's own when sent with the acta)."""
    new_id = conn.execute(
        insert(t.acta_images)
        .values(
            acta_id=acta_id,
            unit=unit,
            contest=contest,
            source=source,
            version=version,
            sha256=sha256,
            media_type=media_type,
            attached_at=attached_at,
            log_idx=log_idx,
        )
        .returning(t.acta_images.c.id)
    ).scalar_one()
    return ImageRef(
        int(new_id), unit, contest, source, version, sha256, media_type, attached_at, log_idx
    )


def image_refs(
    store: Store, log_size: int | None = None, at: Collection[int] | None = None
) -> list[ImageRef]:
    """Every image reference (recorded within the first ``log_size`` log entries when
    given; only those recorded by the log entries ``at`` when given), in the order they
    were recorded."""
    ai = t.acta_images.c
    query = select(
        ai.id,
        ai.unit,
        ai.contest,
        ai.source,
        ai.version,
        ai.sha256,
        ai.media_type,
        ai.attached_at,
        ai.log_idx,
    ).order_by(ai.log_idx, ai.id)
    if log_size is not None:
        query = query.where(ai.log_idx < log_size)
    if at is not None:
        query = query.where(ai.log_idx.in_(set(at)))
    with store.engine.connect() as conn:
        return [
            ImageRef(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7], int(r[8]))
            for r in conn.execute(query)
        ]


def acta_content(store: Store, ref: ImageRef) -> dict[str, Any]:
    """The content of the acta version an image belongs to, as its log leaf records it
    (``unit``, ``contest``, ``source``, ``votes``, ``null``, ``blank``, ``voters``)."""
    av = t.acta_versions.c
    with store.engine.connect() as conn:
        body = conn.execute(
            select(t.log_entries.c.body)
            .join(t.acta_versions, av.log_idx == t.log_entries.c.idx)
            .join(t.acta_images, t.acta_images.c.acta_id == av.id)
            .where(t.acta_images.c.id == ref.id)
        ).scalar_one()
    content: dict[str, Any] = json.loads(bytes(body))["acta"]
    return content


def record_qr_check(store: Store, image_id: int, status: str, detail: dict[str, Any]) -> QrCheck:
    """Append the result of checking one image's QR codes (never replaces an older one)."""
    if status not in QR_STATUSES:
        raise StoreError(f"QR status {status!r} is not one of {', '.join(QR_STATUSES)}")
    checked_at = utc_timestamp()
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    with store.engine.begin() as conn:
        found = conn.execute(
            select(func.count()).select_from(t.acta_images).where(t.acta_images.c.id == image_id)
        ).scalar_one()
        if not found:
            raise StoreError(f"no image reference {image_id}")
        new_id = conn.execute(
            insert(t.qr_checks)
            .values(image_id=image_id, status=status, detail=text, checked_at=checked_at)
            .returning(t.qr_checks.c.id)
        ).scalar_one()
    return QrCheck(int(new_id), image_id, status, detail, checked_at)


def qr_checks(store: Store) -> list[QrCheck]:
    """Every recorded QR check, oldest first."""
    q = t.qr_checks.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(q.id, q.image_id, q.status, q.detail, q.checked_at).order_by(q.id)
        ).all()
    return [QrCheck(int(r[0]), int(r[1]), r[2], json.loads(r[3]), r[4]) for r in rows]


def latest_qr_checks(store: Store) -> dict[int, QrCheck]:
    """The newest recorded check of each image that has one, by image id."""
    out: dict[int, QrCheck] = {}
    for check in qr_checks(store):
        out[check.image_id] = check
    return out


def checked_image_ids(store: Store, image_ids: Collection[int]) -> set[int]:
    """Those of ``image_ids`` that already have a recorded QR check."""
    if not image_ids:
        return set()
    q = t.qr_checks.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(q.image_id).where(q.image_id.in_(set(image_ids))).distinct())
        return {int(r[0]) for r in rows}
