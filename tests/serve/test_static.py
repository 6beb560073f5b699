"""The publication's files over HTTP: content types, cache rules, validators, gzip, and
paths that would leave the folder."""

from __future__ import annotations

import gzip
import os
from email.utils import formatdate
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from serve_kit import Answer, call, tree_fingerprint

from escrutinio.serve import files as files_module
from escrutinio.serve.app import Site, create_app
from escrutinio.serve.files import PathRefused, url_to_rel
from escrutinio.serve.policy import IMMUTABLE, REVALIDATE, SHORT, cache_control

PAGE = "<!doctype html><html><body><main>" + "resultados " * 100 + "</main></body></html>"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for rel, data in {
        "index.html": PAGE.encode(),
        "en/index.html": PAGE.encode(),
        "race/gov-A.html": PAGE.encode(),
        "latest.json": b'{"bulletin": 2}',
        "checkpoint": b"origin\n1\nAAAA\n\n",
        "manifest.json": b"{}",
        "tile/0/000": bytes(32 * 256),
        "tile/0/001.p/7": bytes(32 * 7),
        "tile/entries/000": b"\x00\x01x",
        "bulletins/1.json": b'{"number": 1}' + b" " * 400,
        "bulletins/1.html": PAGE.encode(),
        "bulletins/index.csv": b"number\n1\n",
        "assets/style.css": b"body{color:#000}" * 40,
        "assets/style.0123abcd.css": b"body{color:#000}",
        "actas.parquet": b"PAR1" + bytes(600),
        "actas.csv": b"unit,contest\n" * 100,
        ".hidden": b"secret",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (tmp_path / "outside.txt").write_text("outside", encoding="utf-8")
    return root


@pytest.fixture
def app(folder: Path) -> Site:
    return create_app(folder)


@pytest.mark.parametrize(
    ("rel", "rule"),
    [
        ("tile/0/000", IMMUTABLE),
        ("tile/1/x001/234", IMMUTABLE),
        ("tile/entries/000", IMMUTABLE),
        ("tile/0/001.p/7", REVALIDATE),
        ("bulletins/1.json", IMMUTABLE),
        ("bulletins/12.csv", IMMUTABLE),
        ("bulletins/1.html", SHORT),
        ("bulletins/index.csv", REVALIDATE),
        ("assets/style.0123abcd.css", IMMUTABLE),
        ("assets/style.css", REVALIDATE),
        ("latest.json", SHORT),
        ("checkpoint", SHORT),
        ("manifest.json", SHORT),
        ("manifest.note", SHORT),
        ("index.html", SHORT),
        ("table/u1/gov-A.html", SHORT),
        ("actas.csv", REVALIDATE),
        ("tile/0/junk", REVALIDATE),
    ],
)
def test_cache_rules(rel: str, rule: str) -> None:
    assert cache_control(rel) == rule


@pytest.mark.parametrize(
    ("path", "media_type", "rule"),
    [
        ("/", "text/html; charset=utf-8", SHORT),
        ("/en/", "text/html; charset=utf-8", SHORT),
        ("/race/gov-A.html", "text/html; charset=utf-8", SHORT),
        ("/latest.json", "application/json", SHORT),
        ("/checkpoint", "text/plain; charset=utf-8", SHORT),
        ("/tile/0/000", "application/octet-stream", IMMUTABLE),
        ("/tile/0/001.p/7", "application/octet-stream", REVALIDATE),
        ("/bulletins/1.json", "application/json", IMMUTABLE),
        ("/assets/style.css", "text/css; charset=utf-8", REVALIDATE),
        ("/actas.parquet", "application/vnd.apache.parquet", REVALIDATE),
        ("/actas.csv", "text/csv; charset=utf-8", REVALIDATE),
    ],
)
def test_files_have_their_type_and_cache_rule(
    app: Site, folder: Path, path: str, media_type: str, rule: str
) -> None:
    got = call(app, path)
    assert got.status == 200
    assert got.headers["content-type"] == media_type
    assert got.headers["cache-control"] == rule
    rel = path[1:] + ("index.html" if path.endswith("/") else "")
    assert got.body == (folder / rel).read_bytes()
    assert got.headers["etag"].startswith('"')
    assert got.headers["last-modified"].endswith("GMT")
    assert got.headers["x-content-type-options"] == "nosniff"


def test_html_pages_may_load_nothing_from_elsewhere(app: Site) -> None:
    csp = call(app, "/index.html").headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp


def test_etag_and_last_modified_give_304(app: Site) -> None:
    first = call(app, "/race/gov-A.html")
    again = call(app, "/race/gov-A.html", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == SHORT
    since = call(
        app, "/race/gov-A.html", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status == 304
    other = call(app, "/race/gov-A.html", headers={"If-None-Match": '"0123"'})
    assert other.status == 200
    old = call(app, "/race/gov-A.html", headers={"If-Modified-Since": formatdate(0, usegmt=True)})
    assert old.status == 200


def test_a_rewritten_file_gets_a_new_etag(app: Site, folder: Path) -> None:
    first = call(app, "/latest.json")
    (folder / "latest.json").write_bytes(b'{"bulletin": 3}')
    stamp = (folder / "latest.json").stat().st_mtime_ns + 2_000_000_000
    os.utime(folder / "latest.json", ns=(stamp, stamp))
    second = call(app, "/latest.json", headers={"If-None-Match": first.headers["etag"]})
    assert second.status == 200
    assert second.body == b'{"bulletin": 3}'
    assert second.headers["etag"] != first.headers["etag"]


def test_text_is_gzipped_when_the_client_takes_it(app: Site, folder: Path) -> None:
    plain = call(app, "/index.html")
    packed = call(app, "/index.html", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.body) == (folder / "index.html").read_bytes()
    assert int(packed.headers["content-length"]) == len(packed.body) < len(plain.body)
    assert packed.headers["etag"] != plain.headers["etag"]
    again = call(
        app,
        "/index.html",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert again.status == 304
    refused = call(app, "/index.html", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_binary_files_are_not_gzipped(app: Site) -> None:
    tile = call(app, "/tile/0/000", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in tile.headers
    assert len(tile.body) == 32 * 256


def test_head_sends_headers_only(app: Site) -> None:
    got = call(app, "/actas.csv", method="HEAD")
    assert got.status == 200
    assert got.body == b""
    assert int(got.headers["content-length"]) == len(b"unit,contest\n" * 100)


def test_large_files_are_streamed(app: Site, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "MAX_CACHED_FILE", 100)
    got = call(app, "/actas.csv", headers={"Accept-Encoding": "gzip"})
    assert got.status == 200
    assert got.body == (folder / "actas.csv").read_bytes()
    assert got.headers["etag"].startswith('W/"')
    again = call(app, "/actas.csv", headers={"If-None-Match": got.headers["etag"]})
    assert again.status == 304


def test_folder_without_slash_redirects(app: Site) -> None:
    got = call(app, "/en")
    assert got.status == 308
    assert got.headers["location"] == "/en/"


def _is_problem(got: Answer, status: int) -> None:
    assert got.status == status
    assert got.headers["content-type"] == "application/problem+json"
    assert b'"status": %d' % status in got.body


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/en/../../outside.txt",
        "/./index.html",
        "//outside.txt",
        "/en//index.html",
        "/..\\outside.txt",
        "/.hidden",
        "/tile/\x00",
        "/C:/x",
    ],
)
def test_paths_outside_the_folder_are_refused(app: Site, path: str) -> None:
    got = call(app, path)
    _is_problem(got, 400)
    assert b"outside" not in got.body.split(b'"detail"')[0]


def test_a_link_out_of_the_folder_is_not_followed(app: Site, folder: Path) -> None:
    (folder / "leak.txt").symlink_to(folder.parent / "outside.txt")
    (folder / "up").symlink_to(folder.parent)
    _is_problem(call(app, "/leak.txt"), 404)
    _is_problem(call(app, "/up/outside.txt"), 404)


def test_missing_files_and_other_methods(app: Site) -> None:
    _is_problem(call(app, "/nothing.html"), 404)
    got = call(app, "/index.html", method="POST")
    _is_problem(got, 405)
    assert got.headers["allow"] == "GET, HEAD"


def test_serving_writes_nothing(app: Site, folder: Path) -> None:
    before = tree_fingerprint(folder)
    for path in ("/", "/tile/0/000", "/actas.csv", "/nothing", "/../x", "/en"):
        call(app, path, headers={"Accept-Encoding": "gzip"})
    assert tree_fingerprint(folder) == before


@given(st.text(alphabet=st.sampled_from(["a", ".", "/", "\\", "%", ":", "\x00", "é", "C"])))
def test_any_accepted_url_path_stays_inside_the_folder(text: str) -> None:
    root = "/srv/pub"
    try:
        rel = url_to_rel("/" + text)
    except PathRefused:
        return
    joined = os.path.normpath(os.path.join(root, rel))
    assert joined.startswith(root + "/")
    assert not any(part.startswith(".") for part in rel.split("/"))
