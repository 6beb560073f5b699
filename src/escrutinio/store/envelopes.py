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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import leaves
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.prepared import PreparedActa
from escrutinio.store import schema as t
from escrutinio.store.bulk import Statement, insert_statements, membership, run_pipelined
from escrutinio.store.database import APPEND_LOCK_SQL
from escrutinio.store.log import check_leaf_sizes
from escrutinio.store.senders import SENDERS_SQL, Sender, senders_from_rows
from escrutinio.store.store import Store
from escrutinio.submission.envelope import SignedEnvelope
from escrutinio.submission.receipt import receipt_body, sign_receipt

DEFAULT_MERGE_DELAY = 300
"""Seconds within which a receipted leaf appears in a signed checkpoint, by default."""


@dataclass(frozen=True)
class Stored:
    """The answer to an envelope: its receipt document, whether it was new, and the log
    indexes of the ``image`` leaves it added (images to decode)."""

    receipt: bytes
    created: bool
    images: tuple[int, ...] = ()


def known_receipt(store: Store, sha256: str) -> bytes | None:
    """The receipt already issued for the envelope with this hash, if any."""
    with store.engine.connect() as conn:
        return _receiptmembership(conn, sha256)


def _receiptmembership(conn: Connection, sha256: str) -> bytes | None:
    row = conn.execute(select(t.envelopes.c.receipt).where(t.envelopes.c.sha256 == sha256)).first()
    return None if row is None else bytes(row[0])


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
    connection: Connection | None = None,
) -> list[Stored | Exception]:
    """Store several checked envelopes in ONE transaction under the append lock (group
    commit), in list order and with exactly the outcome storing them one after another
    would have: a replay inside the batch answers with the receipt issued earlier in it,
    a second different acta for a slot becomes the next conflicting version. Each answer
    is a `Stored` or the exception its ``authorise`` raised (nothing written for that
    envelope). Receipts exist only once the transaction committed: any other failure
    undoes the whole batch and is raised. The batch costs a few statements in all, not a
    few per envelope: on PostgreSQL the lock and every lookup go in one round trip, every
    insert in a second, then the commit.
    ``connection``: a connection of ``store``'s engine the caller keeps open between
    batches (no pool checkout and liveness ping per batch); it must not be in a
    transaction."""
    answers: list[Stored | Exception] = []
    with _transaction(store, connection) as conn:
        # the lock comes first: a concurrent identical envelope waits, then finds ours; the
        # registry cannot change while we hold it
        plan = _Plan(conn, utc_timestamp(received_at), batch)
        senders = plan.senders
        for item in batch:
            name = item.signed.sender
            known = plan.receipts.get(item.signed.sha256)
            if known is not None:
                answers.append(Stored(known, False))
                continue
            try:
                item.authorise(senders[name])
            except Exception as exc:
                answers.append(exc)
                continue
            answers.append(plan.add(item, signer, maximum_merge_delay))
        plan.write()
    return answers


_Slot = tuple[int, str, str]


@contextmanager
def _transaction(store: Store, connection: Connection | None) -> Iterator[Connection]:
    if connection is None:
        with store.engine.begin() as conn:
            yield conn
        return
    with connection.begin():
        yield connection


