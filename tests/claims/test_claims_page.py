"""The claims page: a report folder (index.html in the site's look, claims.json,
claimreview.json) that ``claims --out`` writes and ``publish --reports`` / ``publish
--claims`` put in the site, listed in the manifest and verified; accessible (axe-core) and
fitting a 360 px screen in Debian's chromium."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from claims_support import ROOT, load_example
from playwright.sync_api import Page
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.publish.site import publish
from escrutinio.verify.verifier import verify_publication
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site
from escrutinio.website.reports import read_reports

CLAIMS = """\
roles: {incumbent: GPP, opposition: MUD}
claims:
  - "The ruling party won 17 of 23 governorships"
  - "We got 64 percent of the national vote"
  - "Almost 11 million people vote — 61 per cent of the 18 million electorate"
  - "La oposición denunció irregularidades"
  - {measure: share, subject: GPP, denominator: valid, value: 52.67, bulletin: 2}
"""


@pytest.fixture(scope="module")
def claims_dir(db2017: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("claims-page")
    (tmp / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    out = tmp / "claims"
    args = ["claims", "--db", str(db2017), "--file", str(tmp / "claims.yaml")]
    result = CliRunner().invoke(app, [*args, "--all-bulletins", "--out", str(out)])
    assert result.exit_code == 1, result.output  # two claims are inaccurate
    return out


def test_page_files(claims_dir: Path) -> None:
    docs = json.loads((claims_dir / "claims.json").read_text())
    assert [d["verdict"] for d in docs] == [
        "accurate",  # at bulletin 1, the first snapshot asked for
        "inaccurate",
        "approximately_accurate",
        "not_checkable",
        "accurate",
    ]
    reviews = json.loads((claims_dir / "claimreview.json").read_text())
    assert all(r["@type"] == "ClaimReview" for r in reviews)
    page = (claims_dir / "index.html").read_text()
    assert '<main id="main">' in page and "application/ld+json" in page
    assert "How the verdict changed" in page and "root" in page
    css = (ROOT / "src/escrutinio/data/report.css").read_text().split("*/", 1)[1].strip()
    assert css.splitlines()[0] in page


@pytest.fixture(scope="module")
def site(claims_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    kit = load_example("claims_site_kit", ROOT / "tests" / "website" / "site_kit.py")
    pub = kit.published(tmp_path_factory.mktemp("claims-site"))
    try:
        options = SiteOptions(reports=read_reports([claims_dir]))
        publish(pub.store, pub.out, pub.signer, website=partial(publication_site, options=options))
        assert verify_publication(pub.out, pub.log_key).ok
        yield pub.out
    finally:
        pub.store.close()


def test_page_is_in_the_site(site: Path) -> None:
    manifest = json.loads((site / "manifest.json").read_text())["files"]
    for name in ("index.html", "claims.json", "claimreview.json"):
        assert f"reports/claims/{name}" in manifest
    assert 'href="reports/claims/index.html"' in (site / "data.html").read_text()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_page_has_no_axe_violations_and_fits_360px(
    page: Page, served: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{served}/reports/claims/index.html")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"claims page is {width}px wide"
    assert page.locator("main table").count() >= 5
    page.screenshot(path=str(screenshots / "report-claims-360.png"), full_page=True)


def test_publish_refuses_a_bad_claims_file(tmp_path: Path, db2017: Path) -> None:
    bad = tmp_path / "claims.yaml"
    bad.write_text("claims: []\n", encoding="utf-8")
    key = tmp_path / "none.skey"
    result = CliRunner().invoke(
        app,
        [
            "publish",
            str(tmp_path / "out"),
            "--key",
            str(key),
            "--claims",
            str(bad),
            "--db",
            str(db2017),
        ],
    )
    assert result.exit_code == 2
    assert "non-empty list of claims" in result.output
    assert not (tmp_path / "out").exists()
