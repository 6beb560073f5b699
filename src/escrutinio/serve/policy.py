"""Which URL gets which ``Cache-Control`` and which files are worth compressing.

Immutable (a year, ``immutable``): complete tiles (``tile/<L>/<N>``, ``tile/entries/<N>``; a
log only appends, so a full tile never changes), per-bulletin files ``bulletins/<n>.json`` and
``bulletins/<n>.csv`` (a bulletin is kept forever) and hashed assets (``assets/name.<hex>.ext``
with at least 8 hex digits).  Short (5 s): ``latest.json``, ``checkpoint``, ``manifest.*`` and
every HTML page, which change with each publication.  Everything else: ``no-cache`` (always
revalidated with the ETag, answered 304 when unchanged).
"""

from __future__ import annotations

import re

from escrutinio.ledger.tiles import TileError, parse_tile_path

IMMUTABLE = "public, max-age=31536000, immutable"
"""For files whose bytes at that URL never change."""

SHORT = "public, max-age=5"
"""For the files that announce a new publication, and pages."""

REVALIDATE = "public, no-cache"
"""For the other data files: cached, but checked with the server every time."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
"""Pages may load nothing from anywhere else (the issue forbids third-party requests)."""

_BULLETIN_FILE = re.compile(r"bulletins/[1-9][0-9]*\.(json|csv)")
_HASHED_ASSET = re.compile(r"assets/(?:[^/]+/)*[^/]+\.[0-9a-f]{8,64}\.[A-Za-z0-9]+")
_SHORT_NAMES = frozenset({"latest.json", "checkpoint", "manifest.json", "manifest.note"})

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "note": "text/plain; charset=utf-8",
    "vkey": "text/plain; charset=utf-8",
    "svg": "image/svg+xml",
    "xml": "application/xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "ico": "image/x-icon",
    "pdf": "application/pdf",
    "parquet": "application/vnd.apache.parquet",
    "gz": "application/gzip",
    "zip": "application/zip",
    "tar": "application/x-tar",
    "woff2": "font/woff2",
}
_TEXT_NAMES = {"checkpoint": "text/plain; charset=utf-8"}
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "image/svg+xml")


def content_type(rel: str) -> str:
    """The media type of the file at ``rel`` (tiles are binary, ``checkpoint`` is text)."""
    name = rel.rsplit("/", 1)[-1]
    if name in _TEXT_NAMES:
        return _TEXT_NAMES[name]
    if "." in name:
        ext = name.rsplit(".", 1)[1].lower()
        if ext in CONTENT_TYPES:
            return CONTENT_TYPES[ext]
    return "application/octet-stream"


def compressible(media_type: str) -> bool:
    """Whether gzip is worth it for this media type (text, JSON, SVG)."""
    return media_type.startswith(_COMPRESSIBLE)


def _full_tile(rel: str) -> bool:
    if not rel.startswith("tile/"):
        return False
    try:
        return not parse_tile_path(rel).partial
    except TileError:
        return False


def cache_control(rel: str) -> str:
    """The ``Cache-Control`` value for the published file at ``rel``."""
    if rel in _SHORT_NAMES or rel.endswith(".html"):
        return SHORT
    if _full_tile(rel) or _BULLETIN_FILE.fullmatch(rel) or _HASHED_ASSET.fullmatch(rel):
        return IMMUTABLE
    return REVALIDATE


def file_headers(media_type: str, rule: str, last_modified: str) -> list[tuple[str, str]]:
    """The headers every answer for a published file carries (besides type and length)."""
    pairs = [
        ("cache-control", rule),
        ("last-modified", last_modified),
        ("x-content-type-options", "nosniff"),
    ]
    if media_type.startswith("text/html"):
        pairs += [("content-security-policy", CSP), ("referrer-policy", "no-referrer")]
    return pairs
