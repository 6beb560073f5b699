"""The browser harness itself: Debian's chromium loads a loopback page, axe-core runs."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Prueba</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Resultados</h1><p id="n">17</p></main></body></html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_chromium_loads_a_loopback_page_and_axe_finds_nothing(
    page: Page, site: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"{site}/index.html")
    assert page.text_content("#n") == "17"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=str(screenshots / "smoke.png"))
