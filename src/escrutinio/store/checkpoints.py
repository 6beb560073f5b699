"""Persistence of signed checkpoints and of the witness cosignatures collected for them.

A checkpoint is the log's signed tree head in the C2SP tlog-checkpoint / signed-note formats
(https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note) over the RFC 9162 Merkle
tree of the ``log_entries`` leaf hashes; cosignatures follow C2SP tlog-cosignature.  Rows are
only inserted, never updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Row

from escrutinio.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from escrutinio.ledger.cosignature import CosignatureVerifier, parse_cosigner_key
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.ledger.note import Ed25519Signer, NoteError, open_note, parse_note
from escrutinio.model.acta import utc_timestamp
from escrutinio.store import schema as t
from escrutinio.store.store import Store, StoreError


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as kept in the store."""

    id: int
    size: int
    root_hash: bytes
    note: str
    created_at: str


@dataclass(frozen=True)
class StoredCosignature:
    """One witness cosignature line for the checkpoint of (size, root hash)."""

    size: int
    root_hash: bytes
    witness: str
    line: str
    witness_key: str


def leaf_hashes(conn: Connection, stop: int | None = None) -> list[bytes]:
    """Every stored leaf hash in index order (up to ``stop`` entries)."""
    query = select(t.log_entries.c.leaf_hash).order_by(t.log_entries.c.idx)
    if stop is not None:
        query = query.where(t.log_entries.c.idx < stop)
    return [bytes(r[0]) for r in conn.execute(query)]


def log_tree(store: Store) -> MerkleTree:
    """The RFC 9162 Merkle tree of the store's log, from its stored leaf hashes."""
    with store.engine.connect() as conn:
        return MerkleTree.from_leaf_hashes(leaf_hashes(conn))


def _row(r: Row[Any, Any, Any, Any, Any]) -> StoredCheckpoint:
    return StoredCheckpoint(
        int(r.id), int(r.size), bytes(r.root_hash), str(r.note), str(r.created_at)
    )


def store_checkpoint(store: Store, checkpoint: Checkpoint, note: str) -> StoredCheckpoint:
    """Keep a signed checkpoint note; it must be the note of ``checkpoint``."""
    if parse_checkpoint(parse_note(note).text) != checkpoint:
        raise StoreError("the note does not carry this checkpoint")
    created = utc_timestamp()
    with store.engine.begin() as conn:
        conn.execute(
            insert(t.checkpoints).values(
                size=checkpoint.size,
                root_hash=checkpoint.root_hash,
                note=note,
                created_at=created,
            )
        )
    latest = latest_checkpoint(store)
    assert latest is not None
    return latest


def sign_checkpoint_now(store: Store, signer: Ed25519Signer, tree: MerkleTree | None = None) -> str:
    """Sign a checkpoint of the current log with ``signer`` (origin = key name), store it and
    return the note text.  Re-signing an unchanged log returns the latest stored note.
    ``tree``: the log's tree as the caller just rebuilt it from the stored entries (a prefix
    of the log when it grew since; the checkpoint is then of that prefix), not read again."""
    latest = latest_checkpoint(store)
    if tree is None or (latest is not None and latest.size > tree.size):
        tree = log_tree(store)
    checkpoint = Checkpoint(signer.name, tree.size, tree.root())
    if latest is not None and latest.size > tree.size:
        raise StoreError(
            f"the log has {tree.size} entries but a checkpoint of size {latest.size} was "
            "signed before: the log was truncated"
        )
    if latest is not None:
        _check_same_log_key(latest.note, signer)
    note = sign_checkpoint(checkpoint, [signer])
    if latest is not None and latest.note == note:
        return note
    store_checkpoint(store, checkpoint, note)
    return note


def _check_same_log_key(previous_note: str, signer: Ed25519Signer) -> None:
    """Refuse a signer other than the one that signed this log's earlier checkpoints (for
    example a witness's key passed by mistake): one log, one key."""
    try:
        open_checkpoint(previous_note, signer.verifier(), origin=signer.name)
    except (NoteError, CheckpointError):
        previous = parse_checkpoint(parse_note(previous_note).text).origin
        raise StoreError(
            f"this log's checkpoints were signed by the key of '{previous}'; refusing to sign "
            f"with another key ('{signer.name}'): use the log's own key"
        ) from None


def checkpoints(store: Store) -> list[StoredCheckpoint]:
    """Every stored checkpoint, oldest first."""
    c = t.checkpoints.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(c.id, c.size, c.root_hash, c.note, c.created_at).order_by(c.id)
        ).all()
    return [_row(r) for r in rows]


def latest_checkpoint(store: Store) -> StoredCheckpoint | None:
    """The most recently stored checkpoint, or None."""
    c = t.checkpoints.c
    with store.engine.connect() as conn:
        row = conn.execute(
            select(c.id, c.size, c.root_hash, c.note, c.created_at).order_by(c.id.desc()).limit(1)
        ).first()
    return None if row is None else _row(row)


def add_cosignature(store: Store, cosigned_note: str, witness_key: str) -> StoredCosignature:
    """Verify a cosigned checkpoint note with the witness key string and keep the cosignature.

    The checkpoint must be one the log signed (a stored checkpoint with the same text).
    """
    witness: CosignatureVerifier = parse_cosigner_key(witness_key)
    opened = open_note(cosigned_note, [witness])
    checkpoint = parse_checkpoint(opened.text)
    known = [c for c in checkpoints(store) if parse_note(c.note).text == opened.text]
    if not known:
        raise StoreError(
            f"the cosigned checkpoint (size {checkpoint.size}) is not one this log signed"
        )
    sig = next(s for s in opened.verified if s.name == witness.name)
    row = StoredCosignature(
        checkpoint.size, checkpoint.root_hash, witness.name, sig.line(), witness.verifier_key()
    )
    c = t.cosignatures.c
    with store.engine.begin() as conn:
        conn.execute(
            t.cosignatures.delete().where(
                c.size == row.size, c.root_hash == row.root_hash, c.witness == row.witness
            )
        )
        conn.execute(
            insert(t.cosignatures).values(
                size=row.size,
                root_hash=row.root_hash,
                witness=row.witness,
                line=row.line,
                witness_key=row.witness_key,
                added_at=utc_timestamp(),
            )
        )
    return row


def cosignatures(store: Store, size: int | None = None) -> list[StoredCosignature]:
    """Stored cosignatures (of the checkpoints of ``size`` when given), by witness name."""
    c = t.cosignatures.c
    query = select(c.size, c.root_hash, c.witness, c.line, c.witness_key).order_by(c.witness)
    if size is not None:
        query = query.where(c.size == size)
    with store.engine.connect() as conn:
        return [
            StoredCosignature(int(r[0]), bytes(r[1]), r[2], r[3], r[4]) for r in conn.execute(query)
        ]


def cosigned_note(store: Store, stored: StoredCheckpoint) -> str:
    """The checkpoint note with every collected cosignature line for it appended."""
    lines = [
        c.line
        for c in cosignatures(store, stored.size)
        if c.root_hash == stored.root_hash and c.line not in stored.note
    ]
    return stored.note + "".join(lines)
