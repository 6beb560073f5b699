"""Which pages of the previous publication a re-publication leaves as they are.

A region page depends only on the definition, the site's code and options, and the acta
versions (with adjudications) of the units inside the region; a table list page, table page
or table-data shard (part) only on those of its own units (and, for table pages, their
images and QR checks). So after new log entries only the regions, list pages, tables and
shards of the changed (unit, contest) slots (`escrutinio.publish.previous`) are rendered
again; every other such page is left on disk and keeps its hash in the manifest. The
previous publication's pages count only when it was built by the same code with the same
options: ``site-build.json`` (listed in the manifest like every page) holds a digest of the
installed package's files and the options, and a different one renders everything. The
home, race, bulletin, audit and data pages and ``latest.json`` are always rendered (they
are few).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.publish.previous import Previous, Slot
from escrutinio.website.images import QR_CHECKS_CSV

BUILD_FILE = "site-build.json"
BUILD_FORMAT = "escrutinio-site-build/1"


def _files(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                out.extend(_files(child, name + "/"))
        elif not child.name.endswith((".pyc", ".pyo")):
            out.append((name, child))
    return out


@cache
def generator_digest() -> str:
    """SHA-256 over the path and bytes of every file of the installed ``escrutinio``
    package (code, templates, assets, data): pages built by another version differ."""
    digest = hashlib.sha256()
    for name, item in sorted(_files(resources.files("escrutinio"), ""), key=lambda x: x[0]):
        data = item.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def build_stamp(
    language: str, table_page_limit: int, region_page_limit: int, list_rows: int
) -> bytes:
    """The bytes of ``site-build.json``: the generator's digest and the options that shape
    region and table pages."""
    return canonical_json_fast(
        {
            "format": BUILD_FORMAT,
            "generator_sha256": generator_digest(),
            "language": language,
            "table_page_limit": table_page_limit,
            "region_page_limit": region_page_limit,
            "list_rows": list_rows,
        }
    )


@dataclass
class Reuse:
    """The pages a re-publication may leave as they are (none by default)."""

    previous: Previous | None = None
    regions: set[int] = field(default_factory=set)
    """Region indexes with a changed slot somewhere inside them."""
    units: set[int] = field(default_factory=set)
    """Unit indexes with a changed slot."""
    slots: frozenset[Slot] = frozenset()
    tables_changed: bool = False
    """Every table page must be rendered (the QR checks changed)."""

    def keep(self, path: str, touched: bool) -> bool:
        """True when the page at ``path`` is not ``touched`` and still on disk as the
        previous publication listed it."""
        return not touched and self.previous is not None and self.previous.reusable(path)

    def previous_bytes(self, root: Path | None, path: str, limit: int) -> bytes | None:
        """The previous publication's file at ``path`` under ``root`` when it still holds
        the bytes its manifest lists (same SHA-256, at most ``limit`` bytes); else None."""
        previous = self.previous
        if previous is None or root is None or not previous.reusable(path):
            return None
        file = root / path
        if file.is_symlink() or not file.is_file() or file.stat().st_size > limit:
            return None
        data = file.read_bytes()
        if hashlib.sha256(data).hexdigest() != previous.hashes.get(path):
            return None
        return data


def reuse_for(
    definition: Definition,
    previous: Previous | None,
    stamp: bytes,
    files: Mapping[str, bytes],
) -> Reuse:
    """What may stay of ``previous`` for a site whose ``site-build.json`` is ``stamp``, given
    the data files being published (``qr-checks.csv`` is not in the log)."""
    if previous is None or not previous.reusable(BUILD_FILE, hashlib.sha256(stamp).hexdigest()):
        return Reuse()
    qr = files.get(QR_CHECKS_CSV)
    qr_hash = hashlib.sha256(qr).hexdigest() if qr is not None else ""
    units: set[int] = set()
    for unit, _ in previous.slots:
        u = definition.units.index.get(unit)
        if u is None:  # not in the definition: nothing can be taken as unchanged
            return Reuse()
        units.add(u)
    regions: set[int] = set()
    if units:
        picked = sorted(units)
        for level in definition.region_levels:
            at = definition.unit_regions_at(level)[picked]
            regions.update(int(r) for r in at[at >= 0].tolist())
    return Reuse(
        previous=previous,
        regions=regions,
        units=units,
        slots=previous.slots,
        tables_changed=previous.hashes.get(QR_CHECKS_CSV, "") != qr_hash,
    )
