"""Shared pieces of the submission tests: a store with the small election, a log key, two
registered senders (the official transmission for state A, a MUD witness for u1 and u2)
and signed request bodies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from escrutinio.images.store import ImageStore
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import Definition
from escrutinio.model.prepared import content_templates
from escrutinio.receive.limits import RateLimiter
from escrutinio.receive.receiver import Receiver
from escrutinio.store import definitions as store_definitions
from escrutinio.store import schema as t
from escrutinio.store.senders import register_sender
from escrutinio.store.store import Store
from escrutinio.submission import ImageRef, build_envelope, request_body

LOG = "log.example/escrutinio"


@dataclass
class Kit:
    """A store ready to receive actas, and the keys of its log and senders."""

    store: Store
    log: Ed25519Signer
    official: Ed25519Signer
    witness: Ed25519Signer
    images: ImageStore
    definition: Definition

    def receiver(self, rate: float = 0.0, burst: int = 1) -> Receiver:
        """A receiver over this store (a fresh one per server process)."""
        return Receiver(
            self.store,
            self.log,
            self.images,
            RateLimiter(rate, burst),
            300,
            self.definition,
            content_templates(self.definition),
        )


def acta(unit: str = "u1", **changes: Any) -> dict[str, Any]:
    """A valid acta object of contest gov-A (no source: the sender's)."""
    doc: dict[str, Any] = {
        "unit": unit,
        "contest": "gov-A",
        "voters": 300,
        "null": 3,
        "votes": {"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5},
    }
    doc.update(changes)
    return doc


def body(
    signer: Ed25519Signer,
    doc: dict[str, Any],
    images: list[ImageRef] | None = None,
    sent_at: str = "2017-10-15T22:00:00Z",
) -> bytes:
    """The canonical signed request body for ``doc`` from ``signer``'s sender."""
    envelope = build_envelope(doc, signer.name, signer.key_id, images or [], sent_at)
    return request_body(envelope, signer)


def make_kit(db_url: str, definition: Definition, directory: Path) -> Kit:
    """The store with its definition and both senders registered."""
    store = Store.open(db_url)
    store_definitions.load_definition(store, definition)
    official = Ed25519Signer.generate("cne-transmission-A")
    witness = Ed25519Signer.generate("mud-witness-1")
    register_sender(
        store, official.name, official.verifier().verifier_key(), "official", regions=["A"]
    )
    register_sender(
        store, witness.name, witness.verifier().verifier_key(), "witness:MUD", units=["u1", "u2"]
    )
    return Kit(
        store,
        Ed25519Signer.generate(LOG),
        official,
        witness,
        ImageStore(directory / "images"),
        definition,
    )


def counts(store: Store) -> tuple[int, int, int]:
    """Stored acta versions, log entries and envelopes."""
    with store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (t.acta_versions, t.log_entries, t.envelopes)
        )
