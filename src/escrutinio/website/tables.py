"""Polling-table (acta) pages: one static page per (unit, contest), or sharded JSON above
the scale threshold, and the table lists of region pages.

A table page shows the counting official version's numbers, the verify widget of the site
contract (``section.verify`` with ``data-root``, ``data-log-index``, ``data-acta`` and the
``data-i18n-*`` words; the compare form), every stored version of every source with the
adjudication decisions and reasons, and the other sources' copies side by side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import quote

import jinja2
import numpy as np
from markupsafe import Markup, escape

from escrutinio.model.definition import Definition, IntArray
from escrutinio.reads.documents import ActaVersionDoc
from escrutinio.website.bundle import Bundle
from escrutinio.website.i18n import Lang
from escrutinio.website.images import images_html
from escrutinio.website.paths import Place, region_path, slug, table_path
from escrutinio.website.reuse import Reuse
from escrutinio.website.shards import shard_files

_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")
"""Text that ``urllib.parse.quote(text, safe="")`` leaves as it is."""
MAX_SHARDS = 20_000
"""Most shard files: shards are regions of the deepest level with at most this many."""


class SiteParts(Protocol):
    """What the table pages use of the site being built (`escrutinio.website.build.Site`)."""

    definition: Definition
    bundle: Bundle
    prefix: dict[str, str]
    strings: dict[str, dict[str, str]]
    env: jinja2.Environment
    reuse: Reuse

    @property
    def options(self) -> TableOptions:
        """The build options (the table page threshold)."""
        ...

    @property
    def paged_levels(self) -> int:
        """How many region levels (from the broadest) get a page each."""
        ...

    def render(self, template: str, lang: Lang, path: str, kind: str, **ctx: Any) -> bytes:
        """Render one page of ``lang`` at ``path``."""
        ...

    def paged(self, region: int) -> bool:
        """True when the region has a page."""
        ...

    def ancestors(self, region: int) -> list[int]:
        """The region and its ancestors, broadest first."""
        ...


class TableOptions(Protocol):
    """The scale threshold the table pages follow."""

    @property
    def table_page_limit(self) -> int:
        """Most (unit, contest) slots with a static page each."""
        ...


EXTRA_FIELDS = ("null", "blank", "voters")
MARK = "\x00"
"""Delimits the per-table values in a rendered table page skeleton (never in page text)."""


def _mark(name: str) -> Markup:
    return Markup(f"{MARK}{name}{MARK}")


def _num(lang: Lang, value: int | None) -> str:
    return "—" if value is None else lang.num(value)


def acta_values(version: Mapping[str, Any]) -> dict[str, int | None]:
    """An acta version's numbers by field id (option ids, then null, blank, voters)."""
    out: dict[str, int | None] = dict(version["votes"])
    for key in EXTRA_FIELDS:
        out[key] = version[key]
    return out


def contract_acta(version: ActaVersionDoc) -> dict[str, Any]:
    """The ``data-acta`` object of the verify widget (unit, contest, source, votes, null,
    blank, voters)."""
    return {
        "unit": version["unit"],
        "contest": version["contest"],
        "source": version["source"],
        "votes": version["votes"],
        "null": version["null"],
        "blank": version["blank"],
        "voters": version["voters"],
    }


