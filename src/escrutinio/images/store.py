"""The content-addressed image store: every image is kept once under its SHA-256 in
``root/ab/cd/<sha256>``, written atomically (temporary file, fsync, rename). Only JPEG, PNG
and PDF are accepted, recognised by their magic bytes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from escrutinio.images import ImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),  # JPEG SOI marker (ITU T.81)
    (b"\x89PNG\r\n\x1a\n", "image/png"),  # PNG signature (RFC 2083 §3.1)
    (b"%PDF-", "application/pdf"),  # PDF header (ISO 32000-1 §7.5.2)
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sniff(data: bytes) -> str | None:
    """The media type the bytes' magic number announces (JPEG, PNG or PDF), or None."""
    return next((media for magic, media in _MAGIC if data.startswith(magic)), None)


class ImageStore:
    """Images kept by SHA-256 under one folder (created when needed)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        """The file that holds (or would hold) the image with this hash."""
        if not _SHA256.fullmatch(sha256):
            raise ImageError("image_hash_invalid", f"{sha256!r:.80} is not a SHA-256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        """Whether the store holds the image with this hash."""
        path = self.path(sha256)
        return path.is_file() and not path.is_symlink()

    def put(self, data: bytes, media_type: str) -> str:
        """Keep an image (JPEG, PNG or PDF, at most ``max_bytes``) and return its SHA-256;
        `ImageError` otherwise. Idempotent."""
        if len(data) > self.max_bytes:
            raise ImageError(
                "image_too_large",
                f"the image has {len(data):,} bytes; the limit is {self.max_bytes:,}",
            )
        found = sniff(data)
        if media_type not in MEDIA_TYPES or found != media_type:
            raise ImageError(
                "image_type",
                f"expected a JPEG, PNG or PDF file sent as its media type ({media_type})",
            )
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path(sha256)
        if self.has(sha256):
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256
