"""The signed checkpoints of the log kept in the store, and their witness cosignatures."""

from __future__ import annotations

from escrutinio.store import checkpoints as stored
from escrutinio.store.checkpoints import StoredCheckpoint, StoredCosignature
from escrutinio.store.store import Store


def checkpoints(store: Store) -> list[StoredCheckpoint]:
    """Every signed checkpoint stored so far, oldest first."""
    return stored.checkpoints(store)


def latest_checkpoint(store: Store) -> StoredCheckpoint | None:
    """The most recently signed checkpoint, or None before the first."""
    return stored.latest_checkpoint(store)


def cosignatures(store: Store, size: int | None = None) -> list[StoredCosignature]:
    """The witness cosignatures collected (for the checkpoint of ``size`` when given)."""
    return stored.cosignatures(store, size)