class TablePages:
    """The table pages of a site (see the module docstring)."""

    def __init__(self, site: SiteParts) -> None:
        self.site = site
        self.definition = site.definition
        self.bundle = site.bundle
        d = self.definition
        self.slot_count = sum(int(d.eligible_mask(cid).sum()) for cid in d.contests)
        self.sharded = self.slot_count > site.options.table_page_limit

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

    def href(self, place: Place, unit: str, contest: str) -> str | None:
        """Link from ``place`` to the table page of (unit, contest), None for unknown units."""
        u = self.definition.units.index.get(unit)
        if u is None or contest not in self.definition.contests:
            return None
        if not self.sharded:
            return place.u(table_path(unit, contest))
        shard = self.definition.regions.ids[int(self.unit_shard[u])]
        frag = "/".join(quote(x, safe="") for x in (shard, unit, contest))
        return place.u(f"table/index.html#{frag}")

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
                yield path, None if keep else self.page(lang, u, cid, path)

    def fields(self, cid: str) -> list[dict[str, str]]:
        """The acta's fields: one per ballot option (candidate and card), null, blank, voters."""
        return self._fields[cid]

    @cached_property
    def _fields(self) -> dict[str, list[dict[str, str]]]:
        d = self.definition
        out: dict[str, list[dict[str, str]]] = {}
        for cid, c in d.contests.items():
            names = {x.id: x.name for x in c.candidates}
            rows = []
            for o in c.options:
                label = names[o.candidate]
                if o.party:
                    label += f" ({d.parties[o.party].name})"
                rows.append({"id": o.id, "label": label})
            out[cid] = rows
        return out

    def _lang_fields(self, lang: Lang, cid: str) -> list[dict[str, str]]:
        return self.fields(cid) + [{"id": k, "label": lang.t(k)} for k in EXTRA_FIELDS]

    def page(self, lang: Lang, u: int, cid: str, path: str) -> bytes:
        """The table page of unit index ``u`` and contest ``cid``.

        The page is the ``table.html`` template rendered once per (contest, language,
        counted or not) with markers where a table's own values go; each table fills the
        markers with its escaped values, which is what keeps 60,000 pages fast."""
        d = self.definition
        unit = d.units.ids[u]
        versions = self.bundle.versions(unit, cid)
        official = self._official(versions)
        parts = self._skeleton(lang, cid, official is not None)
        place = Place(self.site.prefix[lang.code], path)
        values: dict[str, str] = {
            "unit": str(escape(unit)),
            "uslug": slug(unit),
            "registered": lang.num(int(d.units.registered[u])),
            "crumbs": self._crumbs(lang, place, u),
            "versions": self._versions_html(lang, versions),
            "decisions": self._decisions_html(lang, unit, cid),
            "sources": self._sources_html(lang, cid, versions, official),
            "images": images_html(lang, place, self.bundle.images.get((unit, cid), [])),
        }
        if official is not None:
            nums = acta_values(official)
            for i, f in enumerate(self.fields(cid)):
                values[f"f{i}"] = _num(lang, nums.get(f["id"]))
            for j, key in enumerate(EXTRA_FIELDS, start=len(self.fields(cid))):
                values[f"f{j}"] = _num(lang, nums.get(key))
            values["received"] = str(escape(lang.when(official["received_at"])))
            values["log_index"] = str(official["log_index"])
            values["source"] = str(escape(official["source"]))
            values["acta"] = str(escape(json.dumps(contract_acta(official), ensure_ascii=False)))
        return "".join(text if i % 2 == 0 else values[text] for i, text in enumerate(parts)).encode(
            "utf-8"
        )

    def _official(self, versions: list[ActaVersionDoc]) -> ActaVersionDoc | None:
        source = self.bundle.official_source
        return next((v for v in versions if v["counting"] and v["source"] == source), None)

    def _skeleton(self, lang: Lang, cid: str, counted: bool) -> list[str]:
        key = (lang.code, cid, counted)
        parts = self._skeletons.get(key)
        if parts is None:
            fields = self._lang_fields(lang, cid)
            path = f"table/{MARK}uslug{MARK}/{slug(cid)}.html"
            page = self.site.render(
                "table.html",
                lang,
                path,
                "table",
                unit=_mark("unit"),
                contest_name=self.definition.contests[cid].name,
                contest_slug=slug(cid),
                registered=_mark("registered"),
                crumbs_html=_mark("crumbs"),
                fields=fields,
                official=counted,
                nums=[_mark(f"f{i}") for i in range(len(fields))],
                received=_mark("received"),
                log_index=_mark("log_index"),
                source=_mark("source"),
                acta_json=_mark("acta"),
                sources_html=_mark("sources"),
                has_versions=True,
                versions_html=_mark("versions"),
                decisions_html=_mark("decisions"),
                images_html=_mark("images"),
            ).decode("utf-8")
            parts = page.split(MARK)
            self._skeletons[key] = parts
        return parts

    @cached_property
    def _skeletons(self) -> dict[tuple[str, str, bool], list[str]]:
        return {}

    def _crumbs(self, lang: Lang, place: Place, u: int) -> str:
        d = self.definition
        out = [f'<li><a href="{place.u("index.html")}">{escape(lang.t("home"))}</a></li>']
        for a in self.site.ancestors(int(d.units.region[u])):
            name = escape(d.regions.names[a])
            if self.site.paged(a):
                href = place.u(region_path(d.regions.ids[a]))
                out.append(f'<li><a href="{href}">{name}</a></li>')
            else:
                out.append(f"<li>{name}</li>")
        return "".join(out)

    def _versions_html(self, lang: Lang, versions: list[ActaVersionDoc]) -> str:
        rows = []
        for v in versions:
            status = lang.t("st_" + v["status"]) if v["status"] in STATUSES else v["status"]
            counts = lang.t("counts_yes") if v["counting"] else lang.t("counts_no")
            rows.append(
                f'<tr><th scope="row">{escape(v["source"])}</th><td class="n">{v["version"]}'
                f"</td><td>{escape(status)}</td><td>{escape(counts)}</td>"
                f'<td class="n">{lang.num(v["voters"])}</td>'
                f"<td>{escape(lang.when(v['received_at']))}</td>"
                f'<td class="n">{v["log_index"]}</td></tr>'
            )
        return "".join(rows)

    def _decisions_html(self, lang: Lang, unit: str, cid: str) -> str:
        decisions = self.bundle.adjudications_of(unit, cid)
        if not decisions:
            return f"<p>{escape(lang.t('no_decision'))}</p>"
        items = []
        for a in decisions:
            what = (
                lang.t("decision_none")
                if a.version is None
                else lang.t("decision_version", v=a.version)
            )
            by = lang.t("decided_by", who=a.decided_by, when=lang.when(a.decided_at))
            items.append(
                f"<li>{escape(a.source)}: {escape(what)} — «{escape(a.reason)}» {escape(by)} "
                f"({escape(lang.t('log_index'))} {a.log_index})</li>"
            )
        return "<ul>" + "".join(items) + "</ul>"

    def _sources_html(
        self,
        lang: Lang,
        cid: str,
        versions: list[ActaVersionDoc],
        official: ActaVersionDoc | None,
    ) -> str:
        """Each source's copy side by side (its counting version, else its latest), with
        ``≠`` where it differs from the official one; empty with a single source."""
        by_source: dict[str, ActaVersionDoc] = {}
        for v in versions:
            held = by_source.get(v["source"])
            if held is None or v["counting"] or not held["counting"]:
                by_source[v["source"]] = v
        if len(by_source) < 2:
            return ""
        base = acta_values(official) if official else {}
        main = self.bundle.official_source
        sources = []
        for source in sorted(by_source, key=lambda s: (s != main, s)):
            nums = acta_values(by_source[source])
            sources.append(
                {
                    "source": source,
                    "nums": _Missing(nums),
                    "differs": {
                        k: source != main and bool(base) and nums.get(k) != base.get(k)
                        for k in {*nums, *base}
                    },
                }
            )
        html = self.site.env.get_template("sources.html").render(
            lang=lang,
            T=self.site.strings[lang.code],
            fields=self._lang_fields(lang, cid),
            sources=sources,
        )
        return str(html)

    # ---- region lists --------------------------------------------------------------------

    @cached_property
    def _unit_rows(self) -> dict[str, dict[int, int]]:
        return {
            cid: {int(u): i for i, u in enumerate(c.units.tolist())}
            for cid, c in self.bundle.counts.items()
        }

    @cached_property
    def _candidate_matrix(self) -> dict[str, IntArray]:
        """Per contest, candidate votes of every counted unit row (definition order)."""
        out: dict[str, IntArray] = {}
        for cid, c in self.bundle.counts.items():
            lay = self.definition.layout(cid)
            k = c.option_count
            onehot = np.zeros((k, len(lay.candidate_ids)), dtype=np.int64)
            onehot[np.arange(k), lay.option_candidate] = 1
            out[cid] = c.counts[:, :k] @ onehot
        return out

    @cached_property
    def _direct_units(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for u, r in enumerate(self.definition.units.region.tolist()):
            out.setdefault(int(r), []).append(u)
        return out

    def region_list(self, lang: Lang, place: Place, r: int, cid: str) -> dict[str, Any] | None:
        """The tables of a region in one contest: those directly in it, or every table
        inside it when it is at the deepest paged level. None when there are none."""
        d = self.definition
        deepest = int(d.regions.level[r]) == self.site.paged_levels - 1
        units = (
            self.bundle.units_in_region(d.regions.ids[r])
            if deepest
            else (self._direct_units.get(r, []))
        )
        mask = d.eligible_mask(cid)
        units = [u for u in units if mask[u]]
        if not units:
            return None
        names = {c.id: c.name for c in d.contests[cid].candidates}
        columns = [names[c] for c in d.layout(cid).candidate_ids]
        rows_html = Markup("".join(self._table_rows(lang, place, cid, units, len(columns))))
        return {"key": slug(cid), "columns": columns, "rows_html": rows_html}

    def _table_rows(
        self, lang: Lang, place: Place, cid: str, units: list[int], columns: int
    ) -> Iterator[str]:
        """One ``<tr>`` (and newline) per table of a region list, built without a template
        call per row (the bytes the former Jinja loop gave: values escaped, numbers in the
        page's locale); each distinct number is formatted once."""
        d = self.definition
        rows_of = self._unit_rows[cid]
        rows = [rows_of.get(u) for u in units]
        counted = [r for r in rows if r is not None]
        voters = self.bundle.counts[cid].counts[counted, -1]
        matrix = self._candidate_matrix[cid][counted]
        registered = d.units.registered[units]
        distinct = np.unique(np.concatenate([matrix.ravel(), voters, registered]))
        fmt = {v: lang.num(v) for v in distinct.tolist()}
        cells_of = dict(
            zip(counted, zip(voters.tolist(), matrix.tolist(), strict=True), strict=True)
        )
        uncounted = (
            f'<td colspan="{1 + columns}" class="muted">{escape(lang.t("uncounted"))}</td></tr>\n'
        )
        td = '</td><td class="n">'
        links = self._links(place, units, cid)
        for u, row, reg, href in zip(units, rows, registered.tolist(), links, strict=True):
            head = (
                f'<tr><th scope="row"><a href="{escape(href)}">{escape(d.units.ids[u])}</a></th>'
                f'<td class="n">{fmt[reg]}</td>'
            )
            if row is None:
                yield head + uncounted
                continue
            n, cells = cells_of[row]
            nums = td + td.join(map(fmt.__getitem__, cells)) if cells else ""
            yield f'{head}<td class="n">{fmt[n]}{nums}</td></tr>\n'

    def _links(self, place: Place, units: list[int], contest: str) -> list[str]:
        """`href` of each unit index's table in ``contest`` (quoting skipped for plain ids)."""
        ids = self.definition.units.ids
        if not self.sharded:
            return [place.u(table_path(ids[u], contest)) for u in units]

        def q(text: str) -> str:
            return text if _UNQUOTED.fullmatch(text) else quote(text, safe="")

        regions = self.definition.regions.ids
        shards = {s: q(regions[s]) for s in set(self.unit_shard[units].tolist())}
        base = place.u("table/index.html#")
        tail = "/" + q(contest)
        return [
            f"{base}{shards[s]}/{q(ids[u])}{tail}"
            for u, s in zip(units, self.unit_shard[units].tolist(), strict=True)
        ]

    # ---- shards --------------------------------------------------------------------------

    def shards(self) -> Iterator[tuple[str, bytes | None]]:
        """``table/data/<region>.json`` for every shard region (only when sharded); ``None``
        for a shard with no changed table that the site's ``reuse`` leaves as it is."""
        if not self.sharded:
            return iter(())
        return shard_files(self, self.unit_shard)


STATUSES = ("accepted", "conflicting")
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


class _Missing(dict[str, Any]):
    """A dict that answers None for a field it lacks (an acta without ``blank``)."""

    def __missing__(self, key: str) -> None:
        return None
