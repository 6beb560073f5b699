"""The body of a region page (``region/<region>.html``), written without a template call:
breadcrumbs, then for every race in the region its result table and figures, its drill-down
to the paged sub-regions and its polling tables.

There are as many region pages as regions in the paged levels (30,870 for the 2017 demo in
both languages), so the body is built from strings: the bytes are those the former
``region.html`` Jinja block gave (autoescaped values, ``children.html`` for the drill-down
and table lists), which the site tests pin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from escrutinio.website.html import html as _e
from escrutinio.website.paths import Place


def crumbs_html(T: Mapping[str, str], crumbs: Sequence[tuple[str, str | None]]) -> str:
    """The breadcrumb trail (``nav.crumbs``): linked ancestors, the current page last."""
    items = "".join(
        f'<li><a href="{_e(href)}">{_e(label)}</a></li>'
        if href
        else f'<li><span aria-current="page">{_e(label)}</span></li>'
        for label, href in crumbs
    )
    return f'<nav class="crumbs" aria-label="{_e(T["parent"])}"><ol>\n{items}</ol></nav>\n'


def result_html(T: Mapping[str, str], caption: str, res: Mapping[str, Any]) -> str:
    """A region's result in one race: candidates ranked (leader tagged) and the figures;
    "no actas counted" instead of the table when nobody leads."""
    out = []
    if res["has_leader"]:
        tag = f' <span class="tag">{_e(T["leader"])}</span>'
        lead = ' class="lead"'
        rows = "".join(
            f'<tr{lead if c["lead"] else ""}><th scope="row">{_e(c["name"])}'
            f"{tag if c['lead'] else ''}</th><td>{_e(c['alliance'])}</td>"
            f'<td class="n">{_e(c["votes"])}</td><td class="n">{_e(c["pct"])}</td></tr>\n'
            for c in res["candidates_ranked"]
        )
        out.append(
            '<div class="scroll" tabindex="0"><table class="results">\n'
            f"<caption>{_e(caption)}</caption>\n"
            f'<thead><tr><th scope="col">{_e(T["candidate"])}</th>'
            f'<th scope="col">{_e(T["alliance"])}</th>'
            f'<th scope="col" class="n">{_e(T["votes"])}</th>'
            f'<th scope="col" class="n">{_e(T["share"])}</th></tr></thead>\n'
            f"<tbody>\n{rows}</tbody></table></div>\n"
        )
    else:
        out.append(f'<p class="muted">{_e(T["no_leader"])}</p>')
    figures = "".join(
        f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>\n" for label, value in res["figures"]
    )
    out.append(f'<dl class="figures">\n{figures}</dl>\n')
    return "".join(out)


def children_html(
    T: Mapping[str, str],
    children: Mapping[str, Any] | None,
    tables: Mapping[str, Any] | None,
) -> str:
    """The drill-down table (sub-regions with leader, votes, margin, counted) and the list
    of polling tables, each when there is one (the markup of ``children.html``)."""
    out = []
    if children:
        key = _e(children["key"])
        no_leader = f'<span class="muted">{_e(T["no_leader"])}</span>'
        rows = "".join(
            f'<tr><th scope="row"><a href="{_e(c["href"])}">{_e(c["name"])}</a></th>'
            f"<td>{_e(c['leader']) if c['leader'] else no_leader}</td>"
            f'<td class="n">{_e(c["votes"])}</td><td class="n">{_e(c["margin"])}</td>'
            f'<td class="n">{_e(c["counted"])}</td></tr>\n'
            for c in children["rows"]
        )
        out.append(
            f'<section aria-labelledby="drill-h-{key}">\n'
            f'<h2 id="drill-h-{key}">{_e(T["drill"])}: {_e(children["level"])}</h2>\n'
            '<div class="scroll" tabindex="0"><table>\n'
            f'<thead><tr><th scope="col">{_e(T["region"])}</th>'
            f'<th scope="col">{_e(T["leader"])}</th>'
            f'<th scope="col" class="n">{_e(T["votes"])}</th>'
            f'<th scope="col" class="n">{_e(T["margin"])}</th>'
            f'<th scope="col" class="n">{_e(T["counted"])}</th></tr></thead>\n'
            f"<tbody>\n{rows}</tbody></table></div>\n</section>\n"
        )
    if tables:
        key = _e(tables["key"])
        columns = "".join(
            f'<th scope="col" class="n">{_e(name)}</th>' for name in tables["columns"]
        )
        out.append(
            f'<section aria-labelledby="tables-h-{key}">\n'
            f'<h2 id="tables-h-{key}">{_e(T["tables_here"])}</h2>\n'
            '<div class="scroll" tabindex="0"><table>\n'
            f'<thead><tr><th scope="col">{_e(T["table"])}</th>'
            f'<th scope="col" class="n">{_e(T["registered"])}</th>'
            f'<th scope="col" class="n">{_e(T["voters"])}</th>{columns}</tr></thead>\n'
            f"<tbody>\n{_e(tables['rows_html'])}</tbody></table></div>\n</section>\n"
        )
    return "".join(out)


def region_main(
    T: Mapping[str, str],
    place: Place,
    region: Mapping[str, str],
    crumbs: Sequence[tuple[str, str | None]],
    blocks: Sequence[Mapping[str, Any]],
    tail: str = "",
) -> Markup:
    """The ``main`` element's content of a region page: breadcrumbs, the region's name and
    level, one section per race (``blocks``: slug, name, result view, drill-down, tables)
    and ``tail`` (the links to its table list pages, when it has them)."""
    name = _e(region["name"])
    out = [
        crumbs_html(T, crumbs),
        f'<h1>{name} <span class="sub">({_e(region["level"])})</span></h1>\n',
    ]
    for i, block in enumerate(blocks, start=1):
        href = _e(place.u(f"race/{block['slug']}.html"))
        out.append(
            f'<section aria-labelledby="c-{i}" class="contest">\n'
            f'<h2 id="c-{i}"><a href="{href}">{_e(block["name"])}</a></h2>\n'
        )
        out.append(result_html(T, f"{block['name']} · {region['name']}", block["result"]))
        out.append(children_html(T, block["children"], block["tables"]))
        out.append("</section>\n")
    out.append(tail)
    return Markup("".join(out))
