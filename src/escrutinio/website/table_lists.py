"""The table lists of region pages: one row per polling table of a region in a contest
(registered electors, voters, each candidate's votes), linked to its table page or shard.
On a re-publication only the changed tables' rows are rendered, the others are taken from
the previous page (`escrutinio.website.list_splice`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import numpy as np
from markupsafe import Markup

from escrutinio.model.definition import IntArray
from escrutinio.website.html import esc
from escrutinio.website.i18n import Lang
from escrutinio.website.list_splice import spliced_rows
from escrutinio.website.paths import Place, slug
from escrutinio.website.site_parts import SiteParts

MAX_PAGE_BYTES = 256 * 1024 * 1024
"""Largest previous region page read back for its table lists."""

Links = Callable[[Place, list[int], str], list[str]]
"""``href`` of each unit index's table in a contest, from a page."""


class RegionTables:
    """The per-region table lists of a site's region pages."""

    def __init__(self, site: SiteParts, links: Links) -> None:
        self.site = site
        self.definition = site.definition
        self.bundle = site.bundle
        self.links = links
        self._page: tuple[str, str | None] = ("", None)

    @cached_property
    def _unit_rows(self) -> dict[str, IntArray]:
        """Per contest, the counts row of every unit index (-1: not counted)."""
        out: dict[str, IntArray] = {}
        for cid, c in self.bundle.counts.items():
            rows = np.full(len(self.definition.units.ids), -1, dtype=np.int64)
            rows[c.units] = np.arange(len(c.units), dtype=np.int64)
            out[cid] = rows
        return out

    @cached_property
    def _option_candidate(self) -> dict[str, IntArray]:
        """Per contest, the option × candidate 0/1 matrix that sums a row's options into its
        candidates' votes (definition order)."""
        out: dict[str, IntArray] = {}
        for cid, c in self.bundle.counts.items():
            lay = self.definition.layout(cid)
            k = c.option_count
            onehot = np.zeros((k, len(lay.candidate_ids)), dtype=np.int64)
            onehot[np.arange(k), lay.option_candidate] = 1
            out[cid] = onehot
        return out

    @cached_property
    def _direct_units(self) -> dict[int, list[int]]:
        """Unit indexes directly in each region, definition order."""
        region = self.definition.units.region
        order = np.argsort(region, kind="stable")
        bounds = np.flatnonzero(np.diff(region[order])) + 1
        return {int(region[g[0]]): g.tolist() for g in np.split(order, bounds) if g.size}

    def listed(self, r: int) -> list[int]:
        """The units a region's table lists show (every contest): those directly in it, or
        every unit inside it when it is at the deepest paged level; definition order."""
        d = self.definition
        if int(d.regions.level[r]) == self.site.paged_levels - 1:
            return self.bundle.units_in_region(d.regions.ids[r])
        return self._direct_units.get(r, [])

    def parts(self, r: int) -> list[list[int]] | None:
        """The units of each table list page of a region (`escrutinio.website.list_pages`):
        ``list_rows`` units a page, in definition order; None when the region lists at most
        ``list_rows`` units, on its own page."""
        if r not in self._parts:
            units, rows = self.listed(r), self.site.options.list_rows
            self._parts[r] = (
                [units[i : i + rows] for i in range(0, len(units), rows)]
                if len(units) > rows
                else None
            )
        return self._parts[r]

    @cached_property
    def _parts(self) -> dict[int, list[list[int]] | None]:
        return {}

    def region_list(
        self, lang: Lang, place: Place, units: list[int], cid: str
    ) -> dict[str, Any] | None:
        """The rows of ``units`` (a region's listed units or one of its list pages' share)
        that vote in one contest, for the page at ``place``. None when there are none."""
        d = self.definition
        mask = d.eligible_mask(cid)
        units = [u for u in units if mask[u]]
        if not units:
            return None
        names = {c.id: c.name for c in d.contests[cid].candidates}
        columns = [names[c] for c in d.layout(cid).candidate_ids]
        rows = self._reused_rows(lang, place, cid, units, len(columns))
        if rows is None:
            rows = "".join(self._table_rows(lang, place, cid, units, len(columns)))
        return {"key": slug(cid), "columns": columns, "rows_html": Markup(rows)}

    def _previous_page(self, path: str) -> str | None:
        """The previous publication's page at ``path`` as text when it still holds the bytes
        its manifest lists (the last one read is kept: a page has a list per race)."""
        if self._page[0] != path:
            data = self.site.reuse.previous_bytes(self.bundle.root, path, MAX_PAGE_BYTES)
            try:
                text = data.decode("utf-8") if data is not None else None
            except UnicodeDecodeError:
                text = None
            self._page = (path, text)
        return self._page[1]

    def _reused_rows(
        self, lang: Lang, place: Place, cid: str, units: list[int], columns: int
    ) -> str | None:
        """The list's rows with only the changed tables' rows rendered and the others taken
        from the previous page (`escrutinio.website.list_splice`); None when the list has
        to be rendered whole."""
        reuse = self.site.reuse
        if reuse.previous is None:
            return None
        fresh = [u for u in units if u in reuse.units]
        if len(fresh) == len(units):
            return None
        page = self._previous_page(place.full)
        if page is None:
            return None
        rows = self._table_rows(lang, place, cid, fresh, columns) if fresh else iter(())
        return spliced_rows(page, slug(cid), len(units), rows)

    def _table_rows(
        self, lang: Lang, place: Place, cid: str, units: list[int], columns: int
    ) -> Iterator[str]:
        """One ``<tr>`` (and newline) per table of a region list, built without a template
        call per row (the bytes the former Jinja loop gave: values escaped, numbers in the
        page's locale); each distinct number is formatted once."""
        d = self.definition
        rows_of = self._unit_rows.get(cid)
        found = rows_of[units].tolist() if rows_of is not None else [-1] * len(units)
        rows = [r if r >= 0 else None for r in found]
        counted = [r for r in rows if r is not None]
        onehot = self._option_candidate.get(cid)
        if counted and onehot is not None:  # only these rows: no product over every unit
            picked = self.bundle.counts[cid].counts[counted]
            voters, matrix = picked[:, -1], picked[:, : onehot.shape[0]] @ onehot
        else:
            voters = np.zeros(0, dtype=np.int64)
            matrix = np.zeros((0, columns), dtype=np.int64)
        registered = d.units.registered[units]
        distinct = np.unique(np.concatenate([matrix.ravel(), voters, registered]))
        fmt = {v: lang.num(v) for v in distinct.tolist()}
        cells_of = dict(
            zip(counted, zip(voters.tolist(), matrix.tolist(), strict=True), strict=True)
        )
        uncounted = (
            f'<td colspan="{1 + columns}" class="muted">{esc(lang.t("uncounted"))}</td></tr>\n'
        )
        td = '</td><td class="n">'
        links = self.links(place, units, cid)
        for u, row, reg, href in zip(units, rows, registered.tolist(), links, strict=True):
            head = (
                f'<tr><th scope="row"><a href="{esc(href)}">{esc(d.units.ids[u])}</a></th>'
                f'<td class="n">{fmt[reg]}</td>'
            )
            if row is None:
                yield head + uncounted
                continue
            n, cells = cells_of[row]
            nums = td + td.join(map(fmt.__getitem__, cells)) if cells else ""
            yield f'{head}<td class="n">{fmt[n]}{nums}</td></tr>\n'
