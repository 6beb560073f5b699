"""The signed envelope of one acta sent to the submission endpoint.

The envelope is a JSON object::

    {"acta": {...one JSON Lines acta object, without received_at...},
     "images": [{"bytes": n, "media_type": "image/jpeg", "sha256": "<64 hex>"}, ...],
     "key_id": "<8 hex: the sender key's signed-note key ID>",
     "sender": "<registered sender name>",
     "sent_at": "<RFC 3339 UTC time, e.g. 2017-07-30T23:10:00Z>",
     "version": "escrutinio-envelope/1"}

What is signed: ``ENVELOPE_DOMAIN + RFC 8785 canonical bytes of the envelope`` (Ed25519,
RFC 8032), so the content, the sender, its timestamp and the SHA-256 of every image are
covered; the domain prefix keeps such a signature from being valid for any other message
(the separation RFC 6962 gives its signed structures by a type field). The envelope hash
is SHA-256 of the canonical envelope bytes (without the prefix).

The HTTP body is ``{"envelope": <envelope>, "signature": "<base64 signature>"}`` and must
itself be RFC 8785 canonical JSON: a body whose bytes differ from their canonical form is
refused (``non_canonical_json``), so the bytes the sender signed are exactly the bytes
the server logs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

from escrutinio.ledger.note import Ed25519Signer, Ed25519Verifier
from escrutinio.model.canonical import canonical_json, canonical_json_fast
from escrutinio.submission.errors import SubmissionError

ENVELOPE_VERSION = "escrutinio-envelope/1"
ENVELOPE_DOMAIN = b"escrutinio envelope v1\n"
ENVELOPE_KEYS = frozenset({"acta", "images", "key_id", "sender", "sent_at", "version"})
BODY_KEYS = frozenset({"envelope", "signature"})
IMAGE_KEYS = frozenset({"bytes", "media_type", "sha256"})
MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
MAX_IMAGES = 8
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
MAX_EXACT = 2**53 - 1
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


@dataclass(frozen=True)
class ImageRef:
    """An image an envelope refers to: its SHA-256 (hex), media type and size in bytes."""

    sha256: str
    media_type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        """The image's entry in the envelope's ``images`` array."""
        return {"bytes": self.size, "media_type": self.media_type, "sha256": self.sha256}

    @classmethod
    def of(cls, data: bytes, media_type: str) -> ImageRef:
        """The reference to an image given its bytes."""
        return cls(hashlib.sha256(data).hexdigest(), media_type, len(data))


@dataclass(frozen=True)
class SignedEnvelope:
    """A parsed, canonical submission: the envelope, its canonical bytes, its hash and the
    sender's signature (checked separately, once the sender's key is known)."""

    envelope: dict[str, Any]
    canonical: bytes
    sha256: str
    signature: bytes

    @property
    def sender(self) -> str:
        """The sender name the envelope claims."""
        return str(self.envelope["sender"])

    @property
    def key_id(self) -> str:
        """The key ID (8 hex digits) the envelope claims."""
        return str(self.envelope["key_id"])

    @property
    def acta(self) -> dict[str, Any]:
        """The acta object, as sent."""
        acta: dict[str, Any] = self.envelope["acta"]
        return acta

    @property
    def images(self) -> list[ImageRef]:
        """The images the envelope refers to."""
        return [
            ImageRef(i["sha256"], i["media_type"], int(i["bytes"])) for i in self.envelope["images"]
        ]

    def verify(self, verifier: Ed25519Verifier) -> bool:
        """True when the signature is the sender key's over the domain-prefixed bytes."""
        return verifier.verify(ENVELOPE_DOMAIN + self.canonical, self.signature)


def now_rfc3339() -> str:
    """The current time as RFC 3339 UTC with seconds (``2017-07-30T23:10:00Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_envelope(
    acta: dict[str, Any],
    sender: str,
    key_id: str | int,
    images: list[ImageRef] | tuple[ImageRef, ...] = (),
    sent_at: str | None = None,
) -> dict[str, Any]:
    """The envelope of ``acta`` (a JSON Lines acta object) from ``sender`` signed by the key
    with ``key_id`` (int or 8 hex digits), referring to ``images``, sent now by default."""
    return {
        "acta": acta,
        "images": [i.to_json() for i in images],
        "key_id": f"{key_id:08x}" if isinstance(key_id, int) else key_id,
        "sender": sender,
        "sent_at": sent_at or now_rfc3339(),
        "version": ENVELOPE_VERSION,
    }


def _plain(value: Any, depth: int = 0) -> bool:
    """True when every object key in ``value`` is ASCII and every number an integer within
    IEEE 754's exact range (RFC 8785 §3.2.2.3 refuses others): for such values the standard
    library's sorted, compact output is exactly RFC 8785 (key order by UTF-16 code units
    equals code point order for ASCII; integers and strings are written alike)."""
    if isinstance(value, dict):
        return depth < 64 and all(
            isinstance(k, str) and k.isascii() and _plain(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return depth < 64 and all(_plain(v, depth + 1) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -MAX_EXACT <= value <= MAX_EXACT
    return not isinstance(value, float)


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical bytes: the fast form when it is provably the same (`_plain`), the
    reference implementation otherwise."""
    if _plain(value):
        try:
            return canonical_json_fast(value)
        except UnicodeEncodeError:  # a lone surrogate: the reference implementation says so
            pass
    return canonical_json(value)


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """The RFC 8785 canonical bytes of an envelope (what is hashed and, prefixed, signed)."""
    return canonical_bytes(envelope)


