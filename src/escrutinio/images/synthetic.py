"""Generated acta pages for tests and the demo: a printed-looking tally sheet (title, table,
counts as text) with a QR code of its numbers, optionally rotated, blurred, JPEG-compressed,
with a QR that disagrees with the typed numbers, or with no QR at all. The same arguments
and seed always give the same bytes.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from escrutinio.images.qr_payload import encode_escrutinio1

PAGE_SIZE = (1240, 1754)  # A4 at 150 dots per inch
QR_MODULE_PIXELS = 6
QR_QUIET_MODULES = 4  # ISO/IEC 18004 quiet zone


@dataclass(frozen=True)
class ActaPage:
    """The numbers printed on a generated acta page."""

    unit: str
    contest: str
    votes: dict[str, int]
    null: int
    blank: int | None
    voters: int
    title: str = "ACTA DE ESCRUTINIO"
    names: dict[str, str] = field(default_factory=dict)
    """Printed name of each option (its id when missing)."""


@dataclass(frozen=True)
class Distortion:
    """How the page is spoiled after it is drawn."""

    rotate: float = 0.0
    """Degrees, counter-clockwise."""
    blur: float = 0.0
    """Gaussian blur radius in pixels."""
    jpeg_quality: int | None = None
    """JPEG at this quality (1–95); None gives PNG."""
    speckles: int = 400
    """Grey dots scattered over the page (where the seed puts them)."""


def qr_text(page: ActaPage, disagree: bool = False) -> str:
    """The escrutinio v1 QR text of the page; with ``disagree`` its first option gets 7
    more votes than are typed (and voters as many more, so the QR is coherent itself)."""
    votes = dict(page.votes)
    voters = page.voters
    if disagree:
        first = next(iter(votes))
        votes[first] += 7
        voters += 7
    return encode_escrutinio1(page.unit, page.contest, votes, page.null, page.blank, voters)


def qr_image(text: str, module_pixels: int = QR_MODULE_PIXELS) -> Image.Image:
    """A black-on-white QR code of ``text`` (error correction level M) with its quiet zone."""
    code = segno.make_qr(text, error="m", boost_error=False)
    dark = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    dark = np.pad(dark, QR_QUIET_MODULES)
    pixels = np.where(dark == 1, 0, 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((module_pixels, module_pixels), dtype=np.uint8))
    return Image.fromarray(pixels, mode="L")


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def draw_page(page: ActaPage, qr: str | None, seed: int = 0, speckles: int = 400) -> Image.Image:
    """The page as a greyscale image, with a QR of ``qr`` (None: no QR)."""
    rng = random.Random(seed)
    image = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    draw.text((80, 70), page.title, fill=0, font=_font(48))
    draw.text((80, 150), f"Mesa / unit: {page.unit}", fill=0, font=_font(30))
    draw.text((80, 195), f"Elección / contest: {page.contest}", fill=0, font=_font(30))
    rows = [(page.names.get(o, o), n) for o, n in page.votes.items()]
    rows += [("Votos nulos", page.null)]
    if page.blank is not None:
        rows.append(("Votos en blanco", page.blank))
    rows.append(("Votantes", page.voters))
    top, height = 280, 52
    body = _font(28)
    for i, (name, count) in enumerate(rows):
        y = top + i * height
        draw.rectangle((80, y, 1160, y + height), outline=0, width=2)
        draw.line((880, y, 880, y + height), fill=0, width=2)
        draw.text((100, y + 10), name[:48], fill=0, font=body)
        draw.text((900, y + 10), f"{count:>9,}".replace(",", "."), fill=0, font=body)
    if qr is not None:
        code = qr_image(qr)
        x = PAGE_SIZE[0] - code.width - 80
        y = PAGE_SIZE[1] - code.height - 80
        image.paste(code, (x, y))
    for _ in range(speckles):
        x, y = rng.randrange(PAGE_SIZE[0]), rng.randrange(PAGE_SIZE[1])
        shade = rng.randrange(120, 230)
        draw.point((x, y), fill=shade)
    draw.text((80, PAGE_SIZE[1] - 120), f"Firma / signature  #{seed}", fill=0, font=_font(24))
    return image


def render_acta(
    page: ActaPage,
    *,
    qr: bool = True,
    disagree: bool = False,
    payload: str | None = None,
    distortion: Distortion = Distortion(),
    seed: int = 0,
) -> bytes:
    """The bytes (PNG, or JPEG when the distortion asks) of a generated acta page; its QR
    holds ``payload`` when given (e.g. a Venezuela 2024 text), else the page's own
    `qr_text` (``disagree``: 7 votes more than typed)."""
    text = (payload if payload is not None else qr_text(page, disagree)) if qr else None
    image = draw_page(page, text, seed, distortion.speckles)
    if distortion.rotate:
        image = image.rotate(
            distortion.rotate, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
        )
    if distortion.blur:
        image = image.filter(ImageFilter.GaussianBlur(distortion.blur))
    out = io.BytesIO()
    if distortion.jpeg_quality is None:
        image.save(out, format="PNG", optimize=False)
    else:
        image.save(out, format="JPEG", quality=distortion.jpeg_quality)
    return out.getvalue()
