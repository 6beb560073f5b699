"""An open page follows new publications without a reload: through the server-sent events
of ``escrutinio serve``, and by polling ``latest.json`` on a plain static file server."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from ledger_pubkit import WAVE2, Pub, ingest
from playwright.sync_api import Page
from serve_kit import running

from escrutinio import reads
from escrutinio.publish.site import publish
from escrutinio.store.definitions import read_definition
from escrutinio.store.versions import adjudicate
from escrutinio.website.publication import publication_site
from loopback import serve_folder

pytestmark = pytest.mark.browser


def publish_site(pub: Pub) -> None:
    """Re-publish the same log with the results site (as ``escrutinio publish`` does)."""
    publish(pub.store, pub.out, pub.signer, website=publication_site)


def publish_wave2_site(pub: Pub, tmp: Path) -> None:
    """The second wave, its adjudication and bulletin 2, published with the site."""
    ingest(pub.store, tmp, "wave2.csv", WAVE2)
    official = read_definition(pub.store).info.official_source
    adjudicate(pub.store, "u2", "gov-A", official, 2, "recount", "board")
    reads.record_bulletin(pub.store)
    publish_site(pub)


def wait_bulletin(page: Page, number: int, seconds: float) -> float:
    """Seconds until the page says it shows bulletin ``number`` (fails after ``seconds``)."""
    start = time.monotonic()
    page.wait_for_function(
        "n => document.body.dataset.bulletin === n", arg=str(number), timeout=seconds * 1000
    )
    return time.monotonic() - start


def test_open_page_updates_after_a_new_publication(
    page: Page, pub1: Pub, tmp_path: Path, screenshots: Path
) -> None:
    publish_site(pub1)
    with running(pub1.out) as base:
        page.goto(f"{base}/")
        assert page.evaluate("document.body.dataset.bulletin") == "1"
        before = page.inner_text("main")
        page.evaluate("window.notReloaded = true")
        page.wait_for_timeout(500)  # the event stream is open
        publish_wave2_site(pub1, tmp_path)
        published = time.monotonic()
        wait_bulletin(page, 2, 5)
        assert time.monotonic() - published < 5
        assert page.evaluate("window.notReloaded") is True
        after = page.inner_text("main")
        assert after != before
        assert (pub1.out / "index.html").read_text(encoding="utf-8").count('data-bulletin="2"') == 1
        page.screenshot(path=str(screenshots / "serve-live-update.png"))


static_server = serve_folder


def test_static_hosting_falls_back_to_polling_latest_json(
    page: Page, pub1: Pub, tmp_path: Path
) -> None:
    publish_site(pub1)
    live_files = [pub1.out / "index.html", pub1.out / "latest.json"]
    stamps = [p.stat().st_mtime_ns for p in live_files]
    with static_server(pub1.out) as base:
        page.goto(f"{base}/")
        page.evaluate("window.notReloaded = true")
        page.wait_for_timeout(500)
        publish_wave2_site(pub1, tmp_path)
        # as if rewritten within the same second: a Last-Modified-only server then answers
        # a conditional request with 304 and the old bytes
        for path, stamp in zip(live_files, stamps, strict=True):
            os.utime(path, ns=(stamp, stamp))
        published = time.monotonic()
        # live.js polls every 3 s: within 5 s, with slack for a loaded test machine
        wait_bulletin(page, 2, 10)
        assert time.monotonic() - published < 10
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
