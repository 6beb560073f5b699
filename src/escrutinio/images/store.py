"""The content-addressed image store: every image is kept once under its SHA-256, in
``root/ab/cd/<sha256>`` (the first two byte pairs of the hash as folders, as Git does with
objects), written atomically (temporary file, fsync, rename, fsync of the folder) and
checked against its name when read. Only JPEG, PNG and PDF are accepted, recognised by
their magic bytes, not by what the sender says they are.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from escrutinio.images import ImageError
from escrutinio.model.paths import confined

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""The default size limit of one image: 10 MiB."""

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
MEDIA_TYPES = (JPEG, PNG, PDF)

_MAGIC = (
    (b"\xff\xd8\xff", JPEG),  # JPEG SOI marker followed by a segment marker (ITU T.81)
    (b"\x89PNG\r\n\x1a\n", PNG),  # PNG signature (RFC 2083 §3.1)
    (b"%PDF-", PDF),  # PDF header (ISO 32000-1 §7.5.2)
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sniff(data: bytes) -> str | None:
    """The media type the bytes' magic number announces (JPEG, PNG or PDF), or None."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def check_sha256(sha256: object) -> str:
    """``sha256`` itself when it is 64 lower-case hexadecimal digits; `ImageError`
    ``image_hash_invalid`` otherwise."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ImageError(
            "image_hash_invalid", f"{sha256!r:.80} is not a SHA-256 (64 lower-case hex digits)"
        )
    return sha256


def relative_path(sha256: str) -> str:
    """Where an image lives below the store's root: ``ab/cd/<sha256>``."""
    check_sha256(sha256)
    return confined(f"{sha256[:2]}/{sha256[2:4]}/{sha256}", "image store")


class ImageStore:
    """Images kept by SHA-256 under one folder (created when missing)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        """The file that holds (or would hold) the image with this hash, inside the root."""
        path = self.root / relative_path(sha256)
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root):  # a folder on the way is a link outside
            raise ImageError("image_outside", f"{path} leads outside the image folder {root}")
        return path

    def has(self, sha256: str) -> bool:
        """Whether the store holds a regular file for this hash (not re-checked)."""
        path = self.path(sha256)
        return path.is_file() and not path.is_symlink()

    def check(self, data: bytes, media_type: str, sha256: str | None = None) -> str:
        """The SHA-256 of acceptable image bytes; `ImageError` when they are too large,
        empty, not JPEG/PNG/PDF or not the declared ``media_type``. A caller that has just
        hashed these very bytes passes ``sha256`` so a megabyte is not hashed twice."""
        if len(data) > self.max_bytes:
            raise ImageError(
                "image_too_large",
                f"the image has {len(data):,} bytes; the limit is {self.max_bytes:,}",
            )
        if media_type not in MEDIA_TYPES:
            raise ImageError(
                "image_type",
                f"media type {media_type!r:.60} is not accepted; expected one of "
                + ", ".join(MEDIA_TYPES),
            )
        found = sniff(data)
        if found is None:
            raise ImageError("image_type", "the bytes are not a JPEG, PNG or PDF file")
        if found != media_type:
            raise ImageError(
                "image_type", f"declared as {media_type} but the bytes are a {found} file"
            )
        return sha256 or hashlib.sha256(data).hexdigest()

    def put(self, data: bytes, media_type: str, sha256: str | None = None) -> str:
        """Keep an image and return its SHA-256 (``sha256``: the caller's hash of these
        very bytes, not computed again). Idempotent: an image already held is not written
        again (a held file whose bytes no longer match its name is replaced)."""
        sha256 = self.check(data, media_type, sha256)
        path = self.path(sha256)
        if self.has(sha256) and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
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
        _fsync_dir(path.parent)
        return sha256

    def read(self, sha256: str) -> bytes:
        """The bytes of a held image, re-checked against its hash."""
        path = self.path(sha256)
        if not self.has(sha256):
            raise ImageError("image_missing", f"no image {sha256} in {self.root}")
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ImageError(
                "image_hash_mismatch", f"{path}: the file's SHA-256 is {actual}, not its name"
            )
        return data


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
