"""Polling-table (acta) pages: one static page per (unit, contest)
(`escrutinio.website.table_page`), or sharded JSON above the scale threshold
(`escrutinio.website.shards`), the table lists of region pages
(`escrutinio.website.table_lists`), and the links to a table from any page.

A shard is a region of the shard level; one with more than ``list_rows`` tables is cut in
parts of ``list_rows`` tables (definition order), ``table/data/<region>/<k>.json``, so a
changed table rewrites a small file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import quote

import numpy as np

from escrutinio.model.definition import IntArray
from escrutinio.website.i18n import Lang
from escrutinio.website.paths import Place, table_path
from escrutinio.website.reuse import Reuse
from escrutinio.website.shards import shard_files
from escrutinio.website.site_parts import SiteParts
from escrutinio.website.table_lists import RegionTables
from escrutinio.website.table_page import TablePage

_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")
"""Text that ``urllib.parse.quote(text, safe="")`` leaves as it is."""


def _quote(text: str) -> str:
    return quote(text, safe="")


MAX_SHARDS = 20_000
"""Most shard files: shards are regions of the deepest level with at most this many."""


class TablePages:
    """The table pages of a site (see the module docstring)."""

    def __init__(self, site: SiteParts) -> None:
        self.site = site
        self.definition = site.definition
        self.bundle = site.bundle
        d = self.definition
        self.slot_count = sum(int(d.eligible_mask(cid).sum()) for cid in d.contests)
        self.sharded = self.slot_count > site.options.table_page_limit
        self.renderer = TablePage(site)
        self.lists = RegionTables(site, self._links)

    @property
    def reuse(self) -> Reuse:
        """The pages a re-publication may leave as they are (the site's)."""
        return self.site.reuse

    # ---- links ---------------------------------------------------------------------------

    @cached_property
    def shard_level(self) -> int:
        """The deepest region level with at most ``MAX_SHARDS`` regions."""
        d = self.definition
        counts = np.bincount(d.regions.level, minlength=len(d.region_levels)).tolist()
        best = 0
        for level, n in enumerate(counts):
            if n <= MAX_SHARDS:
                best = level
        return best

    @cached_property
    def unit_shard(self) -> IntArray:
        """Shard region index of every unit (its ancestor at the shard level, else its own
        region)."""
        d = self.definition
        at = d.unit_regions_at(d.region_levels[self.shard_level]).astype(np.int64)
        return np.where(at >= 0, at, d.units.region).astype(np.int64)

    @cached_property
    def unit_part(self) -> IntArray:
        """Part (from 1) of its shard that holds every unit; 0 when the shard has at most
        ``list_rows`` tables and is one file."""
        shard = self.unit_shard
        out = np.zeros(len(shard), dtype=np.int64)
        if not len(shard):
            return out
        order = np.argsort(shard, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(shard[order]) != 0])
        sizes = np.diff(np.r_[starts, len(order)])
        position = np.arange(len(order)) - np.repeat(starts, sizes)
        rows = self.site.options.list_rows
        out[order] = np.where(np.repeat(sizes > rows, sizes), position // rows + 1, 0)
        return out

    def shard_key(self, u: int, q: Callable[[str], str]) -> str:
        """The shard part of a table's fragment: its shard region (through ``q``) and, when
        the shard is cut in parts, ``/<k>``."""
        region = q(self.definition.regions.ids[int(self.unit_shard[u])])
        part = int(self.unit_part[u])
        return f"{region}/{part}" if part else region

    def href(self, place: Place, unit: str, contest: str) -> str | None:
        """Link from ``place`` to the table page of (unit, contest), None for unknown units."""
        u = self.definition.units.index.get(unit)
        if u is None or contest not in self.definition.contests:
            return None
        if not self.sharded:
            return place.u(table_path(unit, contest))
        quoted = "/".join(quote(x, safe="") for x in (unit, contest))
        return place.u(f"table/index.html#{self.shard_key(u, _quote)}/{quoted}")

    # ---- static pages --------------------------------------------------------------------

    def pages(self, lang: Lang) -> Iterator[tuple[str, bytes | None]]:
        """Every table page of one language (paths relative to its root); ``None`` for a
        page the site's ``reuse`` leaves as it is."""
        if self.sharded:
            i18n = {k: lang.t(k) for k in I18N_KEYS}
            yield (
                "table/index.html",
                self.site.render("table_index.html", lang, "table/index.html", "table", i18n=i18n),
            )
            return
        d = self.definition
        reuse = self.site.reuse
        pre = self.site.prefix[lang.code]
        for cid in d.contests:
            for u in d.contest_units(cid).tolist():
                unit = d.units.ids[u]
                path = table_path(unit, cid)
                touched = reuse.tables_changed or (unit, cid) in reuse.slots
                keep = reuse.keep(pre + path, touched)
                yield path, None if keep else self.renderer.page(lang, u, cid, path)

    def fields(self, cid: str) -> list[dict[str, str]]:
        """The acta's fields: one per ballot option (candidate and card), null, blank, voters."""
        return self.renderer.fields(cid)

    # ---- region lists --------------------------------------------------------------------

    def region_list(
        self, lang: Lang, place: Place, units: list[int], cid: str
    ) -> dict[str, Any] | None:
        """The rows of ``units`` in one contest (`escrutinio.website.table_lists`)."""
        return self.lists.region_list(lang, place, units, cid)

    def parts(self, r: int) -> list[list[int]] | None:
        """The units of each table list page of a region; None when its page lists them."""
        return self.lists.parts(r)

    def listed(self, r: int) -> list[int]:
        """The units a region's table lists show."""
        return self.lists.listed(r)

    def _links(self, place: Place, units: list[int], contest: str) -> list[str]:
        """`href` of each unit index's table in ``contest`` (quoting skipped for plain ids)."""
        ids = self.definition.units.ids
        if not self.sharded:
            return [place.u(table_path(ids[u], contest)) for u in units]

        def q(text: str) -> str:
            return text if _UNQUOTED.fullmatch(text) else quote(text, safe="")

        shard, part = self.unit_shard[units].tolist(), self.unit_part[units].tolist()
        regions = self.definition.regions.ids
        base = place.u("table/index.html#")
        heads = {s: f"{base}{q(regions[s])}/" for s in set(shard)}
        tail = "/" + q(contest)
        return [
            f"{heads[s]}{k}/{q(ids[u])}{tail}" if k else f"{heads[s]}{q(ids[u])}{tail}"
            for u, s, k in zip(units, shard, part, strict=True)
        ]

    # ---- shards --------------------------------------------------------------------------

    def shards(self) -> Iterator[tuple[str, bytes | None]]:
        """``table/data/<region>.json`` for every shard region (only when sharded); ``None``
        for a shard with no changed table that the site's ``reuse`` leaves as it is."""
        if not self.sharded:
            return iter(())
        return shard_files(self, self.unit_shard, self.unit_part)


I18N_KEYS = (
    "table",
    "acta",
    "official",
    "field",
    "votes",
    "null",
    "blank",
    "voters",
    "received",
    "log_index",
    "source",
    "versions",
    "version",
    "counts_yes",
    "counts_no",
    "not_counted",
    "verify",
    "verify_intro",
    "verify_run",
    "verified",
    "failed",
    "checking",
    "match",
    "differs",
    "compare",
    "compare_run",
    "copy_file",
    "decision",
    "no_decision",
)
