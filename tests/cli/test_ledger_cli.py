"""The keys, log, witness, publish and verify commands end to end on a small election."""

from __future__ import annotations

import json
import stat
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
ROWS = (
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
    "u5,gov-B,,2017-10-15T20:03:00Z,400,2,1,,,,,200,150\n"
)
ORIGIN = "escrutinio.example/cli-test"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, definition: Definition) -> str:
    path = tmp_path / "e.db"
    store = Store.open(str(path))
    store_definitions.load_definition(store, definition)
    (tmp_path / "a.csv").write_text(HEADER + ROWS, encoding="utf-8")
    ingest_file(store, tmp_path / "a.csv")
    reads.record_bulletin(store)
    store.close()
    return str(path)


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_full_flow(db: str, tmp_path: Path) -> None:
    keys, wkeys = tmp_path / "keys", tmp_path / "wkeys"
    code, out = run("keys", "generate", "--name", ORIGIN, "--out", keys)
    assert code == 0, out
    skey = keys / "escrutinio.example_cli-test.skey"
    vkey = keys / "escrutinio.example_cli-test.vkey"
    assert stat.S_IMODE(skey.stat().st_mode) == 0o600
    code, out = run("keys", "show", skey)
    assert code == 0 and ORIGIN in out and "PRIVATE" not in out
    assert run("witness", "init", "--name", "w.example/obs", "--out", wkeys)[0] == 0
    wskey, wvkey = wkeys / "w.example_obs.skey", wkeys / "w.example_obs.vkey"

    code, out = run("log", "checkpoint", "--key", skey, "--db", db)
    assert code == 0 and out.startswith(f"{ORIGIN}\n4\n")
    code, out = run("log", "prove", "--index", "2", "--db", db)
    assert code == 0 and json.loads(out)["type"] == "inclusion"
    code, out = run("log", "prove", "--from", "1", "--to", "4", "--db", db)
    assert code == 0 and len(json.loads(out)["proof"]) >= 1
    assert run("log", "check", "--db", db)[0] == 0
    assert "log size: 4" in run("log", "show", "--db", db)[1]

    pub = tmp_path / "pub"
    code, out = run("publish", pub, "--key", skey, "--db", db)
    assert code == 0, out
    state = tmp_path / "wstate"
    code, out = run("witness", "cosign", pub, "--key", wskey, "--log-key", vkey, "--state", state)
    assert code == 0, out
    note = pub / "cosignatures" / "w.example" / "obs.note"
    code, out = run("log", "add-cosignature", note, "--witness-key", wvkey, "--db", db)
    assert code == 0, out
    assert run("publish", pub, "--key", skey, "--db", db)[0] == 0
    code, out = run(
        "verify",
        pub,
        "--log-key",
        vkey,
        "--witness-key",
        wvkey,
        "--min-witnesses",
        "1",
        "--state",
        tmp_path / "vstate",
    )
    assert code == 0 and "VERIFIED" in out, out

    store = Store.open(db)
    source = store_definitions.read_definition(store).info.official_source
    store.close()
    acta = {
        "unit": "u5",
        "contest": "gov-B",
        "source": source,
        "votes": {"b1": 200, "b2": 150},
        "null": 2,
        "blank": 1,
        "voters": 400,
    }
    (tmp_path / "acta.json").write_text(json.dumps(acta))
    code, out = run("verify", pub, "--log-key", vkey, "--acta", tmp_path / "acta.json")
    assert code == 0 and "unchanged" in out
    acta["voters"] = 401
    (tmp_path / "acta.json").write_text(json.dumps(acta))
    code, out = run("verify", pub, "--log-key", vkey, "--acta", tmp_path / "acta.json")
    assert code == 1 and "NOT in the log" in out

    (pub / "actas.csv").write_text("tampered\n")
    code, out = run("verify", pub, "--log-key", vkey, "--json")
    assert code == 1
    failed = [c for c in json.loads(out)["checks"] if not c["ok"]]
    assert "actas.csv" in failed[0]["detail"]


def test_key_errors_are_clear(db: str, tmp_path: Path) -> None:
    code, out = run("log", "checkpoint", "--key", tmp_path / "missing.skey", "--db", db)
    assert code == 2 and "key file not found" in " ".join(out.split())
    keys = tmp_path / "k"
    run("keys", "generate", "--name", ORIGIN, "--out", keys)
    skey = keys / "escrutinio.example_cli-test.skey"
    skey.chmod(0o644)
    code, out = run("publish", tmp_path / "p", "--key", skey, "--db", db)
    assert code == 2 and "accessible by group or others" in " ".join(out.split())
    code, out = run("keys", "generate", "--name", ORIGIN, "--out", keys)
    assert code == 2 and "already exists" in out
    code, out = run(
        "verify", tmp_path / "p", "--log-key", keys / "escrutinio.example_cli-test.skey"
    )
    assert code == 2


def test_one_log_one_key(db: str, tmp_path: Path) -> None:
    keys, wkeys = tmp_path / "k", tmp_path / "w"
    run("keys", "generate", "--name", ORIGIN, "--out", keys)
    run("witness", "init", "--name", "w.example/obs", "--out", wkeys)
    skey, wskey = keys / "escrutinio.example_cli-test.skey", wkeys / "w.example_obs.skey"
    assert run("log", "checkpoint", "--key", skey, "--db", db)[0] == 0
    before = run("log", "show", "--db", db)[1]
    for key in (wskey, skey.with_name("other.skey")):
        if key.name == "other.skey":
            run("keys", "generate", "--name", ORIGIN, "--out", tmp_path / "o")
            key = tmp_path / "o" / "escrutinio.example_cli-test.skey"
        for command in (["log", "checkpoint"], ["publish", str(tmp_path / "p")]):
            code, out = run(*command, "--key", key, "--db", db)
            flat = " ".join(out.split())
            assert code == 2 and "signed by the key of 'escrutinio.example/cli-test'" in flat
    assert run("log", "show", "--db", db)[1] == before
    assert not (tmp_path / "p").exists() or not any((tmp_path / "p").iterdir())


def test_log_check_catches_edited_definition_fingerprint(db: str, tmp_path: Path) -> None:
    from sqlalchemy import text

    assert run("log", "check", "--db", db)[0] == 0
    store = Store.open(db)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = 'f00d' WHERE key = 'definition_fingerprint'"))
    store.close()
    code, out = run("log", "check", "--db", db)
    assert code == 1
    assert "meta.definition_fingerprint: f00d… differs from the definition leaf's" in out


def test_publish_warns_about_hostile_old_manifest(db: str, tmp_path: Path) -> None:
    keys = tmp_path / "k"
    run("keys", "generate", "--name", ORIGIN, "--out", keys)
    skey = keys / "escrutinio.example_cli-test.skey"
    pub = tmp_path / "pub"
    assert run("publish", pub, "--key", skey, "--db", db)[0] == 0
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"precious")
    doc = json.loads((pub / "manifest.json").read_bytes())
    doc["files"]["../victim.db"] = "0" * 64
    (pub / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out = run("publish", pub, "--key", skey, "--db", db)
    assert code == 0, out
    assert "warning: manifest.json (old): entry ignored, never touched: '../victim.db' has a" in (
        " ".join(out.split())
    )
    assert victim.read_bytes() == b"precious"
    (pub / "tile").rename(tmp_path / "tile-elsewhere")
    (pub / "tile").symlink_to(tmp_path / "tile-elsewhere", target_is_directory=True)
    code, out = run("publish", pub, "--key", skey, "--db", db)
    assert code == 2 and "'tile' is a symbolic link" in " ".join(out.split())
