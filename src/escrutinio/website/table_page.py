"""One static polling-table (acta) page: the counting official version's numbers, the
verify widget of the site contract (``section.verify`` with ``data-root``,
``data-log-index``, ``data-acta`` and the ``data-i18n-*`` words; the compare form), every
stored version of every source with the adjudication decisions and reasons, and the other
sources' copies side by side.

The ``table.html`` template is rendered once per (contest, language, counted or not) with
markers where a table's own values go; each page fills the markers with its escaped values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from markupsafe import Markup

from escrutinio.reads.documents import ActaVersionDoc
from escrutinio.website.html import esc
from escrutinio.website.i18n import Lang
from escrutinio.website.images import images_html
from escrutinio.website.paths import Place, region_path, slug
from escrutinio.website.site_parts import SiteParts

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


def acta_json(version: ActaVersionDoc) -> str:
    """:func:`contract_acta` as ``json.dumps(..., ensure_ascii=False)`` writes it (written
    directly: one per table page)."""
    s = _JSON_STR
    votes = ", ".join(f"{s(k)}: {_json_int(v)}" for k, v in version["votes"].items())
    return (
        f'{{"unit": {s(version["unit"])}, "contest": {s(version["contest"])}, '
        f'"source": {s(version["source"])}, "votes": {{{votes}}}, '
        f'"null": {_json_int(version["null"])}, "blank": {_json_int(version["blank"])}, '
        f'"voters": {_json_int(version["voters"])}}}'
    )


_JSON_STR = json.encoder.encode_basestring
"""A string as ``json.dumps(..., ensure_ascii=False)`` writes it (C version when built)."""


def _json_int(value: int | None) -> str:
    if value is None:
        return "null"
    if type(value) is not int:
        return json.dumps(value)
    return str(value)


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


Skeleton = tuple[list[bytes], list[str]]
"""A table page rendered with markers: the UTF-8 text around them and the marker names."""
STATUSES = ("accepted", "conflicting")


class TablePage:
    """The static table pages of a site, one (unit, contest) at a time."""

    def __init__(self, site: SiteParts) -> None:
        self.site = site
        self.definition = site.definition
        self.bundle = site.bundle

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
            "unit": esc(unit),
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
            values["received"] = esc(lang.when(official["received_at"]))
            values["log_index"] = str(official["log_index"])
            values["source"] = esc(official["source"])
            values["acta"] = esc(acta_json(official))
        statics, keys = parts
        out = [statics[0]]
        for key, text in zip(keys, statics[1:], strict=True):
            out.append(values[key].encode("utf-8"))
            out.append(text)
        return b"".join(out)

    def _official(self, versions: list[ActaVersionDoc]) -> ActaVersionDoc | None:
        source = self.bundle.official_source
        return next((v for v in versions if v["counting"] and v["source"] == source), None)

    def _skeleton(self, lang: Lang, cid: str, counted: bool) -> Skeleton:
        """The page rendered with markers: its text between the markers (UTF-8) and the
        marker names."""
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
            pieces = page.split(MARK)
            parts = ([text.encode("utf-8") for text in pieces[0::2]], pieces[1::2])
            self._skeletons[key] = parts
        return parts

    @cached_property
    def _skeletons(self) -> dict[tuple[str, str, bool], Skeleton]:
        return {}

    def _crumbs(self, lang: Lang, place: Place, u: int) -> str:
        """The breadcrumb items of a unit's table page (the same for every table of a
        region, language and folder depth, so built once for them)."""
        d = self.definition
        region = int(d.units.region[u])
        key = (lang.code, place.path.count("/"), region)
        html = self._crumb_cache.get(key)
        if html is None:
            html = self._crumb_cache[key] = self._crumbs_of(lang, place, region)
        return html

    @cached_property
    def _crumb_cache(self) -> dict[tuple[str, int, int], str]:
        return {}

    def _crumbs_of(self, lang: Lang, place: Place, region: int) -> str:
        d = self.definition
        out = [f'<li><a href="{place.u("index.html")}">{esc(lang.t("home"))}</a></li>']
        for a in self.site.ancestors(region):
            name = esc(d.regions.names[a])
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
                f'<tr><th scope="row">{esc(v["source"])}</th><td class="n">{v["version"]}'
                f"</td><td>{esc(status)}</td><td>{esc(counts)}</td>"
                f'<td class="n">{lang.num(v["voters"])}</td>'
                f"<td>{esc(lang.when(v['received_at']))}</td>"
                f'<td class="n">{v["log_index"]}</td></tr>'
            )
        return "".join(rows)

    def _decisions_html(self, lang: Lang, unit: str, cid: str) -> str:
        decisions = self.bundle.adjudications_of(unit, cid)
        if not decisions:
            return f"<p>{esc(lang.t('no_decision'))}</p>"
        items = []
        for a in decisions:
            what = (
                lang.t("decision_none")
                if a.version is None
                else lang.t("decision_version", v=a.version)
            )
            by = lang.t("decided_by", who=a.decided_by, when=lang.when(a.decided_at))
            items.append(
                f"<li>{esc(a.source)}: {esc(what)} — «{esc(a.reason)}» {esc(by)} "
                f"({esc(lang.t('log_index'))} {a.log_index})</li>"
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


class _Missing(dict[str, Any]):
    """A dict that answers None for a field it lacks (an acta without ``blank``)."""

    def __missing__(self, key: str) -> None:
        return None
