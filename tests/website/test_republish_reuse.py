"""A re-publication renders again only the region pages, table pages and table shards of the
changed (unit, contest) slots, and its folder equals a fresh full publication byte for byte."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from escrutinio import reads
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.publish.site import PublishReport, SiteWriter, publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store import versions as store_versions
from escrutinio.store.store import Store
from escrutinio.verify.notes import parse_key
from escrutinio.verify.verifier import verify_publication
from escrutinio.website import build, list_splice, shards
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site
from escrutinio.website.reuse import BUILD_FILE, build_stamp
from support import ingest_file, small_definition

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
FIRST = (
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
    "u2,gov-A,,2017-10-15T20:01:00Z,350,2,1,120,30,190,5,,\n"
    "u5,gov-B,,2017-10-15T20:03:00Z,400,2,1,,,,,200,150\n"
)
NEW_IN_A2 = "u3,gov-A,,2017-10-15T21:00:00Z,250,1,,90,10,140,4,,\n"
NEW_CONFLICT_IN_A1 = "u2,gov-A,,2017-10-15T21:02:00Z,350,2,1,121,30,189,5,,\n"
OPTIONS = {
    "pages": SiteOptions(),
    "sharded": SiteOptions(table_page_limit=1),
    "shallow": SiteOptions(table_page_limit=1, region_page_limit=3),
    "listed": SiteOptions(table_page_limit=1, region_page_limit=3, list_rows=2),
    "parts": SiteOptions(table_page_limit=1, list_rows=1),
}


@dataclass
class Setup:
    """A store published once with its website to ``out``."""

    store: Store
    signer: Ed25519Signer
    site: SiteWriter
    out: Path
    tmp: Path

    def add(self, name: str, rows: str) -> None:
        """Store more acta rows."""
        path = self.tmp / name
        path.write_text(HEADER + rows, encoding="utf-8")
        ingest_file(self.store, path)

    def publish(self, out: Path | None = None, full_check: bool = False) -> PublishReport:
        """Publish to ``out`` (default: the first folder)."""
        return publish(
            self.store, out or self.out, self.signer, website=self.site, full_check=full_check
        )


@pytest.fixture(params=sorted(OPTIONS))
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    """The first actas and bulletin 1, published with the site options of the parameter."""
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    store_definitions.load_definition(store, small_definition())
    site = partial(publication_site, options=OPTIONS[request.param])
    s = Setup(store, generate_key("escrutinio.example/reuse"), site, tmp_path / "pub", tmp_path)
    s.add("first.csv", FIRST)
    reads.record_bulletin(store)
    s.publish()
    yield s
    store.close()


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _rendered_regions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the id of every region page the site renders from now on."""
    seen: list[str] = []
    original = build.Site.region

    def region(self: build.Site, lang: object, r: int) -> bytes:
        seen.append(self.definition.regions.ids[r])
        return original(self, lang, r)  # type: ignore[arg-type]

    monkeypatch.setattr(build.Site, "region", region)
    return seen


def _assert_same_as_full(s: Setup) -> None:
    result = verify_publication(s.out, parse_key(s.signer.verifier().verifier_key()))
    assert result.ok, result.failures()
    full = s.tmp / "full"
    s.publish(full, full_check=True)
    mine, fresh = _tree(s.out), _tree(full)
    assert sorted(mine) == sorted(fresh)
    assert [p for p in mine if mine[p] != fresh[p]] == []


@pytest.mark.parametrize(
    ("rows", "touched"),
    [
        (NEW_IN_A2, {"A", "A2"}),
        (NEW_CONFLICT_IN_A1, {"A", "A1"}),
        (NEW_IN_A2 + "u6,gov-B,,2017-10-15T21:01:00Z,80,0,,,,,,40,35\n", {"A", "A2", "B", "B1"}),
    ],
)
def test_only_touched_regions_are_rendered_and_the_result_equals_a_full_publish(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, rows: str, touched: set[str]
) -> None:
    setup.add("more.csv", rows)
    reads.record_bulletin(setup.store)
    seen = _rendered_regions(monkeypatch)
    report = setup.publish()
    assert report.check.startswith("incremental")
    assert set(seen) <= touched and seen  # nothing outside the changed regions was rendered
    assert "index.html" in report.written
    _assert_same_as_full(setup)


