"""The browser harness itself: Debian's chromium loads a loopback page, axe-core runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from loopback import serve_folder

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Prueba</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Resultados</h1><p id="n">17</p></main></body></html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    with serve_folder(tmp_path) as base:
        yield base


def test_chromium_loads_a_loopback_page_and_axe_finds_nothing(
    page: Page, site: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"{site}/index.html")
    assert page.text_content("#n") == "17"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=str(screenshots / "smoke.png"))
