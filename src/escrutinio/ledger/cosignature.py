"""Witness cosignatures on checkpoints and k-of-n witness policies.

Implements the Ed25519 cosignature of C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature),
"cosignature/v1": a signed-note signature with key ID
``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` whose bytes are a big-endian u64 POSIX
timestamp followed by an RFC 8032 Ed25519 signature over::

    cosignature/v1
    time <timestamp>
    <checkpoint note text>

A policy accepts a checkpoint when its log signature verifies and at least ``k`` distinct
configured witnesses cosigned it, the quorum idea of C2SP tlog-witness.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from escrutinio.ledger.checkpoint import Checkpoint, parse_checkpoint
from escrutinio.ledger.note import (
    Ed25519Signer,
    Ed25519Verifier,
    NoteError,
    NoteVerifier,
    add_signatures,
    compute_key_id,
    open_note,
    parse_note,
    parse_verifier_key,
)

COSIGNATURE_TYPE = 0x04
MAX_TIMESTAMP = (1 << 63) - 1


class CosignatureError(NoteError):
    """A cosignature is malformed, or a witness policy is not satisfied."""


def cosigned_message(body: str, timestamp: int) -> bytes:
    """Return the bytes a cosigner signs for checkpoint text ``body`` at ``timestamp``."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError(f"timestamp {timestamp} is outside 0..2^63-1")
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_timestamp(signature: bytes) -> int:
    """Return the timestamp carried by a 72-byte cosignature."""
    if len(signature) != 72:
        raise CosignatureError(f"cosignature must be 72 bytes, got {len(signature)}")
    return int.from_bytes(signature[:8], "big")


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's Ed25519 public key, verifying cosignature/v1 signatures on checkpoints."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        Ed25519Verifier(self.name, self.public_key, COSIGNATURE_TYPE)

    @property
    def key_id(self) -> int:
        """The key ID for signature type 0x04."""
        return compute_key_id(self.name, COSIGNATURE_TYPE, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is a valid cosignature of checkpoint text ``text``."""
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        message = cosigned_message(text.decode("utf-8"), timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[8:], message)
        except InvalidSignature:
            return False
        return True

    def verifier_key(self) -> str:
        """Return the verifier key string with type byte 0x04."""
        return Ed25519Verifier(self.name, self.public_key, COSIGNATURE_TYPE).verifier_key()


def parse_cosigner_key(vkey: str) -> CosignatureVerifier:
    """Parse a witness verifier key string of type 0x04."""
    parsed = parse_verifier_key(vkey, COSIGNATURE_TYPE)
    return CosignatureVerifier(parsed.name, parsed.public_key)


@dataclass(frozen=True)
class CosignatureSigner:
    """A witness's Ed25519 private key producing cosignature/v1 signatures."""

    name: str
    seed: bytes = field(repr=False)
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)

    def __post_init__(self) -> None:
        Ed25519Signer(self.name, self.seed)

    @classmethod
    def from_signer(cls, signer: Ed25519Signer) -> CosignatureSigner:
        """Use an Ed25519 note key (same name and seed) as a cosigner key."""
        return cls(signer.name, signer.seed)

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return Ed25519Signer(self.name, self.seed).public_key

    @property
    def key_id(self) -> int:
        """The key ID for signature type 0x04."""
        return compute_key_id(self.name, COSIGNATURE_TYPE, self.public_key)

    def verifier(self) -> CosignatureVerifier:
        """Return the matching cosignature verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def sign_at(self, text: bytes, timestamp: int) -> bytes:
        """Return timestamp (8 bytes, big-endian) || Ed25519 signature for checkpoint ``text``."""
        message = cosigned_message(text.decode("utf-8"), timestamp)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)
        return timestamp.to_bytes(8, "big") + signature

    def sign(self, text: bytes) -> bytes:
        """Cosign checkpoint ``text`` at the current time of the signer's clock."""
        return self.sign_at(text, int(self.clock()))


def cosign(note: str, signer: CosignatureSigner, timestamp: int | None = None) -> str:
    """Return the signed checkpoint ``note`` with ``signer``'s cosignature added.

    The checkpoint text is parsed first, so only well-formed checkpoints are cosigned.  The
    caller (a witness) is responsible for having checked consistency with its previous view.
    """
    parse_checkpoint(parse_note(note).text)
    if timestamp is None:
        return add_signatures(note, [signer])
    fixed = CosignatureSigner(signer.name, signer.seed, clock=lambda: float(timestamp))
    return add_signatures(note, [fixed])


@dataclass(frozen=True)
class WitnessPolicy:
    """Accept a checkpoint signed by the log and cosigned by at least ``threshold`` witnesses."""

    log: NoteVerifier
    witnesses: tuple[CosignatureVerifier, ...]
    threshold: int
    max_future_seconds: int | None = 300

    def __post_init__(self) -> None:
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise CosignatureError("witness names in a policy must be distinct")
        keys = [w.public_key for w in self.witnesses]
        if len(set(keys)) != len(keys):
            raise CosignatureError("witness keys in a policy must be distinct")
        if not 1 <= self.threshold <= len(self.witnesses):
            raise CosignatureError(
                f"threshold {self.threshold} must be between 1 and {len(self.witnesses)}"
            )


@dataclass(frozen=True)
class PolicyResult:
    """A checkpoint accepted by a `WitnessPolicy`, with the witnesses that cosigned it."""

    checkpoint: Checkpoint
    witnesses: tuple[str, ...]
    timestamps: dict[str, int]


def check_policy(
    note: str | bytes, policy: WitnessPolicy, now: float | None = None
) -> PolicyResult:
    """Verify a cosigned checkpoint note against ``policy``; raise `NoteError` when it fails.

    The log signature must verify; every configured witness's cosignature must verify (a bad
    one rejects the note); cosignatures dated more than ``max_future_seconds`` ahead of ``now``
    do not count; at least ``threshold`` distinct witnesses must remain.
    """
    verifiers: Sequence[NoteVerifier] = [policy.log, *policy.witnesses]
    opened = open_note(note, verifiers)
    if (policy.log.name, policy.log.key_id) not in {(s.name, s.key_id) for s in opened.verified}:
        raise CosignatureError(f"the checkpoint is not signed by the log key {policy.log.name}")
    checkpoint = parse_checkpoint(opened.text)
    witness_ids = {(w.name, w.key_id) for w in policy.witnesses}
    current = time.time() if now is None else now
    timestamps: dict[str, int] = {}
    for sig in opened.verified:
        if (sig.name, sig.key_id) not in witness_ids:
            continue
        stamp = cosignature_timestamp(sig.signature)
        if policy.max_future_seconds is not None and stamp > current + policy.max_future_seconds:
            continue
        timestamps[sig.name] = stamp
    if len(timestamps) < policy.threshold:
        raise CosignatureError(
            f"only {len(timestamps)} of the required {policy.threshold} witnesses cosigned"
        )
    return PolicyResult(checkpoint, tuple(sorted(timestamps)), timestamps)