def envelope_hash(envelope: dict[str, Any]) -> str:
    """SHA-256 (hex) of the envelope's canonical bytes: its identity for idempotency."""
    return hashlib.sha256(envelope_bytes(envelope)).hexdigest()


def sign_envelope(envelope: dict[str, Any], signer: Ed25519Signer) -> dict[str, Any]:
    """The HTTP body object: the envelope and the base64 Ed25519 signature of
    ``ENVELOPE_DOMAIN + envelope_bytes(envelope)``."""
    signature = signer.sign(ENVELOPE_DOMAIN + envelope_bytes(envelope))
    return {"envelope": envelope, "signature": base64.b64encode(signature).decode("ascii")}


def request_body(envelope: dict[str, Any], signer: Ed25519Signer) -> bytes:
    """The exact bytes to POST to ``/api/v1/actas`` (canonical JSON of the signed body)."""
    return canonical_bytes(sign_envelope(envelope, signer))


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _bad(detail: str, field: str) -> SubmissionError:
    return SubmissionError(400, "bad_envelope", detail, field)


def _check_keys(obj: dict[str, Any], want: frozenset[str], where: str) -> None:
    missing = sorted(want - obj.keys())
    unknown = sorted(obj.keys() - want)
    if missing:
        raise _bad(f"{where} lacks the key {missing[0]!r}", f"{where}.{missing[0]}")
    if unknown:
        raise _bad(
            f"{where} has the unknown key {unknown[0]!r}; expected {', '.join(sorted(want))}",
            f"{where}.{unknown[0]}",
        )


def _check_images(images: Any) -> None:
    if not isinstance(images, list):
        raise _bad("envelope.images must be an array", "envelope.images")
    if len(images) > MAX_IMAGES:
        raise _bad(f"at most {MAX_IMAGES} images per envelope", "envelope.images")
    seen: set[str] = set()
    for i, image in enumerate(images):
        where = f"envelope.images[{i}]"
        if not isinstance(image, dict):
            raise _bad(f"{where} must be an object", where)
        _check_keys(image, IMAGE_KEYS, where)
        digest = image["sha256"]
        if not isinstance(digest, str) or not SHA256_HEX.fullmatch(digest):
            raise _bad(f"{where}.sha256 must be 64 lowercase hex digits", f"{where}.sha256")
        if digest in seen:
            raise _bad(f"{where}: image {digest[:12]}… is listed twice", f"{where}.sha256")
        seen.add(digest)
        if image["media_type"] not in MEDIA_TYPES:
            raise _bad(
                f"{where}.media_type must be one of {', '.join(sorted(MEDIA_TYPES))}",
                f"{where}.media_type",
            )
        size = image["bytes"]
        if type(size) is not int or size < 1:
            raise _bad(f"{where}.bytes must be a positive integer", f"{where}.bytes")


