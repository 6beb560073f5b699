"""The signed receipt for an accepted envelope: Certificate Transparency's signed certificate
timestamp (RFC 6962 §3.2) applied to actas.

A receipt document is the RFC 8785 canonical JSON object::

    {"key_id": "<8 hex: the log key's signed-note key ID>",
     "receipt": {"acta": {"contest": …, "source": …, "unit": …, "version": n,
                          "outcome": "new" | "conflicting" | "duplicate"},
                 "envelope_sha256": "<64 hex>",
                 "leaf_hash": "<64 hex: RFC 9162 hash of the envelope's log leaf>",
                 "log_index": n,
                 "maximum_merge_delay": seconds,
                 "origin": "<the log's origin (its key name)>",
                 "received_at": "<RFC 3339 UTC>",
                 "sender": "<sender name>",
                 "version": "escrutinio-receipt/1"},
     "signature": "<base64 Ed25519 over RECEIPT_DOMAIN + canonical(receipt)>"}

It is the log's promise that leaf ``log_index``, whose hash is ``leaf_hash`` and which
records the envelope ``envelope_sha256``, appears in a checkpoint the log signs no later
than ``received_at + maximum_merge_delay``. The signing key is the log's checkpoint key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from escrutinio.ledger.note import Ed25519Signer, Ed25519Verifier
from escrutinio.submission.envelope import canonical_bytes

RECEIPT_VERSION = "escrutinio-receipt/1"
RECEIPT_DOMAIN = b"escrutinio receipt v1\n"
RECEIPT_KEYS = frozenset(
    {
        "acta",
        "envelope_sha256",
        "leaf_hash",
        "log_index",
        "maximum_merge_delay",
        "origin",
        "received_at",
        "sender",
        "version",
    }
)
DOC_KEYS = frozenset({"key_id", "receipt", "signature"})
HEX64 = re.compile(r"[0-9a-f]{64}")


class ReceiptError(ValueError):
    """A receipt is malformed, for another log, or its signature does not verify."""


@dataclass(frozen=True)
class Receipt:
    """A verified receipt's fields."""

    origin: str
    envelope_sha256: str
    log_index: int
    leaf_hash: str
    received_at: str
    maximum_merge_delay: int
    sender: str
    acta: dict[str, Any]

    @property
    def deadline(self) -> str:
        """When the leaf must be in a signed checkpoint at the latest (RFC 3339 UTC)."""
        return merge_deadline(self.received_at, self.maximum_merge_delay)


def merge_deadline(received_at: str, maximum_merge_delay: int) -> str:
    """``received_at`` plus the maximum merge delay, as RFC 3339 UTC."""
    moment = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    return (
        (moment + timedelta(seconds=maximum_merge_delay))
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def receipt_body(
    *,
    origin: str,
    envelope_sha256: str,
    log_index: int,
    leaf_hash: bytes,
    received_at: str,
    maximum_merge_delay: int,
    sender: str,
    acta: dict[str, Any],
) -> dict[str, Any]:
    """The receipt's signed object (see the module docstring)."""
    return {
        "acta": acta,
        "envelope_sha256": envelope_sha256,
        "leaf_hash": leaf_hash.hex(),
        "log_index": log_index,
        "maximum_merge_delay": maximum_merge_delay,
        "origin": origin,
        "received_at": received_at,
        "sender": sender,
        "version": RECEIPT_VERSION,
    }


def sign_receipt(body: dict[str, Any], signer: Ed25519Signer) -> bytes:
    """The canonical bytes of the receipt document for ``body`` signed by the log key."""
    signed = canonical_bytes(body)
    signature = base64.b64encode(signer.sign(RECEIPT_DOMAIN + signed))
    # RFC 8785 of {"key_id", "receipt", "signature"}: the members in this (sorted) order,
    # the key ID and the base64 signature being plain ASCII strings
    key_id = f"{signer.key_id:08x}".encode("ascii")
    return (
        b'{"key_id":"' + key_id + b'","receipt":' + signed + b',"signature":"' + signature + b'"}'
    )


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ReceiptError(f"receipt field {name!r} is missing or not {kind.__name__}")
    return value


def verify_receipt(receipt: bytes | dict[str, Any], verifier: Ed25519Verifier) -> Receipt:
    """Check a receipt document (bytes or parsed) against the log's verifier key: its form,
    its key ID and origin, and its Ed25519 signature. Raises `ReceiptError`."""
    if isinstance(receipt, bytes):
        try:
            doc = json.loads(receipt)
        except (ValueError, RecursionError) as exc:
            raise ReceiptError(f"the receipt is not JSON ({exc})") from None
    else:
        doc = receipt
    if not isinstance(doc, dict) or set(doc) != DOC_KEYS:
        raise ReceiptError(f"a receipt is an object with exactly {', '.join(sorted(DOC_KEYS))}")
    body = doc["receipt"]
    if not isinstance(body, dict) or set(body) != RECEIPT_KEYS:
        raise ReceiptError(
            f"the receipt object must have exactly {', '.join(sorted(RECEIPT_KEYS))}"
        )
    if body["version"] != RECEIPT_VERSION:
        raise ReceiptError(f"unknown receipt version {body['version']!r}")
    if doc["key_id"] != f"{verifier.key_id:08x}" or body["origin"] != verifier.name:
        raise ReceiptError(
            f"the receipt is signed for log {body['origin']!r} key {doc['key_id']!r}, "
            f"not by this log's key ({verifier.name} {verifier.key_id:08x})"
        )
    try:
        signature = base64.b64decode(str(doc["signature"]).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ReceiptError("the receipt signature is not base64") from None
    if not verifier.verify(RECEIPT_DOMAIN + canonical_bytes(body), signature):
        raise ReceiptError("the receipt signature does not verify with the log's key")
    for name in ("envelope_sha256", "leaf_hash"):
        if not HEX64.fullmatch(_field(body, name, str)):
            raise ReceiptError(f"receipt field {name!r} is not 64 hex digits")
    index, delay = _field(body, "log_index", int), _field(body, "maximum_merge_delay", int)
    if index < 0 or delay < 0:
        raise ReceiptError("receipt log_index and maximum_merge_delay must not be negative")
    return Receipt(
        origin=body["origin"],
        envelope_sha256=body["envelope_sha256"],
        log_index=index,
        leaf_hash=body["leaf_hash"],
        received_at=_field(body, "received_at", str),
        maximum_merge_delay=delay,
        sender=_field(body, "sender", str),
        acta=_field(body, "acta", dict),
    )


def receipt_digest(receipt: bytes) -> str:
    """SHA-256 (hex) of a receipt document's bytes (how a client names its receipt file)."""
    return hashlib.sha256(receipt).hexdigest()
