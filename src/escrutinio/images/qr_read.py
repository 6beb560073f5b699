"""Finding and decoding the QR codes in an acta image (JPEG or PNG) with zxing-cpp.

zxing-cpp already searches every orientation (``try_rotate``) and downscaled copies; when it
finds nothing, the image is tried again in grey with a second binarizer and then rotated by
a few small angles (a photographed page is rarely square to the camera). PDF files are not
rasterised: their QR codes are not decoded and the check says ``unreadable``, so a person
looks at them.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps

from escrutinio.images import ImageError
from escrutinio.images.store import JPEG, PDF, PNG, sniff

MAX_PIXELS = 60_000_000
"""Images with more pixels are refused rather than decoded (a decompression bomb guard)."""
SKEW_ANGLES = (8.0, -8.0, 15.0, -15.0)
"""Extra rotations (degrees) tried when the image as given yields nothing."""


@dataclass(frozen=True)
class QrScan:
    """What was found in one image: the decoded texts, and how many QR codes were seen
    but could not be decoded (or ``skipped``: why the image was not scanned)."""

    texts: tuple[str, ...]
    undecoded: int = 0
    skipped: str = ""


def _read(image: Image.Image, binarizer: zxingcpp.Binarizer) -> tuple[list[str], int]:
    found = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,
        try_downscale=True,
        binarizer=binarizer,
        return_errors=True,
    )
    texts = [b.text for b in found if b.valid]
    return list(dict.fromkeys(texts)), sum(1 for b in found if not b.valid)


def open_image(data: bytes) -> Image.Image:
    """The decoded raster of JPEG or PNG bytes, upright per its EXIF orientation, in grey."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ImageError("image_too_large", f"{image.width}×{image.height} pixels")
            image.load()
        except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ImageError("image_type", f"the image cannot be decoded ({exc})") from exc
        except Image.DecompressionBombWarning as exc:
            raise ImageError("image_too_large", str(exc)) from exc
    return ImageOps.exif_transpose(image).convert("L")


def scan_qr(data: bytes) -> QrScan:
    """Every QR text found in a JPEG or PNG image (a PDF is skipped, see the module)."""
    kind = sniff(data)
    if kind == PDF:
        return QrScan((), skipped="PDF files are not rasterised; QR codes in them are not read")
    if kind not in (JPEG, PNG):
        raise ImageError("image_type", "the bytes are not a JPEG, PNG or PDF file")
    image = open_image(data)
    undecoded = 0
    for candidate in _candidates(image):
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            texts, bad = _read(candidate, binarizer)
            if texts:
                return QrScan(tuple(texts), bad)
            undecoded = max(undecoded, bad)
    return QrScan((), undecoded)


def _candidates(image: Image.Image) -> Iterator[Image.Image]:
    """The image as given, then rotated by each of `SKEW_ANGLES` on a white background."""
    yield image
    for angle in SKEW_ANGLES:
        yield image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
