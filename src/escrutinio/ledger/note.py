"""Signed notes with Ed25519 keys.

Implements C2SP signed-note (https://c2sp.org/signed-note), the format of Go's checksum
database (golang.org/x/mod/sumdb/note): a UTF-8 text ending in a newline, a blank line, then
signature lines ``— <key name> base64(key ID || signature)``.  Ed25519 signatures follow
RFC 8032; the key ID is ``SHA-256(name || 0x0A || type || public key)[:4]`` with type 0x01.
Key strings use the same encoding as Go's note package: verifier keys
``<name>+<hex key ID>+base64(type || public key)`` and signer keys
``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519_TYPE = 0x01
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, U+0020 SPACE
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """Base class of every signed-note error."""


class KeyFormatError(NoteError):
    """A key name, verifier key string or signer key string is malformed."""


class MalformedNoteError(NoteError):
    """A note is not a well-formed signed note."""


class InvalidSignatureError(NoteError):
    """A signature by a known key failed to verify."""


class UnverifiedNoteError(NoteError):
    """No signature on a note verified against the known keys."""


class NoteSigner(Protocol):
    """Anything that can produce a note signature line: a name, a key ID and a signer."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, text: bytes) -> bytes:
        """Return the signature bytes (after the key ID) over the note text."""
        ...


class NoteVerifier(Protocol):
    """Anything that can check a note signature by one (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (after the key ID) is valid over the note text."""
        ...


def check_key_name(name: str) -> None:
    """Raise `KeyFormatError` unless ``name`` is non-empty with no spaces, '+' or controls."""
    if not name:
        raise KeyFormatError("key name must not be empty")
    for ch in name:
        if ch.isspace() or ch == "+" or ord(ch) < 0x20 or ch == "\x7f":
            raise KeyFormatError(f"key name {name!r} contains forbidden character {ch!r}")


