"""The site's URL scheme: file names from identifiers and relative links between pages.

Every link is relative, so a mirror under any path works. The definition's language lives at
the publication root, the other under its code (``en/`` for a Spanish definition). Pages:
``index.html``, ``race/<contest>.html``, ``region/<region>.html`` (and its table list pages
``region/<region>/tables/<k>.html`` above the list limit),
``table/<unit>/<contest>.html`` (or ``table/index.html`` above the scale threshold),
``bulletins/index.html``, ``bulletins/<n>.html``, ``audits/index.html``, ``data.html``.
Identifiers may hold ``/`` and ``:``; :func:`slug` turns each into one safe path segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-")


@lru_cache(maxsize=1 << 16)
def slug(ident: str) -> str:
    """One path segment for an identifier: safe characters kept, every other byte ``~XX``
    (``~`` never occurs in an identifier, so two identifiers never share a slug)."""
    out = []
    for ch in ident:
        if ch in SAFE:
            out.append(ch)
        else:
            out.extend(f"~{b:02X}" for b in ch.encode("utf-8"))
    text = "".join(out)
    return text if not text.startswith(".") else "~2E" + text[1:]


def race_path(contest_id: str) -> str:
    """Path of a race page, relative to a language root."""
    return f"race/{slug(contest_id)}.html"


def region_path(region_id: str) -> str:
    """Path of a region page, relative to a language root."""
    return f"region/{slug(region_id)}.html"


def list_page_path(region_id: str, k: int) -> str:
    """Path of a region's ``k``-th table list page (from 1), relative to a language root."""
    return f"region/{slug(region_id)}/tables/{k}.html"


def table_path(unit_id: str, contest_id: str) -> str:
    """Path of a static table (acta) page, relative to a language root."""
    return f"table/{slug(unit_id)}/{slug(contest_id)}.html"


@dataclass(frozen=True)
class Place:
    """Where a page lives: its language prefix (``""`` or ``"en/"``) and its path inside it."""

    prefix: str
    path: str

    @property
    def full(self) -> str:
        """The page's path relative to the publication root."""
        return self.prefix + self.path

    @property
    def root(self) -> str:
        """Relative link from this page to the publication root (``""`` or ``"../"``…)."""
        return "../" * self.full.count("/")

    def u(self, target: str) -> str:
        """Link to another page of the same language (``target`` relative to its root)."""
        return "../" * self.path.count("/") + target

    def r(self, target: str) -> str:
        """Link to a file relative to the publication root (assets, data files)."""
        return self.root + target

    def switch(self, other_prefix: str) -> str:
        """Link to the same page in the other language."""
        return self.root + other_prefix + self.path
