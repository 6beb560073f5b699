"""What the endpoint does with a request body, synchronously: every check of a signed
envelope in order, then one transaction that stores it and signs its receipt.

Order of the checks (each refusal is a `SubmissionError` with a stable code; nothing is
stored on any of them): JSON and RFC 8785 canonical form, the envelope's shape, the sender
is registered and the key ID is its key's, the signature, an envelope already stored
(answered with its original receipt), the key is not revoked, the rate limit, the acta by
every rule of the file intake (same messages), the unit within the sender's scope, the
acta's source the sender's, every referenced image present with the declared size; then,
under the log's append lock, revocation once more and the write. The write goes through
the process's group committer: envelopes checked at the same time share one transaction,
and each receipt is returned only after that transaction committed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from escrutinio.images import ImageError
from escrutinio.images.store import ImageStore
from escrutinio.io.acta_intake import check_row
from escrutinio.io.actas_jsonl import acta_row
from escrutinio.ledger.keys import load_signer_key
from escrutinio.ledger.note import (
    Ed25519Signer,
    Ed25519Verifier,
    KeyFormatError,
    parse_verifier_key,
)
from escrutinio.model.definition import Definition
from escrutinio.model.prepared import ContentTemplate, PreparedActa, content_templates
from escrutinio.model.validation import ActaValidator
from escrutinio.receive.config import ReceiveConfig
from escrutinio.receive.group_commit import GroupCommitter
from escrutinio.receive.limits import RateLimiter
from escrutinio.receive.qr_decode import QrDecoder
from escrutinio.store.definitions import has_definition, read_definition
from escrutinio.store.envelopes import Pending, Stored, known_receipt
from escrutinio.store.senders import Sender, get_sender, unit_in_scope
from escrutinio.store.store import Store
from escrutinio.submission.envelope import SignedEnvelope, parse_request
from escrutinio.submission.errors import SubmissionError

SENDER_CACHE_SECONDS = 5.0


class NeedsIO(Exception):
    """`Receiver.check` with ``blocking=False`` would have to read the database (a sender
    not in the cache, or a revoked sender's earlier receipt): run it again where blocking
    is allowed (a worker thread)."""


class RateLimited(SubmissionError):
    """The sender sent more than its rate allows; retry after ``retry_after`` seconds."""

    def __init__(self, sender: str, retry_after: int) -> None:
        super().__init__(
            429,
            "rate_limited",
            f"sender {sender!r} is over its rate limit; retry after {retry_after} s",
        )
        self.retry_after = retry_after


@dataclass
class Receiver:
    """The submission pipeline over one store, log key and image folder."""

    store: Store
    signer: Ed25519Signer
    images: ImageStore
    limiter: RateLimiter
    maximum_merge_delay: int
    definition: Definition
    templates: dict[str, ContentTemplate]
    senders: dict[str, tuple[Sender, Ed25519Verifier, float]] = field(default_factory=dict)
    validators: dict[str, ActaValidator] = field(default_factory=dict)
    qr_decode: bool = False
    """Decode the QR codes of newly attached images after the receipt (`QrDecoder`)."""
    committer: GroupCommitter = field(init=False)
    decoder: QrDecoder | None = field(init=False)

    def __post_init__(self) -> None:
        self.decoder = (
            QrDecoder(self.store, self.images, self.definition) if self.qr_decode else None
        )
        self.committer = GroupCommitter(
            self.store,
            self.signer,
            self.maximum_merge_delay,
            on_images=None if self.decoder is None else self.decoder.enqueue,
        )

    @classmethod
    def open(cls, config: ReceiveConfig) -> Receiver:
        """Open the store and the log key; `SubmissionError`-free errors (`OSError`,
        `StoreError`) mean the server cannot run."""
        store = Store.open(config.db)
        if not has_definition(store):
            raise ValueError(f"{config.db}: the store has no election definition loaded")
        signer = load_signer_key(config.receipt_key)
        definition = read_definition(store)
        return cls(
            store,
            signer,
            ImageStore(Path(config.images), config.max_image_bytes),
            RateLimiter(config.rate_per_second, config.rate_burst),
            config.maximum_merge_delay,
            definition,
            content_templates(definition),
            qr_decode=config.qr_decode,
        )

    def _lookup(self, name: str, blocking: bool) -> tuple[Sender, Ed25519Verifier] | None:
        """The sender and its parsed key from a cache kept ``SENDER_CACHE_SECONDS`` (its
        revocation is checked again under the append lock, so a stale entry never lets a
        revoked key in)."""
        now = time.monotonic()
        hit = self.senders.get(name)
        if hit is not None and now - hit[2] < SENDER_CACHE_SECONDS:
            return hit[0], hit[1]
        if not blocking:
            raise NeedsIO(name)
        sender = get_sender(self.store, name)
        if sender is None:
            return None
        try:
            verifier = parse_verifier_key(sender.key)
        except KeyFormatError as exc:  # the registry checked it; never expected
            raise SubmissionError(500, "internal", f"registered key unusable: {exc}") from None
        self.senders[name] = (sender, verifier, now)
        return sender, verifier

    def _sender(self, signed: SignedEnvelope, blocking: bool) -> Sender:
        found = self._lookup(signed.sender, blocking)
        if found is None:
            raise SubmissionError(
                403,
                "unknown_sender",
                f"no sender named {signed.sender!r} is registered",
                "envelope.sender",
            )
        sender, verifier = found
        if sender.key_id != signed.key_id:
            raise SubmissionError(
                403,
                "unknown_sender_key",
                f"key {signed.key_id} is not the registered key of sender {signed.sender!r}",
                "envelope.key_id",
            )
        if not signed.verify(verifier):
            raise SubmissionError(
                403,
                "bad_signature",
                "the signature does not verify with the sender's registered key over "
                "'escrutinio envelope v1\\n' + the canonical envelope",
                "signature",
            )
        return sender

    def _acta(self, signed: SignedEnvelope, sender: Sender) -> PreparedActa:
        validator = self.validators.get(sender.source)
        if validator is None:
            validator = ActaValidator(self.definition, default_source=sender.source)
            self.validators[sender.source] = validator
        result = check_row(validator, self.templates, acta_row(signed.acta))
        if isinstance(result, list):
            first = result[0]
            raise SubmissionError(
                422,
                first.code,
                first.message,
                f"envelope.acta.{first.field}" if first.field else "envelope.acta",
                extra={
                    "issues": [
                        {"code": i.code, "field": i.field, "message": i.message} for i in result
                    ]
                },
            )
        if not unit_in_scope(self.definition, sender, result.unit):
            raise SubmissionError(
                403,
                "outside_scope",
                f"unit {result.unit!r} is outside the scope of sender {sender.name!r}",
                "envelope.acta.unit",
            )
        if result.source != sender.source:
            raise SubmissionError(
                403,
                "wrong_source",
                f"sender {sender.name!r} sends for source {sender.source!r}, not {result.source!r}",
                "envelope.acta.source",
            )
        return result

    def _uploads(
        self, signed: SignedEnvelope, uploads: list[tuple[bytes, str]]
    ) -> dict[str, tuple[bytes, str]]:
        """The images uploaded with the envelope by hash; each must be one it refers to."""
        wanted = {i.sha256 for i in signed.images}
        out: dict[str, tuple[bytes, str]] = {}
        for n, (data, media_type) in enumerate(uploads):
            digest = hashlib.sha256(data).hexdigest()
            if digest not in wanted:
                raise SubmissionError(
                    422,
                    "image_hash_mismatch",
                    f"uploaded image {n + 1} hashes to {digest}, which the signed envelope "
                    "does not list (a changed image, or one the sender did not sign)",
                    "envelope.images",
                )
            if len(data) > self.images.max_bytes:
                raise SubmissionError(
                    413,
                    "image_too_large",
                    f"uploaded image {n + 1} has {len(data):,} bytes; the limit is "
                    f"{self.images.max_bytes:,}",
                )
            out[digest] = (data, media_type)
        return out

    def _images(self, signed: SignedEnvelope, uploads: dict[str, tuple[bytes, str]]) -> None:
        for i, image in enumerate(signed.images):
            where = f"envelope.images[{i}]"
            if image.sha256 in uploads:
                data, media_type = uploads[image.sha256]
                if len(data) != image.size or media_type != image.media_type:
                    raise SubmissionError(
                        422,
                        "image_size_mismatch",
                        f"uploaded image {image.sha256[:12]}… is {len(data)} bytes of "
                        f"{media_type}; the envelope says {image.size} bytes of "
                        f"{image.media_type}",
                        f"{where}.bytes",
                    )
                continue
            try:
                held = self.images.has(image.sha256)
            except ImageError as exc:
                raise SubmissionError(422, exc.code, str(exc), f"{where}.sha256") from None
            if not held:
                raise SubmissionError(
                    422,
                    "image_missing",
                    f"image {image.sha256} is not on the server: PUT it to "
                    f"/api/v1/images/{image.sha256} first",
                    f"{where}.sha256",
                )
            size = self.images.path(image.sha256).stat().st_size
            if size != image.size:
                raise SubmissionError(
                    422,
                    "image_size_mismatch",
                    f"image {image.sha256[:12]}… has {size} bytes, the envelope says {image.size}",
                    f"{where}.bytes",
                )

    def submit(self, raw: bytes, uploads: list[tuple[bytes, str]] | None = None) -> Stored:
        """Check and store one request body (and the images uploaded with it, as bytes and
        media type); its receipt (``created`` False when the same envelope was stored
        before). Raises `SubmissionError`. Uploaded images are written to the image folder
        only once every check passed, just before the transaction."""
        checked = self.check(raw, uploads)
        if isinstance(checked, Stored):
            return checked
        return self.committer.store_one(checked)

    def check(
        self, raw: bytes, uploads: list[tuple[bytes, str]] | None = None, blocking: bool = True
    ) -> Pending | Stored:
        """Every check of one request body, in order: the envelope ready for the group
        committer, or the receipt a revoked sender's earlier envelope already has. Raises
        `SubmissionError`; with ``blocking`` False, `NeedsIO` (before anything is counted
        or written) instead of reading the database, so the event loop can run the common
        case itself. Uploaded images are written once every check passed."""
        signed = parse_request(raw)
        sender = self._sender(signed, blocking)
        if sender.revoked:
            if not blocking:
                raise NeedsIO(sender.name)
            known = known_receipt(self.store, signed.sha256)
            if known is not None:  # an envelope stored before the revocation
                return Stored(known, False)
            raise _revoked(sender)
        wait = self.limiter.take(sender.name)
        if wait:
            raise RateLimited(sender.name, wait)
        acta = self._acta(signed, sender)
        uploaded = self._uploads(signed, uploads or [])
        self._images(signed, uploaded)
        for digest, (data, media_type) in uploaded.items():
            try:
                self.images.put(data, media_type, digest)
            except ImageError as exc:
                raise SubmissionError(415, exc.code, str(exc), "envelope.images") from None

        def authorise(now: Sender | None) -> None:
            if now is None or now.revoked:
                raise _revoked(sender)

        return Pending(signed, acta, authorise)

    def put_image(self, sha256: str, data: bytes, media_type: str) -> bool:
        """Keep an uploaded image whose bytes must hash to ``sha256``; True when new.
        Raises `SubmissionError` (``image_hash_mismatch``, ``image_type``, …)."""
        try:
            held = self.images.has(sha256)
        except ImageError as exc:
            raise SubmissionError(400, exc.code, str(exc), "sha256") from None
        if held:
            return False
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise SubmissionError(
                422,
                "image_hash_mismatch",
                f"the bytes hash to {actual}, not to {sha256} named in the URL",
                "sha256",
            )
        try:
            self.images.put(data, media_type, actual)
        except ImageError as exc:
            status = 413 if exc.code == "image_too_large" else 415
            raise SubmissionError(status, exc.code, str(exc)) from None
        return True


def _revoked(sender: Sender) -> SubmissionError:
    return SubmissionError(
        403,
        "revoked_sender",
        f"the key of sender {sender.name!r} was revoked"
        + (f" at {sender.revoked_at}" if sender.revoked_at else ""),
        "envelope.sender",
    )
