"""`verify` and `witness cosign` over HTTP, as an observer runs them against a published site
(a local web server in a thread, bound to 127.0.0.1 on a free port)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escrutinio import reads
from escrutinio.cli.main import app
from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store
from support import ingest_file

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
WAVE1 = (
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
    "u5,gov-B,,2017-10-15T20:03:00Z,400,2,1,,,,,200,150\n"
)
WAVE2 = "u2,gov-A,,2017-10-15T21:00:00Z,300,0,,160,10,120,0,,\n"
ORIGIN = "escrutinio.example/http-test"
WITNESS = "observer.example/mission"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass
class Site:
    """A published directory served over HTTP, with the keys and database behind it."""

    db: str
    pub: Path
    url: str
    skey: Path
    vkey: Path
    wskey: Path
    wvkey: Path
    tmp: Path


def cli(*args: str | Path) -> tuple[int, str]:
    """Run the CLI; (exit code, output with wrapping undone)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join(result.output.split())


def raw(*args: str | Path) -> tuple[int, str]:
    """Run the CLI; (exit code, output exactly as printed)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def import_rows(db: str, path: Path, rows: str) -> None:
    """Store rows of actas and record a bulletin, as the electoral authority does."""
    path.write_text(HEADER + rows, encoding="utf-8")
    store = Store.open(db)
    try:
        ingest_file(store, path)
        reads.record_bulletin(store)
    finally:
        store.close()


@pytest.fixture
def site(tmp_path: Path, definition: Definition) -> Iterator[Site]:
    db = str(tmp_path / "e.db")
    store = Store.open(db)
    store_definitions.load_definition(store, definition)
    store.close()
    import_rows(db, tmp_path / "wave1.csv", WAVE1)
    keys = tmp_path / "keys"
    assert cli("keys", "generate", "--name", ORIGIN, "--out", keys)[0] == 0
    assert cli("witness", "init", "--name", WITNESS, "--out", keys)[0] == 0
    skey, vkey = (
        keys / "escrutinio.example_http-test.skey",
        keys / "escrutinio.example_http-test.vkey",
    )
    wskey, wvkey = keys / "observer.example_mission.skey", keys / "observer.example_mission.vkey"
    pub = tmp_path / "pub"
    code, out = cli("publish", pub, "--key", skey, "--witness-key", wvkey, "--db", db)
    assert code == 0, out
    handler = functools.partial(QuietHandler, directory=str(pub))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield Site(db, pub, f"http://{host!s}:{port}", skey, vkey, wskey, wvkey, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def cosign_over_http(site: Site) -> tuple[int, str]:
    """The witness reads the site by URL; it cannot write there, so it prints the note."""
    state = site.tmp / "witness-state"
    return raw(
        "witness", "cosign", site.url, "--key", site.wskey, "--log-key", site.vkey, "--state", state
    )


def test_witness_cosigns_over_http_and_the_verifier_counts_it(site: Site) -> None:
    code, note = cosign_over_http(site)
    assert code == 0, note
    assert note.startswith(f"{ORIGIN}\n")
    assert f"— {WITNESS} " in note  # the cosignature line
    assert (site.tmp / "witness-state").is_dir()
    (site.tmp / "cosigned.note").write_text(note, encoding="utf-8")
    code, out = cli(
        "log",
        "add-cosignature",
        site.tmp / "cosigned.note",
        "--witness-key",
        site.wvkey,
        "--db",
        site.db,
    )
    assert code == 0, out
    code, out = cli(
        "publish", site.pub, "--key", site.skey, "--witness-key", site.wvkey, "--db", site.db
    )
    assert code == 0, out

    code, out = raw(
        "verify",
        site.url,
        "--log-key",
        site.vkey,
        "--witness-key",
        site.wvkey,
        "--min-witnesses",
        "1",
        "--state",
        site.tmp / "verifier-state",
        "--json",
    )
    assert code == 0, out
    report = json.loads(out)
    assert report["ok"] is True
    assert report["witnesses"] == [WITNESS]
    assert all(c["ok"] for c in report["checks"])
    code, out = cli("verify", site.url, "--log-key", site.vkey)
    assert code == 0 and "VERIFIED" in out


def test_witness_over_http_follows_growth_and_refuses_a_fork(
    site: Site, definition: Definition
) -> None:
    code, first = cosign_over_http(site)
    assert code == 0, first
    size1 = int(first.splitlines()[1])
    import_rows(site.db, site.tmp / "wave2.csv", WAVE2)
    assert cli("publish", site.pub, "--key", site.skey, "--db", site.db)[0] == 0
    code, second = cosign_over_http(site)
    assert code == 0, second
    assert int(second.splitlines()[1]) > size1

    # A different history signed with the same key, served at the same address: a fork.
    forked = str(site.tmp / "forked.db")
    store = Store.open(forked)
    store_definitions.load_definition(store, definition)
    store.close()
    import_rows(forked, site.tmp / "other.csv", WAVE2 + WAVE1)
    import_rows(forked, site.tmp / "other2.csv", WAVE2.replace("160", "161"))
    code, out = cli("publish", site.pub, "--key", site.skey, "--db", forked)
    assert code == 0, out
    code, out = cosign_over_http(site)
    assert code == 1, out
    assert "refusing to cosign" in out and "fork or split view" in out


def test_verify_over_http_rejects_a_wrong_log_key(site: Site) -> None:
    keys = site.tmp / "other-keys"
    assert cli("keys", "generate", "--name", ORIGIN, "--out", keys)[0] == 0
    wrong = keys / "escrutinio.example_http-test.vkey"
    code, out = raw("verify", site.url, "--log-key", wrong, "--json")
    assert code == 1, out
    report = json.loads(out)
    assert report["ok"] is False
    assert any(not c["ok"] for c in report["checks"])


def test_verify_over_http_with_an_acta_copy(site: Site) -> None:
    acta = {
        "unit": "u5",
        "contest": "gov-B",
        "source": "official",
        "votes": {"b1": 200, "b2": 150},
        "null": 2,
        "blank": 1,
        "voters": 400,
    }
    copy = site.tmp / "copy.json"
    copy.write_text(json.dumps(acta), encoding="utf-8")
    code, out = cli("verify", site.url, "--log-key", site.vkey, "--acta", copy)
    assert code == 0 and "unchanged" in out, out
    acta["votes"] = {"b1": 150, "b2": 200}
    copy.write_text(json.dumps(acta), encoding="utf-8")
    code, out = cli("verify", site.url, "--log-key", site.vkey, "--acta", copy)
    assert code == 1 and "NOT in the log" in out, out


def test_verify_over_http_when_nothing_is_served(site: Site) -> None:
    code, out = raw("verify", site.url + "/nothing-here", "--log-key", site.vkey, "--json")
    assert code == 1, out
    assert json.loads(out)["ok"] is False
