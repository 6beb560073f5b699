"""``kill -9`` of a real ``serve --accept-actas`` while ``escrutinio submit`` sends: after a
restart and a re-run of the client (its journal), every receipted acta is in the store,
re-sent envelopes get their original receipts byte for byte, there are no duplicates and
``log check`` passes. SQLite and PostgreSQL; bounded (200 actas, minutes at most)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store import schema as t
from escrutinio.store.store import Store
from loopback import ESCRUTINIO, free_port, start_receive_server, stop_server
from submission_kit import acta
from support import DB_KINDS, fresh_db_url

runner = CliRunner()
ACTAS = 200


def _start(db: str, log_skey: Path, images: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return start_receive_server(db, log_skey, port, log, "--images", str(images), "--rate", "0")


def _receipt_lines(journal: Path) -> int:
    try:
        return journal.read_bytes().count(b'"type": "receipt"')
    except FileNotFoundError:
        return 0


def _submit(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(ESCRUTINIO), "submit", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", DB_KINDS)
def test_kill9_loses_no_receipted_acta(kind: str, tmp_path: Path, definition: Definition) -> None:
    with fresh_db_url(kind, tmp_path) as db:
        _kill9(db, tmp_path, definition)


def _kill9(db: str, tmp_path: Path, definition: Definition) -> None:
    store = Store.open(db)
    store_definitions.load_definition(store, definition)
    store.close()
    keys = tmp_path / "keys"
    for args in (["--name", "log.example/k9"], ["--sender", "cne-a"]):
        assert runner.invoke(app, ["keys", "generate", *args, "--out", str(keys)]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "senders",
            "add",
            "cne-a",
            "--key",
            str(keys / "cne-a.vkey"),
            "--source",
            "official",
            "--regions",
            "A",
            "--db",
            db,
        ],
    )
    assert added.exit_code == 0, added.output
    actas = tmp_path / "actas.jsonl"
    rows = [acta(unit, voters=278 + i) for i in range(ACTAS // 2) for unit in ("u1", "u2")]
    actas.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    log_skey, log_vkey = keys / "log.example_k9.skey", keys / "log.example_k9.vkey"
    port = free_port()
    receipts, journal = tmp_path / "receipts", tmp_path / "journal.jsonl"
    common = [
        str(actas),
        "--server",
        f"http://127.0.0.1:{port}",
        "--key",
        str(keys / "cne-a.skey"),
        "--log-key",
        str(log_vkey),
        "--receipts",
        str(receipts),
        "--journal",
        str(journal),
        "--parallel",
        "4",
    ]
    server = _start(db, log_skey, tmp_path / "images", port, tmp_path / "server.log")
    try:
        client = _submit(*common, "--retries", "2")
        deadline = time.monotonic() + 120
        while _receipt_lines(journal) < 20:
            assert client.poll() is None, "the client finished before the kill"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        out = client.communicate(timeout=120)[0].decode()
        assert client.returncode == 2, out  # some actas could not be sent
        first = {p.name: p.read_bytes() for p in receipts.iterdir()}
        assert 20 <= len(first) < ACTAS
        server = _start(db, log_skey, tmp_path / "images", port, tmp_path / "server.log")
        again = _submit(*common)
        out = again.communicate(timeout=300)[0].decode()
        assert again.returncode == 0, out
        after = {p.name: p.read_bytes() for p in receipts.iterdir()}
        assert len(after) == ACTAS
        assert all(after[name] == data for name, data in first.items())
        # a journal that lost its receipts re-sends the same signed bytes: original receipts
        envelopes_only = tmp_path / "envelopes.jsonl"
        envelopes_only.write_text(
            "".join(
                line + "\n"
                for line in journal.read_text(encoding="utf-8").splitlines()
                if '"type": "envelope"' in line
            ),
            encoding="utf-8",
        )
        receipts2 = tmp_path / "receipts2"
        replay = [a if a != str(journal) else str(envelopes_only) for a in common]
        replay = [a if a != str(receipts) else str(receipts2) for a in replay]
        third = _submit(*replay)
        out = third.communicate(timeout=300)[0].decode()
        assert third.returncode == 0, out
        assert f"{ACTAS} already on the server" in " ".join(out.split()), out
        assert {p.name: p.read_bytes() for p in receipts2.iterdir()} == after
    finally:
        stop_server(server, signal.SIGKILL)
    store = Store.open(db)
    try:
        with store.engine.connect() as conn:
            stored = {
                str(r[0]): bytes(r[1])
                for r in conn.execute(select(t.envelopes.c.sha256, t.envelopes.c.receipt))
            }
            versions = conn.execute(select(func.count()).select_from(t.acta_versions)).scalar_one()
            slots = conn.execute(
                select(
                    t.acta_versions.c.unit,
                    t.acta_versions.c.contest,
                    t.acta_versions.c.source,
                    t.acta_versions.c.version,
                ).distinct()
            ).all()
    finally:
        store.close()
    assert {f"{sha}.json": receipt for sha, receipt in stored.items()} == after
    assert versions == len(slots) == ACTAS
    checked = runner.invoke(app, ["log", "check", "--db", db])
    assert checked.exit_code == 0, checked.output
