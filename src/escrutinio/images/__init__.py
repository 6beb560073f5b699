"""Acta images: the content-addressed image store (``store``)."""

from __future__ import annotations

from escrutinio.model.errors import EscrutinioError


class ImageError(EscrutinioError):
    """An image that cannot be accepted, with a stable ``code`` (``image_too_large``,
    ``image_type``, ``image_hash_invalid``)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)
