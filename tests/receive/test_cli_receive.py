"""The submission commands end to end: ``keys generate --sender``, ``senders add / list /
revoke``, a real ``serve --accept-actas`` with two worker processes, ``publish`` and
``verify --receipt``."""

from __future__ import annotations

import csv
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.ledger.keys import load_signer_key
from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store
from loopback import free_port, start_receive_server, stop_server
from submission_kit import acta, body
from support import DB_KINDS, fresh_db_url

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_senders_commands_and_their_errors(tmp_path: Path, definition: Definition) -> None:
    db = str(tmp_path / "e.db")
    store = Store.open(db)
    store_definitions.load_definition(store, definition)
    store.close()
    keys = tmp_path / "keys"
    code, out = run("keys", "generate", "--sender", "mud-w1", "--out", str(keys))
    assert code == 0 and "mud-w1.vkey" in out
    assert run("keys", "generate", "--out", str(keys))[0] == 2
    vkey = str(keys / "mud-w1.vkey")
    code, out = run(
        "senders",
        "add",
        "mud-w1",
        "--key",
        vkey,
        "--source",
        "witness:MUD",
        "--units",
        "u1,u2",
        "--db",
        db,
    )
    assert code == 0, out
    code, out = run(
        "senders",
        "add",
        "mud-w1",
        "--key",
        vkey,
        "--source",
        "witness:MUD",
        "--units",
        "u1",
        "--db",
        db,
    )
    assert code == 2 and "already registered" in out
    code, out = run(
        "senders", "add", "mud-w1", "--key", vkey, "--source", "party", "--units", "u1", "--db", db
    )
    assert code == 2 and "--source must be" in out
    code, out = run(
        "senders",
        "add",
        "mud-w1",
        "--key",
        vkey,
        "--source",
        "official",
        "--regions",
        "Z",
        "--db",
        db,
    )
    assert code == 2
    code, out = run("senders", "list", "--format", "json", "--db", db)
    listed = json.loads(out)
    assert [(s["name"], s["units"], s["revoked_at"]) for s in listed] == [
        ("mud-w1", ["u1", "u2"], None)
    ]
    assert run("senders", "revoke", "mud-w1", "--reason", "lost", "--db", db)[0] == 0
    assert run("senders", "revoke", "mud-w1", "--db", db)[0] == 2
    code, out = run("senders", "list", "--db", db)
    assert code == 0 and "mud-w1" in out
    assert run("log", "check", "--db", db)[0] == 0


def test_serve_accept_actas_needs_a_receipt_key(tmp_path: Path) -> None:
    code, out = run("serve", "--accept-actas", "--db", str(tmp_path / "e.db"))
    assert code == 2 and "--receipt-key" in out
    assert run("serve")[0] == 2


@pytest.mark.parametrize("kind", DB_KINDS)
def test_two_workers_receive_publish_and_receipts_verify(
    kind: str, tmp_path: Path, definition: Definition
) -> None:
    with fresh_db_url(kind, tmp_path) as db:
        _two_workers(db, tmp_path, definition)


def _two_workers(db: str, tmp_path: Path, definition: Definition) -> None:
    store = Store.open(db)
    store_definitions.load_definition(store, definition)
    store.close()
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--name", "log.example/e", "--out", str(keys))[0] == 0
    assert run("keys", "generate", "--sender", "cne-a", "--out", str(keys))[0] == 0
    assert (
        run(
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
        )[0]
        == 0
    )
    log_skey = keys / "log.example_e.skey"
    sender = load_signer_key(keys / "cne-a.skey")
    port = free_port()
    proc = start_receive_server(db, log_skey, port, tmp_path / "server.log", "--workers", "2")
    url = f"http://127.0.0.1:{port}/api/v1/actas"
    receipts = tmp_path / "receipts"
    receipts.mkdir()
    try:
        headers = {"Content-Type": "application/json"}
        raws = [
            body(sender, acta(unit, voters=290 + i), sent_at=f"2017-10-15T22:{i:02d}:00Z")
            for i in range(10)
            for unit in ("u1", "u2", "u3")
        ]

        def post(raw: bytes) -> tuple[int, bytes]:
            with httpx.Client(timeout=30) as client:
                answer = client.post(url, content=raw, headers=headers)
                return answer.status_code, answer.content

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(post, raws + raws))
        first, second = answers[: len(raws)], answers[len(raws) :]
        for n, ((status, receipt), (_, again)) in enumerate(zip(first, second, strict=True)):
            assert status in (200, 201), receipt
            assert again == receipt
            (receipts / f"r{n:02d}.json").write_bytes(receipt)
        assert sorted(s for s, _ in answers).count(201) == len(raws)
    finally:
        stop_server(proc)
    out = tmp_path / "pub"
    code, text = run("publish", str(out), "--db", db, "--key", str(log_skey))
    assert code == 0, text
    vkey = str(keys / "log.example_e.vkey")
    args = [a for p in sorted(receipts.iterdir()) for a in ("--receipt", str(p))]
    code, text = run("verify", str(out), "--log-key", vkey, *args)
    assert code == 0, text
    assert text.count("included") == 30
    code, text = run("verify", str(out), "--log-key", vkey)
    assert code == 0, text
    # the per-acta CSV names the sender of every version stored through the API
    with (out / "actas_prep.csv").open(encoding="utf-8", newline="") as f:
        prep = list(csv.DictReader(f))
    assert len(prep) == 30 and {r["sender"] for r in prep} == {"cne-a"}
