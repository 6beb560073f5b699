"""Table list pages: a region that lists more than ``list_rows`` polling tables (at 1M tables,
a municipality lists about 4,000) keeps on its own page only links to its list pages
``region/<region>/tables/<k>.html`` (``k`` from 1, each with the first and last table id),
and each list page shows ``list_rows`` of those tables (definition order, so the URLs stay
the same for the whole election) with their numbers in every race of the region, linked to
their table pages, with previous/next links. Readers without JavaScript reach every table's
numbers this way; a changed table touches one small list page per language instead of its
region's whole list (`escrutinio.website.reuse`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from markupsafe import Markup

from escrutinio.website.html import html as _e
from escrutinio.website.i18n import Lang
from escrutinio.website.paths import Place, list_page_path, race_path, region_path
from escrutinio.website.region_page import children_html, crumbs_html
from escrutinio.website.site_parts import SiteParts


class Lists(Protocol):
    """What the list pages use of the table pages (`escrutinio.website.tables.TablePages`)."""

    def region_list(
        self, lang: Lang, place: Place, units: list[int], cid: str
    ) -> dict[str, Any] | None:
        """The rows of ``units`` in one contest for the page at ``place``."""
        ...


class Site(SiteParts, Protocol):
    """What the list pages use of the site being built (`escrutinio.website.build.Site`)."""

    @property
    def tables(self) -> Lists:
        """The table pages and lists."""
        ...


def list_links_html(site: Site, lang: Lang, place: Place, r: int, parts: list[list[int]]) -> str:
    """The region page's section linking each of its list pages by first and last table."""
    T = site.strings[lang.code]
    d = site.definition
    rid = d.regions.ids[r]
    ids = d.units.ids
    items = "".join(
        f'<li><a href="{_e(place.u(list_page_path(rid, k)))}">'
        f"{_e(lang.t('list_range', first=ids[part[0]], last=ids[part[-1]]))}</a></li>\n"
        for k, part in enumerate(parts, start=1)
    )
    total = sum(len(p) for p in parts)
    title = lang.t("list_pages", n=lang.num(total), pages=lang.num(len(parts)))
    return (
        '<section aria-labelledby="lists-h">\n'
        f'<h2 id="lists-h">{_e(title)}</h2>\n'
        f"<p>{_e(T['list_pages_note'])}</p>\n"
        f'<ol class="list-pages">\n{items}</ol>\n</section>\n'
    )


def _pager(lang: Lang, T: Mapping[str, str], place: Place, rid: str, k: int, count: int) -> str:
    """Previous and next list page links around "page k of n"."""
    items = []
    if k > 1:
        href = _e(place.u(list_page_path(rid, k - 1)))
        items.append(f'<li><a rel="prev" href="{href}">{_e(T["previous_page"])}</a></li>')
    items.append(f"<li>{_e(lang.t('list_page_of', k=lang.num(k), n=lang.num(count)))}</li>")
    if k < count:
        href = _e(place.u(list_page_path(rid, k + 1)))
        items.append(f'<li><a rel="next" href="{href}">{_e(T["next_page"])}</a></li>')
    label = _e(T["list_pager"])
    return f'<nav class="pager" aria-label="{label}"><ul>\n{"".join(items)}</ul></nav>\n'


def list_page(site: Site, lang: Lang, r: int, parts: list[list[int]], k: int) -> bytes:
    """The ``k``-th list page of region ``r`` (from 1): its tables in every race."""
    d = site.definition
    T = site.strings[lang.code]
    rid, name = d.regions.ids[r], d.regions.names[r]
    units = parts[k - 1]
    path = list_page_path(rid, k)
    place = Place(site.prefix[lang.code], path)
    span = lang.t("list_range", first=d.units.ids[units[0]], last=d.units.ids[units[-1]])
    crumbs: list[tuple[str, str | None]] = [(lang.t("home"), place.u("index.html"))]
    for a in site.ancestors(r):
        crumbs.append((d.regions.names[a], place.u(region_path(d.regions.ids[a]))))
    crumbs.append((span, None))
    page_of = lang.t("list_page_of", k=lang.num(k), n=lang.num(len(parts)))
    out = [
        crumbs_html(T, crumbs),
        f'<h1>{_e(name)} <span class="sub">({_e(span)}, {_e(page_of)})</span></h1>\n',
        _pager(lang, T, place, rid, k, len(parts)),
    ]
    for i, cid in enumerate(site.bundle.contests_in_region(rid), start=1):
        tables = site.tables.region_list(lang, place, units, cid)
        if tables is None:
            continue
        href = _e(place.u(race_path(cid)))
        out.append(
            f'<section aria-labelledby="c-{i}" class="contest">\n'
            f'<h2 id="c-{i}"><a href="{href}">{_e(d.contests[cid].name)}</a></h2>\n'
            f"{children_html(T, None, tables)}</section>\n"
        )
    return site.render(
        "list.html", lang, path, "region", title=f"{name} · {span}", main=Markup("".join(out))
    )


def list_page_files(
    site: Site, lang: Lang, r: int, parts: list[list[int]]
) -> Iterator[tuple[str, bytes | None]]:
    """Every list page of region ``r`` in ``lang`` (paths from the publication root);
    ``None`` for a page none of whose tables changed that the previous publication holds."""
    reuse = site.reuse
    rid = site.definition.regions.ids[r]
    pre = site.prefix[lang.code]
    for k, units in enumerate(parts, start=1):
        path = pre + list_page_path(rid, k)
        touched = not reuse.units.isdisjoint(units)
        yield path, None if reuse.keep(path, touched) else list_page(site, lang, r, parts, k)
