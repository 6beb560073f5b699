"""The generated site in Debian's chromium: navigation, accessibility (axe-core), 360 px,
JavaScript off, the language switch and hostile names; a screenshot of every page type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Dialog, Page
from site_kit import HOSTILE, hostile_definition, published, venezuela_like

from escrutinio.website.build import SiteOptions, build_site
from escrutinio.website.bundle import Bundle
from loopback import serve_folder

pytestmark = pytest.mark.browser

PAGES = {
    "home": "index.html",
    "home-en": "en/index.html",
    "race": "race/gov-VE07.html",
    "region": "region/VE0701.html",
    "table": "table/VE0701.1/gov-VE07.html",
    "bulletins": "bulletins/index.html",
    "bulletin": "bulletins/1.html",
    "audits": "audits/index.html",
    "data": "data.html",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    vl = venezuela_like(tmp_path_factory.mktemp("browser"))
    try:
        with serve_folder(vl.out) as url:
            yield url
    finally:
        vl.store.close()


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_has_no_axe_violations_and_fits_360px(
    page: Page, site: str, screenshots: Path, kind: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{site}/{PAGES[kind]}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, f"{kind}: page is {overflow}px wide"
    page.screenshot(path=str(screenshots / f"site-{kind}-360.png"), full_page=True)


def test_navigation_home_race_region_table(page: Page, site: str, screenshots: Path) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"{site}/index.html")
    assert "Gobernación de Bolívar" in page.inner_text("main")
    page.click("table.races >> text=Gobernación de Bolívar")
    assert page.url.endswith("/race/gov-VE07.html")
    assert "FINAL" in page.inner_text(".status-line")
    page.screenshot(path=str(screenshots / "site-race-1024.png"), full_page=True)
    page.click("text=Parroquia VE07")
    assert page.url.endswith("/region/VE0701.html")
    page.click("text=VE0701.2")
    assert page.url.endswith("/table/VE0701.2/gov-VE07.html")
    assert page.inner_text('td[data-field="mud"]') == "55"
    assert page.inner_text('td[data-field="voters"]') == "95"
    page.click("nav.crumbs >> text=Bolívar")
    assert page.url.endswith("/region/VE07.html")


def test_language_switch(page: Page, site: str) -> None:
    page.goto(f"{site}/race/gov-VE07.html")
    assert page.get_attribute("html", "lang") == "es"
    page.click("a.lang")
    assert page.url.endswith("/en/race/gov-VE07.html")
    assert page.get_attribute("html", "lang") == "en"
    assert "All actas are counted" in page.inner_text("main")
    page.click("a.lang")
    assert page.url.endswith("/race/gov-VE07.html") and "/en/" not in page.url


def test_numbers_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/table/VE0701.1/gov-VE07.html")
        assert page.inner_text('td[data-field="gpp"]') == "40"
        page.goto(f"{site}/bulletins/1.html")
        text = page.inner_text("main")
        assert "Gran Polo Patriótico" in text and "Bolívar" in text
        page.goto(f"{site}/index.html")
        assert "69 de 69" in page.inner_text("main")
    finally:
        context.close()


def test_hostile_names_stay_text(page: Page, tmp_path: Path, screenshots: Path) -> None:
    pub = published(tmp_path, hostile_definition())
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        with serve_folder(pub.out) as url:
            for rel in ("index.html", "race/gov-A.html", "region/A1.html", "table/u1/gov-A.html"):
                page.goto(f"{url}/{rel}")
                assert HOSTILE in page.inner_text("main"), rel
            page.screenshot(path=str(screenshots / "site-hostile-names.png"), full_page=True)
    finally:
        pub.store.close()
    assert dialogs == []


def test_sharded_table_page_renders_the_acta(page: Page, tmp_path: Path, screenshots: Path) -> None:
    vl = venezuela_like(tmp_path)
    try:
        files = build_site(Bundle.load(vl.out), SiteOptions(table_page_limit=1))
    finally:
        vl.store.close()
    site_dir = tmp_path / "sharded"
    for rel, data in files.items():
        (site_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / rel).write_bytes(data)
    with serve_folder(site_dir) as url:
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{url}/region/VE0701.html")
        page.click("text=VE0701.2")
        assert "/table/index.html#VE0701/VE0701.2/gov-VE07" in page.url
        page.wait_for_selector("#table-view section.verify")
        assert "40" in page.inner_text("#table-view")
        assert page.get_attribute("#table-view section.verify", "data-root") == "../"
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshots / "site-table-sharded-360.png"), full_page=True)


def test_list_pages_lead_to_every_table(
    browser: Browser, page: Page, tmp_path: Path, screenshots: Path
) -> None:
    vl = venezuela_like(tmp_path)
    try:  # states paged only: Bolívar lists three tables, one a list page; shards in parts
        options = SiteOptions(table_page_limit=1, region_page_limit=23, list_rows=1)
        files = build_site(Bundle.load(vl.out), options)
    finally:
        vl.store.close()
    site_dir = tmp_path / "listed"
    for rel, data in files.items():
        (site_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / rel).write_bytes(data)
    with serve_folder(site_dir) as url:
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{url}/region/VE07.html")
        for where in ("region", "list"):
            results = Axe().run(page)
            assert results.violations_count == 0, (where, results.generate_report())
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, where
            page.screenshot(path=str(screenshots / f"site-{where}-listed-360.png"), full_page=True)
            if where == "region":
                page.click("ol.list-pages >> text=Mesas VE0701.1 a VE0701.1")
                assert page.url.endswith("/region/VE07/tables/1.html")
        page.click("nav.pager >> text=Página siguiente")
        assert page.url.endswith("/region/VE07/tables/2.html")
        page.click("tbody th >> text=VE0701.2")
        assert "/table/index.html#VE0701/2/VE0701.2/gov-VE07" in page.url
        page.wait_for_selector("#table-view section.verify")
        assert "95" in page.inner_text("#table-view")
        context = browser.new_context(java_script_enabled=False)
        try:  # without JavaScript the list page has the numbers
            nojs = context.new_page()
            nojs.goto(f"{url}/en/region/VE07/tables/2.html")
            row = nojs.inner_text("tbody tr:has-text('VE0701.2')")
            assert "55" in row and "95" in row
        finally:
            context.close()
