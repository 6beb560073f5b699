"""The generated site (no browser): published with the data, covered by the manifest and the
verifier, deterministic, escaped, explained, and sharded above the scale threshold."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from site_kit import Pub, hostile_definition, published, venezuela_like

from escrutinio.publish.site import publish
from escrutinio.verify.verifier import verify_publication
from escrutinio.website.build import SiteOptions, build_site
from escrutinio.website.bundle import Bundle
from escrutinio.website.paths import Place, slug
from escrutinio.website.publication import publication_site


def _text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture(scope="module")
def pub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pub]:
    p = published(tmp_path_factory.mktemp("site"))
    yield p
    p.store.close()


def test_site_files_are_listed_in_the_manifest_and_verify(pub: Pub) -> None:
    manifest = json.loads((pub.out / "manifest.json").read_bytes())["files"]
    for rel in (
        "index.html",
        "en/index.html",
        "race/gov-A.html",
        "region/A1.html",
        "table/u2/gov-A.html",
        "en/table/u2/gov-A.html",
        "bulletins/index.html",
        "bulletins/2.html",
        "audits/index.html",
        "data.html",
        "assets/style.css",
        "latest.json",
    ):
        assert rel in manifest, rel
    report = verify_publication(pub.out, pub.log_key, [pub.witness_key], 1)
    assert report.ok, [c.detail for c in report.checks if not c.ok]
    assert report.uncovered == []


def test_republishing_unchanged_writes_nothing(pub: Pub) -> None:
    report = publish(pub.store, pub.out, pub.signer, website=publication_site)
    assert report.written == []


def test_table_page_carries_the_verify_contract(pub: Pub) -> None:
    html = (pub.out / "table/u2/gov-A.html").read_text("utf-8")
    section = re.search(r'<section class="verify"[^>]*>', html)
    assert section is not None
    tag = section.group(0)
    assert 'data-root="../../"' in tag
    official = Bundle.load(pub.out).official_version("u2", "gov-A")
    assert official is not None and official["version"] == 2  # counts after the adjudication
    assert f'data-log-index="{official["log_index"]}"' in tag
    acta = json.loads(re.search(r"data-acta='([^']*)'", tag).group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    assert acta == {
        "unit": "u2",
        "contest": "gov-A",
        "source": "official",
        "votes": {"a1-pcv": 30, "a1-psuv": 121, "a2-mud": 189, "a3": 5},
        "null": 2,
        "blank": 1,
        "voters": 350,
    }
    for key in ("verified", "failed", "checking", "match", "differs"):
        assert f"data-i18n-{key}=" in tag
    assert '<button type="button" class="verify-run">' in html
    assert '<output class="verify-result" aria-live="polite">' in html
    form = html[html.index('<form class="compare"') : html.index("</form>")]
    for name in ("a1-psuv", "a1-pcv", "a2-mud", "a3", "null", "blank", "voters"):
        assert f'type="number" min="0" inputmode="numeric" name="{name}"' in form
    assert 'type="file" accept="application/json" name="copy"' in form
    assert '<output class="compare-result" aria-live="polite">' in form
    text = _text(html)
    assert "recount" in text and "version 2" in text.replace("versión", "version")
    assert "conflicting" in _text((pub.out / "en/table/u2/gov-A.html").read_text("utf-8"))


def test_other_sources_side_by_side(pub: Pub) -> None:
    text = _text((pub.out / "en/table/u1/gov-A.html").read_text("utf-8"))
    assert "Other sources' copies" in text and "party-x" in text


def test_latest_json(pub: Pub) -> None:
    latest = json.loads((pub.out / "latest.json").read_bytes())
    manifest = json.loads((pub.out / "manifest.json").read_bytes())
    assert latest["bulletin"] == 2
    assert latest["tree_size"] == manifest["size"]
    assert latest["root"] == manifest["root_hash"]
    assert latest["races_changed"] == ["gov-A", "gov-B"]
    assert len(latest["checkpoint_sha256"]) == 64


def test_every_link_resolves(pub: Pub) -> None:
    pages = sorted(pub.out.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        html = page.read_text("utf-8")
        for href in re.findall(r'(?:href|src)="([^"#]+)"', html):
            if href.startswith("assets/") or ("/assets/" in href and href.endswith(".js")):
                continue  # verify.js and live.js come from the other halves of the site
            target = (page.parent / href).resolve()
            assert target.is_file(), f"{page.relative_to(pub.out)} -> {href}"


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    pub = published(tmp_path, hostile_definition())
    try:
        pages = list(pub.out.rglob("*.html"))
        assert pages
        for page in pages:
            html = page.read_text("utf-8")
            assert "<script>alert" not in html, page
        home = (pub.out / "index.html").read_text("utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    finally:
        pub.store.close()


def test_bulletin_one_of_the_2017_like_election(tmp_path: Path) -> None:
    vl = venezuela_like(tmp_path)
    try:
        one = _text((vl.out / "bulletins/1.html").read_text("utf-8"))
        assert "Gran Polo Patriótico 17" in one and "Mesa de la Unidad Democrática 5" in one
        assert "Pendientes 1" in one
        assert (
            "Gobernación de Bolívar : La ventaja de Candidata MUD VE07 (30 votos) no supera a "
            "los 100 electores de la mesa sin contar" in one
        )
        assert "ventaja 30 ≤ 100 electores en 1 mesa sin contar" in one
        two = _text((vl.out / "en/bulletins/2.html").read_text("utf-8"))
        assert "Gran Polo Patriótico 18" in two and "Mesa de la Unidad Democrática 5" in two
        assert "Changes since bulletin 1" in two and "leader changed" in two
        race = _text((vl.out / "en/race/gov-VE07.html").read_text("utf-8"))
        assert "All actas are counted: Candidato GPP VE07 wins by 55 votes." in race
        assert "Bulletin 1" in race and "Bulletin 2" in race  # movement table twin
        home = _text((vl.out / "index.html").read_text("utf-8"))
        assert "Decididas 23" in home and "Pendientes 0" in home
        assert (vl.out / "index.html").read_text("utf-8").count('<svg class="map"') == 1
    finally:
        vl.store.close()


def test_above_the_threshold_tables_go_to_shards(pub: Pub) -> None:
    bundle = Bundle.load(pub.out)
    files = build_site(bundle, SiteOptions(table_page_limit=3))
    assert "table/index.html" in files and "en/table/index.html" in files
    assert not [p for p in files if re.match(r"(en/)?table/u\d/", p)]
    assert "assets/table.js" in files
    shards = {p: json.loads(d) for p, d in files.items() if p.startswith("table/data/")}
    assert shards
    versions = [
        v
        for doc in shards.values()
        for t in doc["tables"].values()
        for c in t["contests"].values()
        for v in c["versions"]
    ]
    assert len(versions) == len(bundle.actas)
    region = _text(files["en/region/A1.html"].decode("utf-8"))  # no-JS readers get numbers
    assert "u1" in region and "300" in region
    html = files["en/region/A1.html"].decode("utf-8")
    assert "table/index.html#A1/u1/gov-A" in html


def test_long_table_lists_move_to_list_pages_and_shards_to_parts(pub: Pub) -> None:
    bundle = Bundle.load(pub.out)
    files = build_site(bundle, SiteOptions(table_page_limit=3, region_page_limit=2, list_rows=1))
    region = files["en/region/A.html"].decode("utf-8")  # u1–u4 listed: four list pages
    assert "tables-h-" not in region and 'href="../region/A/tables/2.html"' in region
    assert "Polling tables in this region: 4 tables on 4 pages" in _text(region)
    first = files["en/region/A/tables/1.html"].decode("utf-8")
    assert 'rel="next" href="../../../region/A/tables/2.html"' in first
    assert "u1" in _text(first) and "u2" not in _text(first)
    third = _text(files["region/A/tables/3.html"].decode("utf-8"))
    assert "u3" in third and "u4" not in third and "página 3 de 4" in third
    html = files["en/region/A/tables/3.html"].decode("utf-8")
    assert "../../../table/index.html#A2/1/u3/gov-A" in html
    part = json.loads(files["table/data/A2/1.json"])
    assert part["part"] == 1 and list(part["tables"]) == ["u3"]
    shards = [p for p in files if p.startswith("table/data/")]
    assert len(shards) == 6 and all(re.fullmatch(r"table/data/\w+/\d\.json", p) for p in shards)
    for path, data in files.items():  # every link of a list or region page resolves
        if path.endswith(".html") and "/region/" in f"/{path}":
            for href in re.findall(r'href="([^"#]+)', data.decode("utf-8")):
                if "assets/" not in href:
                    target = (Path("/x") / path).parent / href
                    assert str(target.resolve())[3:] in files, (path, href)


def test_region_levels_above_the_page_limit_are_not_paged(pub: Pub) -> None:
    files = build_site(Bundle.load(pub.out), SiteOptions(region_page_limit=2))
    assert "region/A.html" in files and "region/A1.html" not in files
    region = _text(files["region/A.html"].decode("utf-8"))
    assert "u1" in region and "u4" in region  # the deepest paged level lists every table


def test_slugs_and_relative_links() -> None:
    assert slug("VE07.001") == "VE07.001"
    assert slug("a/b:c") == "a~2Fb~3Ac"
    place = Place("en/", "table/u1/gov-A.html")
    assert place.root == "../../../"
    assert place.u("race/x.html") == "../../race/x.html"
    assert place.switch("") == "../../../table/u1/gov-A.html"


def test_audits_page_lists_the_logged_audit_with_drawn_tables(tmp_path: Path) -> None:
    from escrutinio.audit.workflow import persist as sa
    from escrutinio.audit.workflow import rounds as wf
    from escrutinio.store.audit_records import AuditRecords
    from support import AUDIT_SEED

    pub = published(tmp_path)
    try:
        records = AuditRecords(pub.store)
        state, _ = sa.create_audit(
            records, "rla-test", "table-comparison", 0.1, AUDIT_SEED, ["gov-A"]
        )
        draws = wf.draw(state, {"gov-A": 2})
        sa.add_round(records, state, draws)
        publish(pub.store, pub.out, pub.signer, website=publication_site)
        html = (pub.out / "en/audits/index.html").read_text("utf-8")
        text = _text(html)
        assert "rla-test" in text and AUDIT_SEED in text and "table-comparison" in text
        drawn = draws["gov-A"]
        assert drawn and f"Round 1 Governor A: {len(drawn)} polling tables" in text
        for unit in drawn:
            assert f'href="../table/{unit}/gov-A.html"' in html
        assert "Adjudications in the log" in text and "recount" in text
        # the publisher hands over its audit leaves; read back from the tiles they give
        # the same pages
        rebuilt = build_site(Bundle.load(pub.out))
        for path in ("audits/index.html", "en/audits/index.html"):
            assert rebuilt[path] == (pub.out / path).read_bytes()
    finally:
        pub.store.close()
