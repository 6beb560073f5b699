"""The verifier's own parsing and checking of signed notes, checkpoints and cosignatures.

Formats: C2SP signed-note (text, blank line, ``— <name> base64(key ID || signature)``
lines; key ID = SHA-256(name || 0x0A || type || public key)[:4]; verifier keys
``<name>+<hex id>+base64(type || key)``), C2SP tlog-checkpoint (origin, size, base64 root,
extension lines) and C2SP tlog-cosignature (type 0x04, signature = u64 time || Ed25519 over
``cosignature/v1\\ntime <t>\\n<checkpoint>``).  Ed25519 is RFC 8032 (via ``cryptography``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

NOTE_TYPE = 0x01
COSIGNATURE_TYPE = 0x04
DASH = "\u2014 "


class NoteProblem(ValueError):
    """A key, note, checkpoint or signature is malformed or does not verify."""


def _b64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteProblem(f"{what} is not valid base64") from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteProblem(f"{what} is not canonical base64")
    return data


@dataclass(frozen=True)
class PublicKey:
    """A verifier key: name, signature type (0x01 log, 0x04 witness) and Ed25519 key."""

    name: str
    sig_type: int
    key: bytes

    @property
    def key_id(self) -> int:
        """SHA-256(name || 0x0A || type || key)[:4] as an integer."""
        digest = hashlib.sha256(self.name.encode() + b"\n" + bytes([self.sig_type]) + self.key)
        return int.from_bytes(digest.digest()[:4], "big")

    def key_string(self) -> str:
        """The ``<name>+<hex id>+<base64(type || key)>`` verifier key string."""
        blob = base64.b64encode(bytes([self.sig_type]) + self.key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{blob}"

    def check(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_key(text: str) -> PublicKey:
    """Parse a ``<name>+<hex id>+<base64(type || key)>`` verifier key string."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise NoteProblem(f"malformed verifier key {text.strip()!r}")
    name, hex_id, blob_text = parts
    blob = _b64(blob_text, "verifier key")
    if len(blob) != 33 or blob[0] not in (NOTE_TYPE, COSIGNATURE_TYPE):
        raise NoteProblem(f"verifier key of {name} is not an Ed25519 key")
    key = PublicKey(name, blob[0], blob[1:])
    if len(hex_id) != 8 or f"{key.key_id:08x}" != hex_id.lower():
        raise NoteProblem(f"verifier key of {name}: key ID {hex_id} does not match the key")
    return key


@dataclass(frozen=True)
class SignatureLine:
    """One signature line of a note."""

    name: str
    key_id: int
    signature: bytes
    line: str


@dataclass(frozen=True)
class Note:
    """A signed note split into text and signature lines."""

    text: str
    signatures: tuple[SignatureLine, ...]


def parse_signed_note(data: bytes | str) -> Note:
    """Split a signed note; raises `NoteProblem` when it is malformed."""
    try:
        raw = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise NoteProblem("note is not UTF-8") from exc
    split = raw.rfind("\n\n")
    if split < 0 or not raw.endswith("\n"):
        raise NoteProblem("note has no blank line before its signatures")
    text = raw[: split + 1]
    sigs: list[SignatureLine] = []
    for line in raw[split + 2 : -1].split("\n"):
        if not line.startswith(DASH):
            raise NoteProblem(f"malformed signature line {line!r}")
        name, _, blob_text = line[len(DASH) :].rpartition(" ")
        blob = _b64(blob_text, f"signature of {name}")
        if not name or len(blob) < 5:
            raise NoteProblem(f"malformed signature line {line!r}")
        sigs.append(SignatureLine(name, int.from_bytes(blob[:4], "big"), blob[4:], line + "\n"))
    return Note(text, tuple(sigs))


@dataclass(frozen=True)
class CheckpointBody:
    """The parsed checkpoint text."""

    origin: str
    size: int
    root: bytes
    text: str


def parse_checkpoint_text(text: str) -> CheckpointBody:
    """Parse origin, size and root of a C2SP checkpoint text."""
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NoteProblem("checkpoint needs an origin, a size and a root hash")
    size_text = lines[1]
    if not size_text.isascii() or not size_text.isdigit() or size_text != str(int(size_text)):
        raise NoteProblem(f"checkpoint size {size_text!r} is not a canonical decimal number")
    root = _b64(lines[2], "checkpoint root hash")
    if len(root) != 32:
        raise NoteProblem("checkpoint root hash is not 32 bytes")
    return CheckpointBody(lines[0], int(size_text), root, text)


def _matching(note: Note, key: PublicKey) -> list[SignatureLine]:
    return [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]


def check_log_signature(note: Note, log_key: PublicKey) -> CheckpointBody:
    """Verify the log's signature and parse the checkpoint; origin must be the key name."""
    sigs = _matching(note, log_key)
    if not sigs:
        raise NoteProblem(f"checkpoint carries no signature by the log key {log_key.name}")
    if not all(log_key.check(note.text.encode(), s.signature) for s in sigs):
        raise NoteProblem(f"the log signature by {log_key.name} does not verify")
    body = parse_checkpoint_text(note.text)
    if body.origin != log_key.name:
        raise NoteProblem(f"checkpoint origin {body.origin!r} is not the log {log_key.name!r}")
    return body


def check_signed_by(note: Note, key: PublicKey, what: str) -> None:
    """Require a signature line by ``key`` on ``note`` and every such line to verify."""
    sigs = _matching(note, key)
    if not sigs:
        raise NoteProblem(f"{what} carries no signature by the key {key.name}")
    if not all(key.check(note.text.encode(), s.signature) for s in sigs):
        raise NoteProblem(f"{what}: the signature by {key.name} does not verify")


def check_cosignature(note: Note, witness: PublicKey) -> int | None:
    """The timestamp of ``witness``'s valid cosignature on the note, or None if absent.

    Raises `NoteProblem` when the witness signed but the signature does not verify.
    """
    for sig in _matching(note, witness):
        if len(sig.signature) != 72:
            raise NoteProblem(f"cosignature by {witness.name} is not 72 bytes")
        stamp = int.from_bytes(sig.signature[:8], "big")
        message = f"cosignature/v1\ntime {stamp}\n{note.text}".encode()
        if not witness.check(message, sig.signature[8:]):
            raise NoteProblem(f"cosignature by witness {witness.name} does not verify")
        return stamp
    return None


def check_every_signature(note: Note, keys: list[PublicKey]) -> None:
    """Require every signature line to be by one of ``keys`` and to verify."""
    known = {(k.name, k.key_id): k for k in keys}
    for sig in note.signatures:
        key = known.get((sig.name, sig.key_id))
        if key is None:
            raise NoteProblem(f"signature line by {sig.name!r} is not from a published key")
        if key.sig_type == COSIGNATURE_TYPE:
            check_cosignature(Note(note.text, (sig,)), key)
        elif not key.check(note.text.encode(), sig.signature):
            raise NoteProblem(f"signature by {sig.name} does not verify")
