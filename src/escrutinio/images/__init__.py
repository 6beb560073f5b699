"""Acta images: a content-addressed image store, the QR payloads printed on actas, decoding
them from images and comparing them with the typed numbers (see ``docs/images.md``).

``qr_payload`` and ``qr_check`` are pure (no files, no images); ``store``, ``qr_read`` and
``synthetic`` read or write image bytes.
"""

from __future__ import annotations

from escrutinio.model.errors import EscrutinioError


class ImageError(EscrutinioError):
    """An image that cannot be accepted or read, with a stable ``code`` (``image_too_large``,
    ``image_type``, ``image_hash_mismatch``, ``image_hash_invalid``, ``image_missing``)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)