def test_an_adjudication_touches_its_regions_only(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.add("more.csv", NEW_CONFLICT_IN_A1)
    setup.publish()
    official = store_definitions.read_definition(setup.store).info.official_source
    store_versions.adjudicate(setup.store, "u2", "gov-A", official, 2, "recount", "board")
    seen = _rendered_regions(monkeypatch)
    setup.publish()
    assert set(seen) <= {"A", "A1"} and seen
    _assert_same_as_full(setup)


def test_nothing_new_renders_no_region_page(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _rendered_regions(monkeypatch)
    report = setup.publish()
    assert seen == []
    assert not [p for p in report.written if "region/" in p or "table/" in p]


def test_another_generator_renders_everything(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.add("more.csv", NEW_IN_A2)

    def other(language: str, table_limit: int, region_limit: int, list_rows: int) -> bytes:
        stamp = build_stamp(language, table_limit, region_limit, list_rows)
        return stamp.replace(b"{", b'{"x":1,', 1)

    monkeypatch.setattr("escrutinio.website.build.build_stamp", other)
    seen = _rendered_regions(monkeypatch)
    report = setup.publish()
    assert "B" in seen
    assert BUILD_FILE in report.written


def test_a_page_changed_on_disk_is_rendered_again(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = setup.out / "region" / "B.html"
    if not page.exists():
        pytest.skip("no page for region B with these options")
    original = page.read_bytes()
    page.write_bytes(b"defaced")
    setup.add("more.csv", NEW_IN_A2)
    seen = _rendered_regions(monkeypatch)
    report = setup.publish()
    assert "B" in seen and "region/B.html" in report.written
    assert page.read_bytes() == original
    _assert_same_as_full(setup)


def test_a_full_check_renders_everything(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    setup.add("more.csv", NEW_IN_A2)
    seen = _rendered_regions(monkeypatch)
    setup.publish(full_check=True)
    assert "B" in seen


def test_a_changed_shard_is_rebuilt_from_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    store_definitions.load_definition(store, small_definition())
    site = partial(publication_site, options=OPTIONS["sharded"])
    s = Setup(store, generate_key("escrutinio.example/reuse"), site, tmp_path / "pub", tmp_path)
    s.add("first.csv", FIRST)
    s.publish()
    s.add("more.csv", NEW_CONFLICT_IN_A1)
    taken: list[str] = []
    original = shards._previous_bytes

    def previous_bytes(pages: shards.ShardSite, path: str) -> bytes | None:
        data = original(pages, path)
        if data is not None:
            taken.append(path)
        return data

    monkeypatch.setattr(shards, "_previous_bytes", previous_bytes)
    monkeypatch.setattr(shards, "_previous_doc", lambda *_: pytest.fail("spliced, not parsed"))
    s.publish()
    assert taken == ["table/data/A1.json"]
    _assert_same_as_full(s)
    store.close()


def _spliced_lists(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the rows of every table list spliced into a previous page from now on."""
    done: list[str] = []
    original = list_splice.spliced_rows

    def spliced(page: str, key: str, count: int, fresh: Iterable[str]) -> str | None:
        rows = original(page, key, count, fresh)
        if rows is not None:
            done.append(rows)
        return rows

    monkeypatch.setattr("escrutinio.website.table_lists.spliced_rows", spliced)
    return done


def test_a_touched_region_list_takes_its_unchanged_rows_from_the_previous_page(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.add("more.csv", NEW_CONFLICT_IN_A1)  # u2 changes; u1, in the same lists, does not
    spliced = _spliced_lists(monkeypatch)
    setup.publish()
    shared = [  # region or list pages listing u1 and u2 together
        page
        for page in setup.out.rglob("*.html")
        if "region" in page.parts
        and b">u1</a></th>" in (data := page.read_bytes())
        and b">u2</a></th>" in data
    ]
    if shared:
        assert spliced and all(">u1</a></th>" in rows for rows in spliced)
    _assert_same_as_full(setup)


def test_a_list_page_altered_on_disk_is_not_spliced(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.add("more.csv", NEW_CONFLICT_IN_A1)
    setup.publish()
    pages = [  # the pages u2's change touches that list u1 too
        p
        for p in setup.out.rglob("*.html")
        if "region" in p.parts
        and b">u1</a></th>" in (data := p.read_bytes())
        and b">u2</a></th>" in data
    ]
    for page in pages:  # same size and time: only its SHA-256 tells
        data, stat = page.read_bytes(), page.stat()
        at = data.index(b">u1</a></th>")
        page.write_bytes(data[:at] + data[at:].replace(b'class="n">', b'class="m">', 1))
        os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    official = store_definitions.read_definition(setup.store).info.official_source
    store_versions.adjudicate(setup.store, "u2", "gov-A", official, 2, "recount", "board")
    spliced = _spliced_lists(monkeypatch)
    setup.publish()  # u2's counting version changes: its lists are written again
    assert not [rows for rows in spliced if ">u1</a></th>" in rows]
    _assert_same_as_full(setup)
