"""The leaves of the transparency log: every kind of record the log holds, its canonical
body (RFC 8785 JSON naming its own kind) and its RFC 9162 leaf hash.

Every writer builds its leaf here, so the log's vocabulary is written once: a definition,
an acta version, an adjudication, a bulletin, an audit step, an image attached to an
acta version after it was stored, a sender's registration or revocation and a signed
envelope received through the submission endpoint. A leaf holds at most
:data:`MAX_LEAF_BYTES` bytes, because a published log entry (C2SP tlog-tiles entry
bundles) gives each leaf a 16-bit length. The independent verifier keeps its own readers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from escrutinio.model.canonical import canonical_json, canonical_json_fast

DEFINITION = "definition"
ACTA = "acta"
ADJUDICATION = "adjudication"
BULLETIN = "bulletin"
AUDIT = "audit"
IMAGE = "image"
SENDER = "sender"
SENDER_REVOCATION = "sender_revocation"
ENVELOPE = "envelope"
LEAF_KINDS = (
    DEFINITION,
    ACTA,
    ADJUDICATION,
    BULLETIN,
    AUDIT,
    IMAGE,
    SENDER,
    SENDER_REVOCATION,
    ENVELOPE,
)

LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1: a leaf is hashed behind a zero byte
MAX_LEAF_BYTES = 0xFFFF  # C2SP tlog-tiles entry bundles give each leaf a 16-bit length


def leaf_hash(body: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || body)."""
    return hashlib.sha256(LEAF_PREFIX + body).digest()


def definition_leaf(
    fingerprint: str,
    meta: dict[str, Any],
    regions: int,
    regions_sha256: str,
    units: int,
    units_sha256: str,
) -> bytes:
    """The leaf recording a loaded definition: its fingerprint, metadata, and the number
    and SHA-256 of its canonical region and unit tables."""
    return canonical_json_fast(
        {
            "kind": DEFINITION,
            "fingerprint": fingerprint,
            "meta": meta,
            "regions": regions,
            "regions_sha256": regions_sha256,
            "units": units,
            "units_sha256": units_sha256,
        }
    )


# the acta leaf's fixed parts, in RFC 8785 key order (acta, content_hash, counting, kind,
# received_at, status, version): the column-wise path in model.prepared joins them too
ACTA_HEAD = b'{"acta":'
ACTA_HASH = b',"content_hash":"'
ACTA_COUNTING = b'","counting":'
ACTA_RECEIVED = b',"kind":"acta","received_at":"'
ACTA_STATUS = b'","status":"'
ACTA_VERSION = b'","version":'


def acta_leaf(
    content: bytes, content_hash: str, received_at: str, version: int, status: str
) -> bytes:
    """The leaf of a stored acta version, given the acta's canonical content. Only a first
    version counts from the moment it is stored."""
    return b"".join(
        (
            ACTA_HEAD,
            content,
            ACTA_HASH,
            content_hash.encode(),
            ACTA_COUNTING,
            b"true" if version == 1 else b"false",
            ACTA_RECEIVED,
            received_at.encode(),
            ACTA_STATUS,
            status.encode(),
            ACTA_VERSION,
            str(version).encode(),
            b"}",
        )
    )


def adjudication_leaf(
    unit: str,
    contest: str,
    source: str,
    version: int | None,
    reason: str,
    decided_by: str,
    decided_at: str,
) -> bytes:
    """The leaf recording which version of an acta counts (``version`` None: none)."""
    return canonical_json_fast(
        {
            "kind": ADJUDICATION,
            "unit": unit,
            "contest": contest,
            "source": source,
            "version": version,
            "reason": reason,
            "decided_by": decided_by,
            "decided_at": decided_at,
        }
    )


def bulletin_leaf(number: int, created_at: str, source: str, sha256: str) -> bytes:
    """The leaf recording a published bulletin by its number, time, source and the SHA-256
    of its canonical body."""
    return canonical_json_fast(
        {
            "kind": BULLETIN,
            "number": number,
            "created_at": created_at,
            "source": source,
            "sha256": sha256,
        }
    )


def audit_leaf(body: dict[str, Any]) -> bytes:
    """The leaf of one audit step (its fields as given, plus the kind)."""
    return canonical_json_fast({**body, "kind": AUDIT})


def image_leaf(
    unit: str,
    contest: str,
    source: str,
    version: int,
    sha256: str,
    media_type: str,
    attached_at: str,
) -> bytes:
    """The leaf recording an image (by its SHA-256 and media type) attached to a stored
    acta version, and when."""
    return canonical_json_fast(
        {
            "kind": IMAGE,
            "unit": unit,
            "contest": contest,
            "source": source,
            "version": version,
            "sha256": sha256,
            "media_type": media_type,
            "attached_at": attached_at,
        }
    )


def sender_leaf(
    name: str,
    key: str,
    key_id: str,
    source: str,
    units: list[str],
    regions: list[str],
    registered_at: str,
) -> bytes:
    """The leaf registering a sender: its name, signed-note verifier key (and key ID), the
    acta source it sends for and its scope (units, or regions containing them)."""
    return canonical_json_fast(
        {
            "kind": SENDER,
            "name": name,
            "key": key,
            "key_id": key_id,
            "source": source,
            "units": units,
            "regions": regions,
            "registered_at": registered_at,
        }
    )


def sender_revocation_leaf(name: str, key_id: str, reason: str, revoked_at: str) -> bytes:
    """The leaf revoking a sender's key: envelopes received after it are refused."""
    return canonical_json_fast(
        {
            "kind": SENDER_REVOCATION,
            "name": name,
            "key_id": key_id,
            "reason": reason,
            "revoked_at": revoked_at,
        }
    )


def envelope_leaf(
    envelope: dict[str, Any],
    signature: str,
    envelope_sha256: str,
    received_at: str,
    acta_index: int,
    acta_version: int,
    outcome: str,
    envelope_bytes: bytes | None = None,
) -> bytes:
    """The leaf of a signed envelope as received: the envelope and its sender's signature
    (so anyone can check both against the sender leaf), its hash, when it arrived, and the
    log index and version of the acta version it delivered (``outcome``: new, conflicting
    or duplicate, when an identical acta was already stored). ``envelope_bytes``, the
    envelope's RFC 8785 bytes when the caller has them, are spliced in instead of being
    written again (the other members are ASCII strings and integers, so the result is the
    same canonical JSON)."""
    leaf = {
        "kind": ENVELOPE,
        "envelope": envelope,
        "signature": signature,
        "envelope_sha256": envelope_sha256,
        "received_at": received_at,
        "acta_index": acta_index,
        "acta_version": acta_version,
        "outcome": outcome,
    }
    if envelope_bytes is None:
        return canonical_json(leaf)
    leaf["envelope"] = 0
    head, sep, tail = canonical_json_fast(leaf).partition(b'"envelope":0,')
    if not sep:  # never expected: the keys are fixed
        raise ValueError("envelope leaf: no place for the envelope")
    return head + b'"envelope":' + envelope_bytes + b"," + tail
