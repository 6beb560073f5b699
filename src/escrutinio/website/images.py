"""The acta images of a publication as the table pages show them: each image attached to
an acta version (``images.csv``) with its latest QR check (``qr-checks.csv``), linked to its
content-addressed file ``images/<sha256>``."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import escape

from escrutinio.website.i18n import Lang
from escrutinio.website.paths import Place

IMAGES_CSV = "images.csv"
QR_CHECKS_CSV = "qr-checks.csv"
QR_STATUSES = ("match", "mismatch", "unreadable", "no_qr", "not_applicable")
THUMBNAIL_TYPES = ("image/jpeg", "image/png")


@dataclass(frozen=True)
class ImageDoc:
    """One published image of one acta version, with its latest QR status ("" when none)."""

    source: str
    version: int
    sha256: str
    media_type: str
    qr_status: str
    qr_differences: str


def _rows(data: bytes | None) -> list[dict[str, str]]:
    if not data:
        return []
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def read_images(files: Mapping[str, bytes]) -> dict[tuple[str, str], list[ImageDoc]]:
    """The images of every (unit, contest), from ``images.csv`` and ``qr-checks.csv``."""
    latest: dict[tuple[str, ...], tuple[str, str]] = {}
    for row in _rows(files.get(QR_CHECKS_CSV)):
        key = (row["unit"], row["contest"], row["source"], row["version"], row["sha256"])
        latest[key] = (row["status"], row["differences"])  # rows are oldest first
    out: dict[tuple[str, str], list[ImageDoc]] = {}
    for row in _rows(files.get(IMAGES_CSV)):
        key = (row["unit"], row["contest"], row["source"], row["version"], row["sha256"])
        status, diffs = latest.get(key, ("", ""))
        out.setdefault((row["unit"], row["contest"]), []).append(
            ImageDoc(
                row["source"], int(row["version"]), row["sha256"], row["media_type"], status, diffs
            )
        )
    return out


def differences_text(lang: Lang, differences: str) -> str:
    """``field=QR/typed;…`` (as in qr-checks.csv) in words: ``field: QR 107, typed 100``."""
    out = []
    for item in differences.split(";"):
        field, _, values = item.rpartition("=")
        qr, sep, typed = values.rpartition("/")
        out.append(lang.t("qr_diff", field=field, qr=qr, typed=typed) if field and sep else item)
    return "; ".join(out)


def images_html(lang: Lang, place: Place, images: list[ImageDoc]) -> str:
    """The table page's section listing the acta's images (empty when it has none)."""
    if not images:
        return ""
    rows = []
    for image in images:
        href = escape(place.r(f"images/{image.sha256}"))
        if image.media_type in THUMBNAIL_TYPES:
            alt = escape(lang.t("image_alt", source=image.source, version=image.version))
            shown = f'<img src="{href}" alt="{alt}" width="160" loading="lazy">'
        else:
            shown = escape(lang.t("image_pdf"))
        status = (
            lang.t("qr_" + image.qr_status) if image.qr_status in QR_STATUSES else lang.t("qr_none")
        )
        detail = f" ({escape(differences_text(lang, image.qr_differences))})"
        if not image.qr_differences:
            detail = ""
        css = ' class="flag"' if image.qr_status in ("mismatch", "unreadable") else ""
        rows.append(
            f'<tr><td><a href="{href}">{shown}</a></td><th scope="row">'
            f'{escape(image.source)}</th><td class="n">{image.version}</td>'
            f"<td><code>{image.sha256}</code></td><td{css}>{escape(status)}{detail}</td></tr>"
        )
    head = "".join(
        f'<th scope="col">{escape(lang.t(k))}</th>'
        for k in ("image", "source", "version", "sha256", "qr_check")
    )
    return (
        f'<section aria-labelledby="img-h"><h2 id="img-h">{escape(lang.t("images"))}</h2>'
        f'<p>{escape(lang.t("images_intro"))}</p><div class="scroll" tabindex="0"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )
