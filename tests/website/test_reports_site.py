"""Reconciliation and forensics reports: in the site's look, included in a publication by
``publish --reports`` (copied under ``reports/``, listed in the manifest, linked from the data
page), accessible (axe-core) and fitting a 360 px screen in Debian's chromium."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from site_kit import published
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.forensics.analyze import analyze
from escrutinio.forensics.report import write_report as write_forensics
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.publish.site import publish
from escrutinio.reconcile.compare import reconcile
from escrutinio.reconcile.report import write_report as write_reconcile
from escrutinio.verify.verifier import verify_publication
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site
from escrutinio.website.reports import ReportError, read_report, read_reports

COUNTS = ("egu", "nm", "otros")
STATES = ("ZULIA", "MIRANDA", "TACHIRA")


def _collection(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "id": [f"m{i:04d}" for i in range(n)],
            "state": [STATES[i % 3] for i in range(n)],
            "parish": [f"Parroquia con un nombre largo {i % 7}" for i in range(n)],
            "egu": rng.integers(150, 400, n),
            "nm": rng.integers(50, 200, n),
            "otros": rng.integers(0, 30, n),
        }
    )


def make_reports(tmp: Path) -> tuple[Path, Path]:
    """A reconciliation report (B alters 10 of 120 units of A) in one sub-folder per contest,
    as ``escrutinio reconcile --out`` writes it for sources in the store, and a forensic
    analysis of a simulated election, as ``escrutinio forensics --out`` writes it for CSV."""
    a = _collection(120, seed=1)
    b = a.with_columns(
        pl.when(pl.col("id").str.ends_with("3")).then(pl.col("nm") + 40).otherwise(pl.col("nm"))
    )
    rec = reconcile(a, b, COUNTS, unit="id", regions=("state", "parish"))
    rec_dir = tmp / "reconcile-test"
    write_reconcile(rec, rec_dir / "gov-VE07", "official", "witness:MUD", state_column="state")
    result = analyze(simulate_election(1_000, seed=8, f_e=0.02), COLUMNS, n_resamples=50)
    for_dir = tmp / "forensics-test"
    write_forensics(result, for_dir, title="Forensic analysis (simulated)")
    return rec_dir, for_dir


@dataclass
class Included:
    """A publication with both reports included, and the report folders."""

    out: Path
    reports: tuple[Path, Path]


@pytest.fixture(scope="module")
def included(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Included]:
    tmp = tmp_path_factory.mktemp("reports")
    folders = make_reports(tmp)
    pub = published(tmp)
    site = partial(publication_site, options=SiteOptions(reports=read_reports(folders)))
    publish(pub.store, pub.out, pub.signer, website=site)
    assert verify_publication(pub.out, pub.log_key).ok
    try:
        yield Included(pub.out, folders)
    finally:
        pub.store.close()


def test_reports_are_copied_listed_and_linked(included: Included) -> None:
    manifest = json.loads((included.out / "manifest.json").read_text())["files"]
    for folder in included.reports:
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert any(f.endswith("index.html") for f in files) and len(files) > 2
        for rel in files:
            path = f"reports/{folder.name}/{rel}"
            assert path in manifest, path
            assert (included.out / path).read_bytes() == (folder / rel).read_bytes()
    data = (included.out / "data.html").read_text()
    assert (
        '<a href="reports/reconcile-test/gov-VE07/index.html">'
        "Reconciliation: official vs witness:MUD (gov-VE07)</a>"
    ) in data
    assert '<a href="reports/forensics-test/index.html">Forensic analysis (simulated)</a>' in data
    assert (
        'href="../reports/forensics-test/index.html"' in (included.out / "en/data.html").read_text()
    )


def test_reports_carry_the_site_look(included: Included) -> None:
    site_rules = set((included.out / "assets/style.css").read_text().splitlines())
    css = resources.files("escrutinio").joinpath("data", "report.css").read_text()
    rules = css.split("*/", 1)[1].strip().splitlines()
    assert len(rules) > 30 and set(rules) <= site_rules, set(rules) - site_rules
    for folder in included.reports:
        page = next(folder.rglob("index.html")).read_text()
        assert rules[0] in page and '<main id="main">' in page


def test_republishing_without_reports_removes_them(tmp_path: Path) -> None:
    folders = make_reports(tmp_path)
    pub = published(tmp_path)
    try:
        site = partial(publication_site, options=SiteOptions(reports=read_reports(folders)))
        publish(pub.store, pub.out, pub.signer, website=site)
        assert (pub.out / "reports/reconcile-test/gov-VE07/units.csv").is_file()
        report = publish(pub.store, pub.out, pub.signer, website=publication_site)
        assert "reports/reconcile-test/gov-VE07/units.csv" in report.removed
        assert not (pub.out / "reports/forensics-test/index.html").exists()
        assert "reports/" not in (pub.out / "data.html").read_text()
        assert verify_publication(pub.out, pub.log_key).ok
    finally:
        pub.store.close()


def test_bad_report_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not a folder"):
        read_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match=r"no index\.html"):
        read_report(tmp_path / "empty")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "index.html").write_text("<title>x</title>")
    (linked / "secret").symlink_to(tmp_path / "empty")
    with pytest.raises(ReportError, match="symbolic link"):
        read_report(linked)
    one, two = tmp_path / "a" / "same", tmp_path / "b" / "same"
    for folder in (one, two):
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("<title>Same</title>")
    assert read_report(one).pages == (("Same", "index.html"),)
    nested = tmp_path / "nested"
    (nested / "c1").mkdir(parents=True)
    (nested / "c1" / "index.html").write_text("<title>A &amp; B</title>")
    (nested / "c1" / "deeper").mkdir()
    (nested / "c1" / "deeper" / "index.html").write_text("<title>not a report page</title>")
    assert read_report(nested).pages == (("A & B (c1)", "c1/index.html"),)
    with pytest.raises(ReportError, match="two report folders are named 'same'"):
        read_reports([one, two])


def test_cli_refuses_a_folder_without_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["publish", str(tmp_path / "out"), "--key", "k", "--reports", str(tmp_path)],
    )
    assert result.exit_code != 0
    assert "no index.html" in result.output
    assert not (tmp_path / "out").exists()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(included: Included) -> Iterator[str]:
    handler = partial(_Quiet, directory=str(included.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("name", ["reconcile-test/gov-VE07", "forensics-test"])
def test_report_has_no_axe_violations_and_fits_360px(
    page: Page, served: str, screenshots: Path, name: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{served}/reports/{name}/index.html")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name}: page is {width}px wide"
    assert page.locator("main table").count() >= 2
    shot = name.replace("/", "-")
    page.screenshot(path=str(screenshots / f"report-{shot}-360.png"), full_page=True)


@pytest.mark.browser
def test_data_page_links_the_reports(page: Page, served: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{served}/data.html")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.click("text=Forensic analysis (simulated)")
    assert page.url.endswith("/reports/forensics-test/index.html")
    assert "No statistical test proves fraud" in page.inner_text("main")
