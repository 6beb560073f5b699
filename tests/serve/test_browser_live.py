"""An open page follows new publications without a reload: through the server-sent events
of ``escrutinio serve``, and by polling ``latest.json`` on a plain static file server."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from ledger_pubkit import Pub, wave2
from playwright.sync_api import Page
from serve_kit import running

import escrutinio.website

pytestmark = pytest.mark.browser

LIVE_JS = Path(escrutinio.website.__file__).parent / "static" / "live.js"


def write_page(folder: Path, bulletin: int) -> None:
    """A page of the shape the site generator writes (body data attributes, one <main>)."""
    page = folder / "live-test" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Bulletin {bulletin}</title></head>"
        f"<body data-root='../' data-bulletin='{bulletin}'>"
        f"<main><h1>Results</h1><p id='bulletin'>{bulletin}</p></main>"
        "<script src='live.js'></script></body></html>",
        encoding="utf-8",
    )
    (page.parent / "live.js").write_bytes(LIVE_JS.read_bytes())


def wait_text(page: Page, selector: str, text: str, seconds: float) -> float:
    """Seconds until the element shows ``text`` (fails after ``seconds``)."""
    start = time.monotonic()
    page.wait_for_function(
        "([s, t]) => document.querySelector(s) && document.querySelector(s).textContent === t",
        arg=[selector, text],
        timeout=seconds * 1000,
    )
    return time.monotonic() - start


def test_open_page_updates_after_a_new_publication(
    page: Page, pub1: Pub, tmp_path: Path, screenshots: Path
) -> None:
    write_page(pub1.out, 1)
    with running(pub1.out) as base:
        page.goto(f"{base}/live-test/")
        page.evaluate("window.notReloaded = true")
        page.wait_for_timeout(500)  # the event stream is open
        write_page(pub1.out, 2)  # what the site generator writes with the new bulletin
        wave2(pub1, tmp_path)
        took = wait_text(page, "#bulletin", "2", 5)
        assert took < 5
        assert page.evaluate("window.notReloaded") is True
        assert page.evaluate("document.body.dataset.bulletin") == "2"
        assert page.title() == "Bulletin 2"
        page.screenshot(path=str(screenshots / "serve-live-update.png"))


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_static_hosting_falls_back_to_polling_latest_json(page: Page, tmp_path: Path) -> None:
    folder = tmp_path / "static"
    write_page(folder, 1)
    latest = folder / "latest.json"
    latest.write_text(json.dumps({"bulletin": 1, "tree_size": 10}), encoding="utf-8")
    with static_server(folder) as base:
        page.goto(f"{base}/live-test/")
        page.evaluate("window.notReloaded = true")
        page.wait_for_timeout(500)
        write_page(folder, 2)
        latest.write_text(json.dumps({"bulletin": 2, "tree_size": 12}), encoding="utf-8")
        took = wait_text(page, "#bulletin", "2", 6)
        assert took < 5.5
        assert page.evaluate("window.notReloaded") is True


def test_api_docs_page_is_accessible_and_self_contained(
    page: Page, pub: Pub, screenshots: Path
) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    with running(pub.out) as base:
        page.set_viewport_size({"width": 360, "height": 640})
        page.goto(f"{base}/api/v1/docs")
        assert page.locator("h2").count() >= 12
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
        page.screenshot(path=str(screenshots / "serve-api-docs.png"))
    assert all(url.startswith(base) for url in asked), asked
