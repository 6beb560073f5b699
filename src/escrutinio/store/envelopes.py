"""Storing a signed envelope: its acta version (new, conflicting, or an identical one
already stored), the envelope's own log leaf and its row with the signed receipt, all in
one transaction under the log's append lock, so the receipt exists only if everything it
promises was committed. The same envelope again returns the stored receipt. Each image the
envelope lists (and the acta version does not have yet) also gets an ``image`` leaf right
after the envelope's leaf and its ``acta_images`` row, so `qr-check`, the publication's
``images.csv`` and the table pages treat API-received images like ``images add``'s."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import leaves
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.prepared import PreparedActa
from escrutinio.store import schema as t
from escrutinio.store.database import lock_for_append
from escrutinio.store.images import record_image_ref
from escrutinio.store.log import append_log, next_index
from escrutinio.store.senders import Sender, sender_in
from escrutinio.store.store import Store
from escrutinio.submission.envelope import SignedEnvelope
from escrutinio.submission.receipt import receipt_body, sign_receipt

DEFAULT_MERGE_DELAY = 300
"""Seconds within which a receipted leaf appears in a signed checkpoint, by default."""


@dataclass(frozen=True)
class Stored:
    """The answer to an envelope: its receipt document and whether it was new."""

    receipt: bytes
    created: bool


def known_receipt(store: Store, sha256: str) -> bytes | None:
    """The receipt already issued for the envelope with this hash, if any."""
    with store.engine.connect() as conn:
        return _receipt_in(conn, sha256)


def _receipt_in(conn: Connection, sha256: str) -> bytes | None:
    row = conn.execute(select(t.envelopes.c.receipt).where(t.envelopes.c.sha256 == sha256)).first()
    return None if row is None else bytes(row[0])


def _slot_versions(conn: Connection, acta: PreparedActa) -> list[tuple[int, str, int]]:
    av = t.acta_versions.c
    rows = conn.execute(
        select(av.version, av.content_hash, av.log_idx).where(
            av.unit_idx == acta.unit_idx, av.contest == acta.contest, av.source == acta.source
        )
    ).all()
    return [(int(v), str(h), int(i)) for v, h, i in rows]


def _version_id(conn: Connection, acta: PreparedActa, version: int) -> int:
    av = t.acta_versions.c
    return int(
        conn.execute(
            select(av.id).where(
                av.unit_idx == acta.unit_idx,
                av.contest == acta.contest,
                av.source == acta.source,
                av.version == version,
            )
        ).scalar_one()
    )


def _held_images(conn: Connection, acta: PreparedActa, version: int) -> set[str]:
    """The images the stored version already has (a duplicate envelope adds only others)."""
    ai = t.acta_images.c
    rows = conn.execute(
        select(ai.sha256).where(
            ai.unit == acta.unit,
            ai.contest == acta.contest,
            ai.source == acta.source,
            ai.version == version,
        )
    )
    return {str(r[0]) for r in rows}


@dataclass(frozen=True)
class Pending:
    """An envelope waiting to be stored: checked, with its prepared acta and the
    ``authorise`` callback that sees its sender as committed (raising to refuse)."""

    signed: SignedEnvelope
    acta: PreparedActa
    authorise: Callable[[Sender | None], None]


def store_envelope(
    store: Store,
    signed: SignedEnvelope,
    acta: PreparedActa,
    signer: Ed25519Signer,
    *,
    authorise: Callable[[Sender | None], None],
    maximum_merge_delay: int = DEFAULT_MERGE_DELAY,
    received_at: str | None = None,
) -> Stored:
    """Store an envelope whose signature, scope and acta were checked, and return its
    receipt. Under the append lock: an envelope already stored returns its receipt;
    otherwise ``authorise`` sees the sender as committed now (it raises to refuse, e.g.
    when the key was revoked meanwhile) and nothing is written when it does."""
    (answer,) = store_envelopes(
        store,
        [Pending(signed, acta, authorise)],
        signer,
        maximum_merge_delay=maximum_merge_delay,
        received_at=received_at,
    )
    if isinstance(answer, Exception):
        raise answer
    return answer


def store_envelopes(
    store: Store,
    batch: list[Pending],
    signer: Ed25519Signer,
    *,
    maximum_merge_delay: int = DEFAULT_MERGE_DELAY,
    received_at: str | None = None,
) -> list[Stored | Exception]:
    """Store several checked envelopes in ONE transaction under the append lock (group
    commit), in list order and with exactly the outcome storing them one after another
    would have: a replay inside the batch answers with the receipt issued earlier in it,
    a second different acta for a slot becomes the next conflicting version. Each answer
    is a `Stored` or the exception its ``authorise`` raised (nothing written for that
    envelope). Receipts exist only once the transaction committed: any other failure
    undoes the whole batch and is raised."""
    answers: list[Stored | Exception] = []
    with store.engine.begin() as conn:
        # the lock comes first: a concurrent identical envelope waits, then finds ours
        lock_for_append(conn)
        start = next_index(conn)
        when = utc_timestamp(received_at)
        senders: dict[str, Sender | None] = {}
        for item in batch:
            name = item.signed.sender
            known = _receipt_in(conn, item.signed.sha256)
            if known is not None:
                answers.append(Stored(known, False))
                continue
            if name not in senders:  # the registry cannot change while we hold the lock
                senders[name] = sender_in(conn, name)
            try:
                item.authorise(senders[name])
            except Exception as exc:
                answers.append(exc)
                continue
            stored, written = _store_in(conn, store, start, item, signer, when, maximum_merge_delay)
            start += written
            answers.append(stored)
    return answers


def _store_in(
    conn: Connection,
    store: Store,
    start: int,
    item: Pending,
    signer: Ed25519Signer,
    when: str,
    maximum_merge_delay: int,
) -> tuple[Stored, int]:
    """Write one authorised new envelope from log index ``start``; its receipt and how
    many leaves it appended."""
    signed, acta = item.signed, item.acta
    versions = _slot_versions(conn, acta)
    same = [v for v in versions if v[1] == acta.content_hash]
    entries: list[tuple[str, bytes]] = []
    if same:
        version, acta_index, outcome = same[0][0], same[0][2], "duplicate"
    else:
        version = max((v[0] for v in versions), default=0) + 1
        status = "accepted" if version == 1 else "conflicting"
        outcome = "new" if version == 1 else "conflicting"
        acta_index = start
        body = leaves.acta_leaf(acta.content, acta.content_hash, when, version, status)
        entries.append((leaves.ACTA, body))
    envelope_body = leaves.envelope_leaf(
        signed.envelope,
        base64.b64encode(signed.signature).decode("ascii"),
        signed.sha256,
        when,
        acta_index,
        version,
        outcome,
    )
    entries.append((leaves.ENVELOPE, envelope_body))
    envelope_index = start + len(entries) - 1
    held = set() if outcome != "duplicate" else _held_images(conn, acta, version)
    new_images = [i for i in signed.images if i.sha256 not in held]
    for image in new_images:
        entries.append(
            (
                leaves.IMAGE,
                leaves.image_leaf(
                    acta.unit,
                    acta.contest,
                    acta.source,
                    version,
                    image.sha256,
                    image.media_type,
                    when,
                ),
            )
        )
    append_log(store, conn, entries, start)
    acta_id: int | None = None
    if outcome != "duplicate":
        acta_id = conn.execute(
            insert(t.acta_versions)
            .values(
                unit=acta.unit,
                unit_idx=acta.unit_idx,
                contest=acta.contest,
                source=acta.source,
                version=version,
                content_hash=acta.content_hash,
                counts=acta.blob,
                has_blank=acta.has_blank,
                received_at=when,
                status="accepted" if version == 1 else "conflicting",
                counting=version == 1,
                log_idx=acta_index,
            )
            .returning(t.acta_versions.c.id)
        ).scalar_one()
    if new_images:
        if acta_id is None:
            acta_id = _version_id(conn, acta, version)
        for n, image in enumerate(new_images, start=envelope_index + 1):
            record_image_ref(
                conn,
                acta_id,
                acta.unit,
                acta.contest,
                acta.source,
                version,
                image.sha256,
                image.media_type,
                when,
                n,
            )
    receipt = sign_receipt(
        receipt_body(
            origin=signer.name,
            envelope_sha256=signed.sha256,
            log_index=envelope_index,
            leaf_hash=leaves.leaf_hash(envelope_body),
            received_at=when,
            maximum_merge_delay=maximum_merge_delay,
            sender=signed.sender,
            acta={
                "contest": acta.contest,
                "outcome": outcome,
                "source": acta.source,
                "unit": acta.unit,
                "version": version,
            },
        ),
        signer,
    )
    conn.execute(
        insert(t.envelopes).values(
            sha256=signed.sha256,
            sender=signed.sender,
            received_at=when,
            images=json.dumps([i.sha256 for i in signed.images]),
            acta_log_idx=acta_index,
            log_idx=envelope_index,
            receipt=receipt,
        )
    )

    return Stored(receipt, True), len(entries)