def check_envelope(envelope: Any) -> None:
    """Raise `SubmissionError` (``bad_envelope``, naming the field) unless ``envelope`` has
    exactly the envelope's keys with values of the right form (the acta object itself is
    checked later by the intake's validation rules)."""
    if not isinstance(envelope, dict):
        raise _bad("envelope must be a JSON object", "envelope")
    _check_keys(envelope, ENVELOPE_KEYS, "envelope")
    if envelope["version"] != ENVELOPE_VERSION:
        raise _bad(f"envelope.version must be {ENVELOPE_VERSION!r}", "envelope.version")
    if not isinstance(envelope["sender"], str) or not envelope["sender"]:
        raise _bad("envelope.sender must be a sender name", "envelope.sender")
    key_id = envelope["key_id"]
    if not isinstance(key_id, str) or not KEY_ID_HEX.fullmatch(key_id):
        raise _bad("envelope.key_id must be 8 lowercase hex digits", "envelope.key_id")
    sent_at = envelope["sent_at"]
    if not isinstance(sent_at, str) or not UTC_TIME.fullmatch(sent_at):
        raise _bad(
            "envelope.sent_at must be an RFC 3339 UTC time such as 2017-07-30T23:10:00Z",
            "envelope.sent_at",
        )
    try:
        datetime.fromisoformat(sent_at[:19])
    except ValueError:
        raise _bad("envelope.sent_at is not a real date and time", "envelope.sent_at") from None
    if not isinstance(envelope["acta"], dict):
        raise _bad("envelope.acta must be a JSON object (an acta row)", "envelope.acta")
    if "received_at" in envelope["acta"]:
        raise _bad(
            "envelope.acta must not carry received_at: the server records when it arrives "
            "(the sender's time is envelope.sent_at)",
            "envelope.acta.received_at",
        )
    _check_images(envelope["images"])


def parse_request(raw: bytes) -> SignedEnvelope:
    """Parse a submission body: JSON (no duplicated keys, no NaN), RFC 8785 canonical, with
    exactly ``envelope`` and ``signature`` (base64 of 64 bytes) and a well-formed envelope.
    Raises `SubmissionError` (``malformed_json``, ``non_canonical_json``, ``bad_envelope``)."""
    body = _parse_plain(raw)
    if body is None:
        body = _parse_careful(raw)
    _check_keys(body, BODY_KEYS, "body")
    envelope = body["envelope"]
    check_envelope(envelope)
    signature = body["signature"]
    try:
        sig = base64.b64decode(str(signature).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        sig = b""
    if not isinstance(signature, str) or len(sig) != 64:
        raise SubmissionError(
            400, "bad_envelope", "signature must be the base64 of a 64-byte signature", "signature"
        )
    # the body is {"envelope":<canonical envelope>,"signature":"<base64>"}: the envelope's
    # canonical bytes are a slice of it (a nested "signature" key comes before the last one)
    env_bytes = raw[len(_BODY_HEAD) : raw.rindex(_BODY_SIGNATURE)]
    return SignedEnvelope(envelope, env_bytes, hashlib.sha256(env_bytes).hexdigest(), sig)


_BODY_HEAD = b'{"envelope":'
_BODY_SIGNATURE = b',"signature":'


def _refuse_float(text: str) -> Any:
    raise ValueError(f"{text} is not an integer")


_PLAIN_DECODER = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_constant)
_LONG_NUMBER = re.compile(rb"\d{16,}")


def _parse_plain(raw: bytes) -> dict[str, Any] | None:
    """The body when it is canonical and plain, the common case, parsed by the standard
    library's C parser alone; None otherwise, to be parsed by `_parse_careful`, which finds
    the exact error. Plain (what `_plain` asks, checked without walking the value): ASCII
    bytes, so every key is ASCII; no fraction, exponent, NaN or Infinity; no run of 16
    digits, so every integer is below 2^53. A body with a duplicated key never passes:
    its re-serialisation lost a member, so it differs from the bytes."""
    if not raw.isascii() or _LONG_NUMBER.search(raw):
        return None
    try:
        body = _PLAIN_DECODER.decode(raw.decode("ascii"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    return body if canonical_json_fast(body) == raw else None


def _parse_careful(raw: bytes) -> dict[str, Any]:
    """The body parsed with every check (UTF-8, duplicated keys, NaN, nesting, RFC 8785
    form by the reference implementation); `SubmissionError` naming what is wrong."""
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _DuplicateKey as exc:
        raise SubmissionError(
            400, "malformed_json", f"the key {exc.args[0]!r} appears twice in an object"
        ) from None
    except UnicodeDecodeError:
        raise SubmissionError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise SubmissionError(400, "malformed_json", "the JSON is nested too deeply") from None
    except ValueError as exc:
        detail = f"the body is not valid JSON: {getattr(exc, 'msg', str(exc))}"
        raise SubmissionError(400, "malformed_json", detail) from None
    if not isinstance(body, dict):
        raise SubmissionError(400, "malformed_json", "the body must be a JSON object")
    try:
        canonical = canonical_bytes(body)
    except (rfc8785.CanonicalizationError, RecursionError) as exc:
        raise SubmissionError(
            400, "non_canonical_json", f"the body cannot be written as RFC 8785 JSON ({exc})"
        ) from None
    if canonical != raw:
        raise SubmissionError(
            400,
            "non_canonical_json",
            "the body is not RFC 8785 canonical JSON (sorted keys, no whitespace, shortest "
            "escapes): send exactly the canonical bytes that were signed",
        )
    return body