def compute_key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """Return the 32-bit key ID SHA-256(name || 0x0A || type || public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise KeyFormatError(f"{what} is not valid base64") from exc
    if _b64(data) != text:
        raise KeyFormatError(f"{what} is not canonical base64")
    return data


@dataclass(frozen=True)
class Ed25519Verifier:
    """An Ed25519 public key under a name, verifying signatures of a given signature type."""

    name: str
    public_key: bytes
    sig_type: int = ED25519_TYPE

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.public_key) != 32:
            raise KeyFormatError(f"Ed25519 public key must be 32 bytes, got {len(self.public_key)}")

    @cached_property
    def key_id(self) -> int:
        """The key ID derived from the name, signature type and public key."""
        return compute_key_id(self.name, self.sig_type, self.public_key)

    @cached_property
    def _key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def __getstate__(self) -> dict[str, object]:
        """The fields without the cached key object (which does not pickle)."""
        return {k: v for k, v in self.__dict__.items() if k != "_key"}

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is a valid Ed25519 signature of ``text``."""
        if len(signature) != 64:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def verifier_key(self) -> str:
        """Return the verifier key string ``<name>+<hex id>+base64(type || public key)``."""
        material = _b64(bytes([self.sig_type]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{material}"


@dataclass(frozen=True)
class Ed25519Signer:
    """An Ed25519 private key (32-byte seed) under a name, producing type-0x01 signatures."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.seed) != 32:
            raise KeyFormatError(f"Ed25519 seed must be 32 bytes, got {len(self.seed)}")

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        """Create a signer with a fresh random Ed25519 key."""
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @cached_property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())

    @cached_property
    def key_id(self) -> int:
        """The key ID of this key for signature type 0x01."""
        return compute_key_id(self.name, ED25519_TYPE, self.public_key)

    @cached_property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def __getstate__(self) -> dict[str, object]:
        """The fields without the cached key object (which does not pickle)."""
        return {k: v for k, v in self.__dict__.items() if k != "_key"}

    def sign(self, text: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``text``."""
        return self._key.sign(text)

    def verifier(self) -> Ed25519Verifier:
        """Return the matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)

    def signer_key(self) -> str:
        """Return the secret key string ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``."""
        material = _b64(bytes([ED25519_TYPE]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{material}"


def _parse_key_id(text: str) -> int:
    if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
        raise KeyFormatError(f"key ID {text!r} is not 8 lowercase hex digits")
    return int(text, 16)


def parse_verifier_key(vkey: str, sig_type: int = ED25519_TYPE) -> Ed25519Verifier:
    """Parse a verifier key string of the given signature type (0x01 notes, 0x04 cosigners)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("verifier key must look like <name>+<key id>+<base64 key>")
    name, id_text, material_text = parts
    check_key_name(name)
    key_id = _parse_key_id(id_text)
    material = _b64decode(material_text, "verifier key material")
    if len(material) != 33 or material[0] != sig_type:
        raise KeyFormatError(
            f"verifier key material must be type 0x{sig_type:02x} followed by 32 key bytes"
        )
    verifier = Ed25519Verifier(name, material[1:], sig_type)
    if verifier.key_id != key_id:
        raise KeyFormatError(
            f"key ID {id_text} does not match the key (expected {verifier.key_id:08x})"
        )
    return verifier


def parse_signer_key(skey: str) -> Ed25519Signer:
    """Parse a ``PRIVATE+KEY+...`` signer key string and check its key ID."""
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise KeyFormatError("signer key must look like PRIVATE+KEY+<name>+<key id>+<base64>")
    _, _, name, id_text, material_text = parts
    check_key_name(name)
    key_id = _parse_key_id(id_text)
    material = _b64decode(material_text, "signer key material")
    if len(material) != 33 or material[0] != ED25519_TYPE:
        raise KeyFormatError("signer key material must be 0x01 followed by a 32-byte seed")
    signer = Ed25519Signer(name, material[1:])
    if signer.key_id != key_id:
        raise KeyFormatError(f"key ID {id_text} does not match the key")
    return signer


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: key name, key ID and the signature bytes."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """Return the signature line, including its final newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(blob)}\n"


@dataclass(frozen=True)
class ParsedNote:
    """A note split into its text and its (unverified) signatures."""

    text: str
    signatures: tuple[Signature, ...]


@dataclass(frozen=True)
class OpenedNote:
    """The result of checking a note: its text and how each signature fared."""

    text: str
    verified: tuple[Signature, ...]
    unknown: tuple[Signature, ...]
    invalid: tuple[Signature, ...]

    @property
    def verified_names(self) -> tuple[str, ...]:
        """Names of the keys whose signatures verified, in note order."""
        return tuple(s.name for s in self.verified)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedNoteError("note text is not encodable as UTF-8") from exc
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end with a newline")
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise MalformedNoteError(f"note contains control character {ch!r}")


def _as_str(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError("note is not valid UTF-8") from exc
    return note


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError(f"signature line {line!r} does not start with '— '")
    fields = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(fields) != 2:
        raise MalformedNoteError(f"signature line {line!r} must be '— <name> <base64>'")
    name, blob_text = fields
    try:
        check_key_name(name)
        blob = _b64decode(blob_text, "signature")
    except KeyFormatError as exc:
        raise MalformedNoteError(f"signature line {line!r}: {exc}") from exc
    if len(blob) < 5:
        raise MalformedNoteError(f"signature line {line!r} is too short")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def parse_note(note: str | bytes) -> ParsedNote:
    """Split a signed note into text and signatures, checking the syntax only."""
    msg = _as_str(note)
    _check_text(msg)
    split = msg.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block:
        raise MalformedNoteError("note has no signatures")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return ParsedNote(text, tuple(_parse_signature_line(line) for line in lines))


def sign_note(text: str, signers: Iterable[NoteSigner]) -> str:
    """Return ``text`` followed by a blank line and one signature line per signer."""
    _check_text(text)
    lines = [_make_signature(text, s).line() for s in signers]
    if not lines:
        raise NoteError("a signed note needs at least one signer")
    return text + "\n" + "".join(lines)


def _make_signature(text: str, signer: NoteSigner) -> Signature:
    check_key_name(signer.name)
    return Signature(signer.name, signer.key_id, signer.sign(text.encode("utf-8")))


def add_signatures(note: str | bytes, signers: Iterable[NoteSigner]) -> str:
    """Return ``note`` with signatures by ``signers`` added (replacing their earlier ones)."""
    parsed = parse_note(note)
    new = [_make_signature(parsed.text, s) for s in signers]
    replaced = {(s.name, s.key_id) for s in new}
    kept = [s for s in parsed.signatures if (s.name, s.key_id) not in replaced]
    return parsed.text + "\n" + "".join(s.line() for s in [*kept, *new])


def open_note(
    note: str | bytes, verifiers: Sequence[NoteVerifier], *, reject_invalid: bool = True
) -> OpenedNote:
    """Verify a signed note against known keys, C2SP signed-note rules.

    Signatures whose (name, key ID) match no verifier are reported as unknown and ignored.
    A failing signature by a known key raises `InvalidSignatureError` (or is reported in
    ``invalid`` when ``reject_invalid`` is false).  Raises `UnverifiedNoteError` when no known
    signature verifies and `MalformedNoteError` for syntax errors.
    """
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        key = (v.name, v.key_id)
        if key in known and known[key] != v:
            raise KeyFormatError(f"two verifiers share name {v.name!r} and ID {v.key_id:08x}")
        known[key] = v
    parsed = parse_note(note)
    message = parsed.text.encode("utf-8")
    verified: list[Signature] = []
    unknown: list[Signature] = []
    invalid: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for sig in parsed.signatures:
        key = (sig.name, sig.key_id)
        verifier = known.get(key)
        if verifier is None:
            unknown.append(sig)
            continue
        if key in seen:
            continue
        seen.add(key)
        if verifier.verify(message, sig.signature):
            verified.append(sig)
        elif reject_invalid:
            raise InvalidSignatureError(
                f"signature by {sig.name} ({sig.key_id:08x}) does not verify"
            )
        else:
            invalid.append(sig)
    if not verified:
        raise UnverifiedNoteError("no signature on the note verifies with a known key")
    return OpenedNote(parsed.text, tuple(verified), tuple(unknown), tuple(invalid))
