"""Render the static results site of a publication (see ``docs/site.md``).

:func:`site_files` yields ``(path, bytes)`` for every page of both languages, the assets and
``latest.json``, one file at a time so a large election never holds its pages in memory.
Pages are deterministic (no generation time), so a re-publication rewrites only those whose
bytes changed. Scale: up to ``TABLE_PAGE_LIMIT`` (unit, contest) slots every polling table
gets a static page; above it, table data goes to sharded JSON (``table/data/<region>.json``,
one per region at the deepest level with at most ``MAX_SHARDS`` regions) rendered by one page
(``table/index.html``), and each region page lists its tables' numbers for readers without
JavaScript (above ``LIST_ROWS`` tables, on list pages it links,
`escrutinio.website.list_pages`). Region pages exist for the broadest levels whose regions
add up to at most ``REGION_PAGE_LIMIT``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

import jinja2
import numpy as np

from escrutinio.model.definition import Definition
from escrutinio.model.fields import FIELDS
from escrutinio.publish.archive import ARCHIVE, ARCHIVE_SHA256
from escrutinio.publish.previous import Previous
from escrutinio.tally import ContestResult
from escrutinio.website import views
from escrutinio.website.bundle import OPTIONAL_FILES, Bundle
from escrutinio.website.i18n import DEFAULT_LANGUAGE, LANGUAGES, Lang, strings
from escrutinio.website.images import IMAGES_CSV, QR_CHECKS_CSV
from escrutinio.website.latest import audit_views, latest_json
from escrutinio.website.list_pages import list_links_html, list_page_files
from escrutinio.website.paths import Place, race_path, region_path, slug
from escrutinio.website.region_page import region_main
from escrutinio.website.reports import Report
from escrutinio.website.reuse import BUILD_FILE, Reuse, build_stamp, reuse_for
from escrutinio.website.svg import (
    OTHER,
    PALETTE,
    MapEntry,
    Series,
    chart_svg,
    map_svg,
    match_feature,
)
from escrutinio.website.tables import TablePages

TABLE_PAGE_LIMIT = 100_000
"""Most (unit, contest) slots that get one static page each; above it, sharded JSON."""
REGION_PAGE_LIMIT = 100_000
"""Most region pages: levels are paged from the broadest while their total stays under it."""
LIST_ROWS = 250
"""Most tables a region page lists itself (more go to list pages of this many,
`escrutinio.website.list_pages`), and most tables of one shard file."""
ASSETS = ("style.css", "verify.js", "live.js", "table.js")
ARCHIVE_FILES = (ARCHIVE, ARCHIVE_SHA256)
"""Written by ``publish --archive`` (`escrutinio.publish.archive`), outside the manifest."""
BULLETIN_PAGES = frozenset({"home", "race", "bulletins"})
"""Page kinds that carry the latest bulletin's number (``data-bulletin``); the others (region,
table, audits, data) change only with their own content, so a re-publication rewrites only
the region and table pages whose numbers changed (live.js follows them by the checkpoint)."""


@dataclass(frozen=True)
class SiteOptions:
    """How to build the site: the root language and the scale thresholds."""

    language: str = DEFAULT_LANGUAGE
    table_page_limit: int = TABLE_PAGE_LIMIT
    region_page_limit: int = REGION_PAGE_LIMIT
    list_rows: int = LIST_ROWS
    reports: tuple[Report, ...] = ()
    """Report folders to include under ``reports/`` and link from the data page."""
    archive: bool = False
    """Link the whole-publication archive (``publish --archive``) from the data page."""


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("escrutinio.website", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates do not change while a site is built
    )
    return env


def site_language(definition: Definition, options: SiteOptions) -> str:
    """The root language: the definition's ``language`` when it has one, else the option."""
    code = getattr(definition.info, "language", None) or options.language
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@dataclass
class Site:
    """The site being rendered: the bundle, the options and what pages share."""

    bundle: Bundle
    options: SiteOptions = field(default_factory=SiteOptions)
    reuse: Reuse = field(default_factory=Reuse)
    """Pages of the previous publication that may stay as they are (none by default)."""

    def __post_init__(self) -> None:
        self.env = _env()
        self.definition = self.bundle.definition
        root = site_language(self.definition, self.options)
        self.langs = [Lang(root), Lang(root).other]
        self.prefix = {root: "", Lang(root).other.code: f"{Lang(root).other.code}/"}
        self.strings = {code: strings(code) for code in LANGUAGES}
        o = self.options
        self.stamp = build_stamp(root, o.table_page_limit, o.region_page_limit, o.list_rows)

    # ---- shared state --------------------------------------------------------------------

    @cached_property
    def docs(self) -> dict[str, Mapping[str, Any]]:
        """Whole-contest result documents, definition order."""
        return {cid: r.to_dict() for cid, r in self.bundle.overall.items()}

    @cached_property
    def paged_levels(self) -> int:
        """How many region levels (from the broadest) get a page each."""
        d = self.definition
        counts = np.bincount(d.regions.level, minlength=len(d.region_levels)).tolist()
        total, k = 0, 0
        for n in counts:
            if total + n > self.options.region_page_limit:
                break
            total += n
            k += 1
        return k

    @cached_property
    def children(self) -> dict[int, list[int]]:
        """Child region indexes of every region (-1: the top level), definition order."""
        out: dict[int, list[int]] = {}
        for r, p in enumerate(self.definition.regions.parent.tolist()):
            out.setdefault(int(p), []).append(r)
        return out

    @cached_property
    def tables(self) -> TablePages:
        """The table pages (or shards) and the per-region table lists."""
        return TablePages(self)

    def paged(self, region: int) -> bool:
        """True when the region has a page."""
        return int(self.definition.regions.level[region]) < self.paged_levels

    def region_results(self, contest_id: str, level: int) -> dict[str, ContestResult]:
        """Results of a contest by region id at one level."""
        name = self.definition.region_levels[level]
        return {str(r.region_id): r for r in self.bundle.by_level(contest_id, name)}

    def region_doc(self, cid: str, rid: str, result: ContestResult) -> Mapping[str, Any]:
        """The JSON document of a contest's result in a region (computed once for both
        languages)."""
        key = (cid, rid)
        doc = self._region_docs.get(key)
        if doc is None:
            doc = self._region_docs[key] = result.to_dict()
        return doc

    @cached_property
    def _region_docs(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        return {}

    def ancestors(self, region: int) -> list[int]:
        """The region and its ancestors, broadest first."""
        out = []
        parent = self.definition.regions.parent
        while region >= 0:
            out.append(region)
            region = int(parent[region])
        return out[::-1]

    @property
    def bulletin_number(self) -> int:
        """The latest bulletin's number (0 when none)."""
        return self.bundle.bulletin_rows[-1].number if self.bundle.bulletin_rows else 0

    # ---- rendering -----------------------------------------------------------------------

    def render(self, template: str, lang: Lang, path: str, kind: str, **ctx: Any) -> bytes:
        """Render one page of ``lang`` at ``path`` (relative to the language root)."""
        place = Place(self.prefix[lang.code], path)
        page = self.env.get_template(template).render(
            lang=lang,
            T=self.strings[lang.code],
            root=place.root,
            u=place.u,
            r=place.r,
            switch_href=place.switch(self.prefix[lang.other.code]),
            election_name=self.definition.info.name,
            bulletin_number=self.bulletin_number if kind in BULLETIN_PAGES else None,
            page_kind=kind,
            **ctx,
        )
        return page.encode("utf-8")

    def files(self) -> Iterator[tuple[str, bytes | None]]:
        """Every site file: pages of both languages, table data, assets, ``latest.json``,
        ``site-build.json``; ``None`` for a page left as the previous publication wrote it
        (`escrutinio.website.reuse`)."""
        yield BUILD_FILE, self.stamp
        for lang in self.langs:
            pre = self.prefix[lang.code]
            yield pre + "index.html", self.home(lang)
            for cid in self.definition.contests:
                yield pre + race_path(cid), self.race(lang, cid)
            for r in range(len(self.definition.regions)):
                if self.paged(r):
                    path = pre + region_path(self.definition.regions.ids[r])
                    keep = self.reuse.keep(path, r in self.reuse.regions)
                    yield path, None if keep else self.region(lang, r)
                    if parts := self.tables.parts(r):
                        yield from list_page_files(self, lang, r, parts)
            yield pre + "bulletins/index.html", self.bulletin_list(lang)
            for i, row in enumerate(self.bundle.bulletin_rows):
                yield pre + f"bulletins/{row.number}.html", self.bulletin(lang, i)
            yield pre + "audits/index.html", self.audits(lang)
            yield pre + "data.html", self.data(lang)
            for path, data in self.tables.pages(lang):
                yield pre + path, data
        yield from self.tables.shards()
        yield from assets(self.tables.sharded)
        yield "latest.json", latest_json(self.bundle)
        for report in self.options.reports:
            yield from report.site_files()

    # ---- pages ---------------------------------------------------------------------------

    def home(self, lang: Lang) -> bytes:
        """The home page: bulletin, counts, seats, votes, map and races, checkpoint."""
        d = self.definition
        summary = self.bundle.summary.to_dict()
        docs = list(self.docs.values())
        by_status = summary["contests_by_status"]
        rows = self.bundle.bulletin_rows
        expected = summary["actas_expected"]
        map_view = self.map(lang)
        return self.render(
            "home.html",
            lang,
            "index.html",
            "home",
            bulletin=rows[-1] if rows else None,
            election_date=d.info.date,
            summary=summary,
            counted_pct=100.0 * summary["actas_counted"] / expected if expected else 0.0,
            decided=len(by_status["final"]) + len(by_status["irreversible"]),
            pending=views.pending_view(lang, docs),
            seats=views.alliance_rows(d, lang, summary["seats"]),
            votes=views.alliance_rows(d, lang, summary["votes"], summary["vote_shares"]),
            races=[views.race_row(d, lang, doc) for doc in docs],
            map_svg=map_view[0],
            map_rows=map_view[1],
            checkpoint=self.bundle.checkpoint,
        )

    def map(self, lang: Lang) -> tuple[str, list[dict[str, Any]]]:
        """The map of top-level regions and its table twin (region, leader, label, state);
        both empty when no region matches a map feature."""
        d = self.definition
        entries: dict[str, MapEntry] = {}
        rows: list[dict[str, Any]] = []
        national = [cid for cid, c in d.contests.items() if c.scope is None]
        for r in self.children.get(-1, []):
            rid, name = d.regions.ids[r], d.regions.names[r]
            feature = match_feature(rid, name)
            if feature is None:
                continue
            scoped = [cid for cid, c in d.contests.items() if c.scope == rid]
            href: str | None
            if scoped:
                doc = self.docs[scoped[0]]
                pending = views.state_of(doc) == "counting"
                href = Place(self.prefix[lang.code], "index.html").u(race_path(scoped[0]))
            elif national:
                res = self.bundle.region_result(national[0], rid)
                if res is None:
                    continue
                doc = res.to_dict()
                pending = res.actas_counted < res.actas_expected
                href = (
                    Place(self.prefix[lang.code], "index.html").u(region_path(rid))
                    if self.paged(r)
                    else None
                )
            else:
                continue
            row = views.race_row(d, lang, doc)
            if row["leader"] is None:
                continue
            state = lang.t("state_" + ("counting" if pending else "irreversible"))
            if row["alliance_id"]:
                colour, label = row["colour"], str(row["alliance_id"])[:4]
            else:  # no alliance: the leading candidate's own colour and initials
                ids = [c["candidate_id"] for c in doc["candidates"]]
                colour = PALETTE[ids.index(row["leader_id"]) % len(PALETTE)]
                label = views.initials(str(row["leader"]))
            entries[feature.pcode] = MapEntry(
                colour=colour,
                label=label,
                pending=pending,
                title=f"{name}: {row['leader']} ({row['alliance']}) · "
                + (state if pending else lang.t("leader")),
                href=href,
            )
            rows.append(
                {
                    "name": name,
                    "href": href,
                    "leader": row["leader"],
                    "label": label,
                    "colour": colour,
                    "state": "counting" if pending else views.state_of(doc) or "final",
                }
            )
        if not entries:
            return "", []
        return map_svg(entries, "map-title", lang.t("map")), rows

    def race(self, lang: Lang, cid: str) -> bytes:
        """A race page: status explained, candidates, cards, movement, drill-down."""
        d = self.definition
        doc = self.docs[cid]
        scope = d.contests[cid].scope
        path = race_path(cid)
        place = Place(self.prefix[lang.code], path)
        return self.render(
            "race.html",
            lang,
            path,
            "race",
            race=views.race_view(d, lang, doc),
            breadcrumbs=[(lang.t("home"), place.u("index.html")), (doc["contest_name"], None)],
            movement=self.movement(lang, cid, place),
            children=self.child_rows(lang, cid, d.regions.index[scope] if scope else -1),
            tables=None,
        )

    def movement(self, lang: Lang, cid: str, place: Place) -> dict[str, Any] | None:
        """The race's leading candidates across bulletins: chart and table twin."""
        points: list[tuple[str, str | None, Mapping[str, Any]]] = []
        for b in self.bundle.bulletins:
            for doc in b["contests"]:
                if doc["contest_id"] == cid:
                    label = f"{lang.t('bulletin')} {b['number']}"
                    points.append((label, place.u(f"bulletins/{b['number']}.html"), doc))
        if not points:
            return None
        current = self.docs[cid]
        if current != points[-1][2]:  # the count moved since the last bulletin
            points.append((lang.t("now"), None, current))
        top = [c["candidate_id"] for c in views.ranked(current)[:2]]
        names = {c["candidate_id"]: c["name"] for c in current["candidates"]}
        colours = views.alliance_colours(self.definition)
        alliances = {c["candidate_id"]: c["alliance"] for c in current["candidates"]}
        series = [
            Series(
                names[c],
                colours.get(alliances[c] or "independent", OTHER),
                [
                    next(x["votes"] for x in doc["candidates"] if x["candidate_id"] == c)
                    for _, _, doc in points
                ],
            )
            for c in top
        ]
        rows = [
            {
                "label": label,
                "href": href,
                "nums": [s.values[i] for s in series],
                "margin": doc["margin_votes"],
                "counted": doc["actas_counted"],
                "state": views.state_of(doc),
            }
            for i, (label, href, doc) in enumerate(points)
        ]
        short = [str(i + 1) if href else lang.t("now") for i, (_, href, _) in enumerate(points)]
        svg = chart_svg(short, series, f"chart-{slug(cid)}", lang.t("movement_chart"))
        return {"svg": svg, "series": series, "rows": rows}

    def child_rows(self, lang: Lang, cid: str, parent: int) -> dict[str, Any] | None:
        """The drill-down table: the region's children (paged ones) in the contest."""
        d = self.definition
        kids = [k for k in self.children.get(parent, []) if self.paged(k)]
        if not kids:
            return None
        level = int(d.regions.level[kids[0]])
        results = self.region_results(cid, level)
        here = Place(self.prefix[lang.code], race_path(cid))  # race and region pages: depth 1
        rows = []
        for k in kids:
            res = results.get(d.regions.ids[k])
            if res is None:
                continue
            lead = res.candidate(res.winners[0]) if res.winners else None
            rows.append(
                {
                    "href": here.u(region_path(d.regions.ids[k])),
                    "name": d.regions.names[k],
                    "leader": lead.name if lead else None,
                    "votes": lang.num(lead.votes) if lead else "—",
                    "margin": lang.num(res.margin_votes),
                    "counted": f"{lang.num(res.actas_counted)} / {lang.num(res.actas_expected)}",
                }
            )
        if not rows:
            return None
        return {"key": slug(cid), "level": d.region_levels[level], "rows": rows}

    def region(self, lang: Lang, r: int) -> bytes:
        """A region page: every race in the region, its sub-regions and its tables."""
        d = self.definition
        rid = d.regions.ids[r]
        path = region_path(rid)
        place = Place(self.prefix[lang.code], path)
        crumbs: list[tuple[str, str | None]] = [(lang.t("home"), place.u("index.html"))]
        for a in self.ancestors(r)[:-1]:
            crumbs.append((d.regions.names[a], place.u(region_path(d.regions.ids[a]))))
        crumbs.append((d.regions.names[r], None))
        blocks, parts = [], self.tables.parts(r)
        for cid in self.bundle.contests_in_region(rid):
            res = self.bundle.region_result(cid, rid)
            if res is None:
                continue
            blocks.append(
                {
                    "slug": slug(cid),
                    "name": d.contests[cid].name,
                    "result": views.result_view(d, lang, self.region_doc(cid, rid, res)),
                    "children": self.child_rows(lang, cid, r),
                    "tables": None
                    if parts
                    else self.tables.region_list(lang, place, self.tables.listed(r), cid),
                }
            )
        level = d.region_levels[int(d.regions.level[r])]
        return self.render(
            "region.html",
            lang,
            path,
            "region",
            region=(region := {"name": d.regions.names[r], "level": level}),
            main=region_main(
                self.strings[lang.code],
                place,
                region,
                crumbs,
                blocks,
                list_links_html(self, lang, place, r, parts) if parts else "",
            ),
        )

    def bulletin_list(self, lang: Lang) -> bytes:
        """The list of bulletins."""
        d = self.definition
        rows = []
        for b in self.bundle.bulletins:
            s = b["summary"]
            rows.append(
                {
                    "number": b["number"],
                    "created_at": b["created_at"],
                    "counted": s["actas_counted"],
                    "expected": s["actas_expected"],
                    "seats": views.seats_text(d, lang, s["seats"]),
                    "pending": ", ".join(s["pending"]),
                }
            )
        return self.render("bulletins.html", lang, "bulletins/index.html", "bulletins", rows=rows)

    def bulletin(self, lang: Lang, i: int) -> bytes:
        """One bulletin: its summary, pending races explained, changes since the previous."""
        d = self.definition
        b = self.bundle.bulletins[i]
        s = b["summary"]
        path = f"bulletins/{b['number']}.html"
        place = Place(self.prefix[lang.code], path)
        prev = self.bundle.bulletins[i - 1] if i > 0 else None
        view = {
            "number": b["number"],
            "created_at": b["created_at"],
            "source": b["source"],
            "counted": s["actas_counted"],
            "expected": s["actas_expected"],
            "seat_rows": views.alliance_rows(d, lang, s["seats"]),
            "pending": views.pending_view(lang, b["contests"]),
            "races": [views.race_row(d, lang, doc) for doc in b["contests"]],
        }
        return self.render(
            "bulletin.html",
            lang,
            path,
            "bulletins",
            b=view,
            previous=prev["number"] if prev else None,
            changes=views.changes(lang, prev["contests"], b["contests"]) if prev else [],
            breadcrumbs=[
                (lang.t("home"), place.u("index.html")),
                (lang.t("bulletins"), place.u("bulletins/index.html")),
                (f"{lang.t('bulletin')} {b['number']}", None),
            ],
        )

    def audits(self, lang: Lang) -> bytes:
        """Adjudications and audit steps recorded in the log."""
        place = Place(self.prefix[lang.code], "audits/index.html")
        adjudications = [
            {
                "log_index": a.log_index,
                "unit": a.unit,
                "contest": a.contest,
                "source": a.source,
                "href": self.tables.href(place, a.unit, a.contest),
                "what": lang.t("decision_none")
                if a.version is None
                else lang.t("decision_version", v=a.version),
                "reason": a.reason,
                "by": lang.t("decided_by", who=a.decided_by, when=lang.when(a.decided_at)),
            }
            for a in self.bundle.adjudications()
        ]
        return self.render(
            "audits.html",
            lang,
            "audits/index.html",
            "audits",
            adjudications=adjudications,
            audits=audit_views(self.bundle, self.tables.href, place),
            names={cid: c.name for cid, c in self.definition.contests.items()},
        )

    def _unlinked(self, name: str) -> bool:
        """A file name of the field dictionary that is a pattern, or a file this publication
        does not hold (images of a publication without images, the sender registry of a log
        without senders)."""
        if "<" in name:
            return True
        if name in (IMAGES_CSV, QR_CHECKS_CSV):
            return not self.bundle.images
        return name in OPTIONAL_FILES and name not in self.bundle.present

    def data(self, lang: Lang) -> bytes:
        """The open-data page: every file with its field dictionary, how to verify."""
        place = Place(self.prefix[lang.code], "data.html")
        files = []
        for key, spec in FIELDS.items():
            names = [n.strip() for n in key.replace(",", " /").split(" / ")]
            links = [(n, None if self._unlinked(n) else place.r(n)) for n in names]
            files.append(
                {
                    "links": links,
                    "about": spec.get("(file)"),
                    "fields": [(k, v) for k, v in spec.items() if k != "(file)"],
                }
            )
        return self.render(
            "data.html",
            lang,
            "data.html",
            "data",
            files=files,
            reports=[
                (text, place.r(path)) for r in self.options.reports for text, path in r.links()
            ],
            witness_keys=list(self.bundle.checkpoint.witnesses),
            archive=[(n, place.r(n)) for n in ARCHIVE_FILES if self.options.archive],
        )


def assets(sharded: bool) -> Iterator[tuple[str, bytes]]:
    """The site's CSS and scripts (``table.js`` only when table data is sharded)."""
    static = resources.files("escrutinio.website").joinpath("static")
    for name in ASSETS:
        if name == "table.js" and not sharded:
            continue
        item = static.joinpath(name)
        if item.is_file():
            yield f"assets/{name}", item.read_bytes()


def site_files(bundle: Bundle, options: SiteOptions | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the site of ``bundle``, one ``(path, bytes)`` at a time."""
    for path, data in Site(bundle, options or SiteOptions()).files():
        assert data is not None  # nothing is kept without a previous publication
        yield path, data


def republished_files(
    bundle: Bundle,
    files: Mapping[str, bytes],
    previous: Previous | None,
    options: SiteOptions | None = None,
) -> Iterator[tuple[str, bytes | None]]:
    """Every file of the site of ``bundle`` (whose data files are ``files``), ``None`` for a
    region page, table page or table shard that ``previous`` holds and no changed slot
    touches (`escrutinio.website.reuse`)."""
    site = Site(bundle, options or SiteOptions())
    site.reuse = reuse_for(site.definition, previous, site.stamp, files)
    return site.files()


def build_site(bundle: Bundle, options: SiteOptions | None = None) -> dict[str, bytes]:
    """Every file of the site by path (small publications and tests; publish streams)."""
    return dict(site_files(bundle, options))