class _Plan:
    """The rows one batch writes, built in memory from one lookup per table."""

    def __init__(self, conn: Connection, when: str, batch: list[Pending]) -> None:
        self.conn, self.when = conn, when
        self.next, self.receipts, self.senders, self.versions = _lookup(conn, batch)
        self.held: dict[tuple[_Slot, int], set[str]] = {}
        self.log: list[tuple[int, str, bytes, bytes]] = []
        self.actas: list[tuple[object, ...]] = []
        self.images: list[tuple[object, ...]] = []
        self.envelopes: list[tuple[object, ...]] = []

    def _held(self, slot: _Slot, acta: PreparedActa, version: int) -> set[str]:
        key = (slot, version)
        if key not in self.held:
            stored = any(v[0] == version and v[3] is not None for v in self.versions[slot])
            self.held[key] = _held_images(self.conn, acta, version) if stored else set()
        return self.held[key]

    def _append(self, kind: str, body: bytes) -> int:
        idx = self.next
        self.log.append((idx, kind, body, leaves.leaf_hash(body)))
        self.next += 1
        return idx

    def add(self, item: Pending, signer: Ed25519Signer, maximum_merge_delay: int) -> Stored:
        """Plan one authorised new envelope; its receipt."""
        signed, acta, when = item.signed, item.acta, self.when
        slot = _slot(acta)
        versions = self.versions[slot]
        same = [v for v in versions if v[1] == acta.content_hash]
        if same:
            version, acta_index, outcome = same[0][0], same[0][2], "duplicate"
        else:
            version = max((v[0] for v in versions), default=0) + 1
            status = "accepted" if version == 1 else "conflicting"
            outcome = "new" if version == 1 else "conflicting"
            body = leaves.acta_leaf(acta.content, acta.content_hash, when, version, status)
            acta_index = self._append(leaves.ACTA, body)
            versions.append((version, acta.content_hash, acta_index, None))
            self.actas.append(
                (
                    acta.unit,
                    acta.unit_idx,
                    acta.contest,
                    acta.source,
                    version,
                    acta.content_hash,
                    acta.blob,
                    acta.has_blank,
                    when,
                    status,
                    version == 1,
                    acta_index,
                )
            )
        envelope_body = leaves.envelope_leaf(
            signed.envelope,
            base64.b64encode(signed.signature).decode("ascii"),
            signed.sha256,
            when,
            acta_index,
            version,
            outcome,
            signed.canonical,
        )
        envelope_index = self._append(leaves.ENVELOPE, envelope_body)
        held = self._held(slot, acta, version)
        image_leaves: list[int] = []
        for image in signed.images:
            if image.sha256 in held:
                continue
            held.add(image.sha256)
            body = leaves.image_leaf(
                acta.unit,
                acta.contest,
                acta.source,
                version,
                image.sha256,
                image.media_type,
                when,
            )
            n = self._append(leaves.IMAGE, body)
            image_leaves.append(n)
            self.images.append(
                (
                    acta_index,  # the version's row id, looked up by its leaf when inserted
                    acta.unit,
                    acta.contest,
                    acta.source,
                    version,
                    image.sha256,
                    image.media_type,
                    when,
                    n,
                )
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
        self.envelopes.append(
            (
                signed.sha256,
                signed.sender,
                when,
                json.dumps([i.sha256 for i in signed.images]),
                acta_index,
                envelope_index,
                receipt,
            )
        )
        self.receipts[signed.sha256] = receipt
        return Stored(receipt, True, tuple(image_leaves))

    def write(self) -> None:
        """Insert every planned row: log entries first (the others refer to them); on
        PostgreSQL in one round trip."""
        check_leaf_sizes((r[2] for r in self.log), lambda i: f"{self.log[i][1]} record")
        pg = self.conn.dialect.name == "postgresql"
        run_pipelined(
            self.conn,
            [
                *insert_statements(pg, "log_entries", LOG_COLUMNS, self.log),
                *insert_statements(pg, "acta_versions", ACTA_COLUMNS, self.actas),
                *insert_statements(pg, "acta_images", IMAGE_COLUMNS, self.images, BY_LEAF),
                *insert_statements(pg, "envelopes", ENVELOPE_COLUMNS, self.envelopes),
            ],
            prepare=False,  # their text varies with the number of rows
        )


BY_LEAF = "(SELECT id FROM acta_versions WHERE log_idx = {})"
"""An image row's ``acta_id``: the row of the version whose leaf index is given."""

# (column, PostgreSQL type) of each table the batch writes
LOG_COLUMNS = (("idx", "bigint"), ("kind", "text"), ("body", "bytea"), ("leaf_hash", "bytea"))
ACTA_COLUMNS = (
    ("unit", "text"), ("unit_idx", "int"), ("contest", "text"), ("source", "text"),
    ("version", "int"), ("content_hash", "text"), ("counts", "bytea"),
    ("has_blank", "boolean"), ("received_at", "text"), ("status", "text"),
    ("counting", "boolean"), ("log_idx", "bigint"),
)  # fmt: skip
IMAGE_COLUMNS = (
    ("acta_id", "bigint"), ("unit", "text"), ("contest", "text"), ("source", "text"),
    ("version", "int"), ("sha256", "text"), ("media_type", "text"),
    ("attached_at", "text"), ("log_idx", "bigint"),
)  # fmt: skip
ENVELOPE_COLUMNS = (
    ("sha256", "text"), ("sender", "text"), ("received_at", "text"), ("images", "text"),
    ("acta_log_idx", "bigint"), ("log_idx", "bigint"), ("receipt", "bytea"),
)  # fmt: skip


def _slot(acta: PreparedActa) -> _Slot:
    return (acta.unit_idx, acta.contest, acta.source)


def _lookup(
    conn: Connection, batch: list[Pending]
) -> tuple[
    int,
    dict[str, bytes],
    dict[str, Sender | None],
    dict[_Slot, list[tuple[int, str, int, int | None]]],
]:
    """Under the append lock (taken first): the next log index, the receipts already
    issued for the batch's envelopes, its senders as committed, and (version, content
    hash, log index, row id) of every stored version of its slots, oldest first. One
    round trip on PostgreSQL."""
    postgres = conn.dialect.name == "postgresql"
    slots = {_slot(p.acta) for p in batch}
    hashes, h_params = membership(sorted({p.signed.sha256 for p in batch}), postgres)
    names = {p.signed.sender for p in batch}
    who, n_params = membership(sorted(names), postgres)
    units, u_params = membership(sorted({s[0] for s in slots}), postgres)
    statements: list[Statement] = [(APPEND_LOCK_SQL, [])] if postgres else []
    statements += [
        ("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", []),
        (f"SELECT sha256, receipt FROM envelopes WHERE sha256 {hashes}", h_params),
        (SENDERS_SQL + who, n_params),
        (
            "SELECT unit_idx, contest, source, version, content_hash, log_idx, id "
            f"FROM acta_versions WHERE unit_idx {units} ORDER BY version",
            u_params,
        ),
    ]
    start, receipts, senders, stored = run_pipelined(conn, statements)[-4:]
    versions: dict[_Slot, list[tuple[int, str, int, int | None]]] = {s: [] for s in slots}
    for u, c, s, version, content_hash, log_idx, row_id in stored:
        if (u, c, s) in versions:
            versions[(u, c, s)].append((int(version), str(content_hash), int(log_idx), int(row_id)))
    return (
        int(start[0][0]),
        {str(h): bytes(r) for h, r in receipts},
        senders_from_rows(names, senders),
        versions,
    )
