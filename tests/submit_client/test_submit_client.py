"""The submit client: reading actas and naming images, the journal, retries, and a run
against the submission app in process (receipts kept, re-runs resume, rejections reported,
API-received images QR-checked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.images.checking import run_qr_checks
from escrutinio.images.synthetic import ActaPage, render_acta
from escrutinio.model import Definition
from escrutinio.publish.integrity import check_store
from escrutinio.receive.app import create_receive_api
from escrutinio.receive.config import ReceiveConfig
from escrutinio.store import images as store_images
from escrutinio.submit_client.actas import LocalReject, Outgoing, image_index, read_outgoing
from escrutinio.submit_client.journal import Journal, JournalError
from escrutinio.submit_client.run import Submitter, plan
from escrutinio.submit_client.transport import Retrying, Unreachable, request
from submission_kit import Kit, acta, counts, make_kit
from support import DB_KINDS, fresh_db_url

VOTES = {"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5}


def test_image_naming_rule(tmp_path: Path) -> None:
    for name in ("u1_gov-A.png", "u1_gov-A_2.jpg", "u1_gov-A_x.png", "u2_gov-A.pdf", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    index = image_index(tmp_path)
    assert [p.name for p in index["u1_gov-A"]] == ["u1_gov-A.png", "u1_gov-A_2.jpg"]
    assert [p.name for p in index["u2_gov-A"]] == ["u2_gov-A.pdf"]
    assert "notes" not in index
    assert image_index(None) == {}


def test_csv_rows_become_acta_objects_and_bad_rows_local_rejections(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "unit,contest,source,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1\n"
        "u1,gov-A,,300,3,,100,20,150,5,\n"
        "u2,gov-A,witness:MUD,300,3,0,100,20,150,5,\n"
        "u3,gov-A,,3x0,3,,100,20,150,5,\n",
        encoding="utf-8",
    )
    got = list(read_outgoing([path], {}))
    assert isinstance(got[0], Outgoing) and got[0].acta == {
        "unit": "u1",
        "contest": "gov-A",
        "voters": 300,
        "null": 3,
        "votes": VOTES,
    }
    assert isinstance(got[1], Outgoing)
    assert got[1].acta["source"] == "witness:MUD" and got[1].acta["blank"] == 0
    assert isinstance(got[2], LocalReject) and got[2].line == 4
    assert got[2].issues[0].field == "voters" and got[2].issues[0].code == "not_integer"


def test_journal_reopens_and_ignores_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal.open(path)
    journal.add_envelopes({"k" * 64: {"a": 1}})
    journal.add_receipt("e" * 64, b'{"receipt":1}')
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"type": "receipt", "envelope_sha')  # a crash mid-write
    again = Journal.open(path)
    assert again.envelopes == {"k" * 64: {"a": 1}}
    assert again.receipts == {"e" * 64: b'{"receipt":1}'}
    path.write_text('garbage\n{"type": "envelope"}\n', encoding="utf-8")
    with pytest.raises(JournalError, match="line 1"):
        Journal.open(path)


@given(st.integers(0, 30), st.floats(0, 100))
def test_backoff_waits_are_bounded_and_honour_retry_after(attempt: int, after: float) -> None:
    policy = Retrying(base=0.25, cap=20.0)
    wait = policy.wait(attempt, after)
    assert after <= wait <= max(after, 20.0)


def _mock(responses: list[Any]) -> tuple[httpx.Client, list[str]]:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.method)
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[no-any-return]

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_retries_network_errors_5xx_and_429_but_never_4xx() -> None:
    waits: list[float] = []
    policy = Retrying(retries=4, sleep=waits.append)
    problem = {"code": "bad_signature", "field": "signature", "detail": "no"}
    client, seen = _mock(
        [
            httpx.ConnectError("refused"),
            httpx.Response(503, json={"detail": "busy"}),
            httpx.Response(429, headers={"Retry-After": "3"}, json={"detail": "slow"}),
            httpx.Response(201, content=b"receipt"),
        ]
    )
    answer = request(client, policy, "POST", "http://x/api/v1/actas", b"{}", "application/json")
    assert (answer.status, answer.content, len(seen)) == (201, b"receipt", 4)
    assert waits[2] >= 3.0
    client, seen = _mock([httpx.Response(403, json=problem)])
    answer = request(client, policy, "POST", "http://x/api/v1/actas", b"{}", "application/json")
    assert answer.problem == problem and len(seen) == 1
    client, seen = _mock([httpx.Response(500)] * 5)
    with pytest.raises(Unreachable, match="5 attempts"):
        request(client, policy, "POST", "http://x/api/v1/actas", b"{}", "application/json")


@pytest.fixture(params=DB_KINDS)
def kit(request: pytest.FixtureRequest, tmp_path: Path, definition: Definition) -> Iterator[Kit]:
    with fresh_db_url(request.param, tmp_path) as url:
        k = make_kit(url, definition, tmp_path)
        yield k
        k.store.close()


def _submitter(kit: Kit, journal: Journal, receipts: Path) -> Submitter:
    config = ReceiveConfig(db="unused", receipt_key="unused", images="unused")
    client = TestClient(create_receive_api(config, kit.receiver()))
    return Submitter(
        "http://testserver",
        journal,
        receipts,
        kit.log.verifier(),
        Retrying(retries=0),
        parallel=1,
        client=client,
    )


def test_run_keeps_receipts_resumes_reports_and_qr_checks_api_images(
    kit: Kit, tmp_path: Path
) -> None:
    images = tmp_path / "pages"
    images.mkdir()
    page = ActaPage("u1", "gov-A", VOTES, 3, None, 300)
    (images / "u1_gov-A.png").write_bytes(render_acta(page, disagree=True, seed=1))
    rows = [acta("u1"), acta("u2"), acta("u3")]  # u3 is outside the witness scope
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    items = [i for i in read_outgoing([path], image_index(images)) if isinstance(i, Outgoing)]
    journal = Journal.open(tmp_path / "j.jsonl")
    planned = plan(items, kit.witness, journal)
    assert len(planned[0].images) == 1 and not planned[1].images
    receipts = tmp_path / "receipts"
    receipts.mkdir()
    summary = _submitter(kit, journal, receipts).run(planned)
    assert not summary.unsent, summary.unsent
    assert (summary.sent, summary.outcomes["new"], summary.already) == (3, 2, 0)
    assert [(r.label, r.code, r.field) for r in summary.rejected] == [
        ("u3/gov-A", "outside_scope", "envelope.acta.unit")
    ]
    assert sorted(p.stem for p in receipts.iterdir()) == sorted(p.sha256 for p in planned[:2])
    before = counts(kit.store)
    # a re-run plans the same envelopes (same bytes) and sends only the rejected one
    again = Journal.open(tmp_path / "j.jsonl")
    replanned = plan(items, kit.witness, again)
    assert [p.body for p in replanned] == [p.body for p in planned]
    summary = _submitter(kit, again, receipts).run(replanned)
    assert (summary.sent, summary.already, len(summary.rejected)) == (1, 2, 1)
    assert counts(kit.store) == before
    # the image sent with the acta is attached to its version and its QR checked
    refs = store_images.image_refs(kit.store)
    assert [(r.unit, r.source, r.version) for r in refs] == [("u1", "witness:MUD", 1)]
    checked = run_qr_checks(kit.store, kit.images, kit.definition)
    assert [c.check.status for c in checked] == ["mismatch"]
    assert check_store(kit.store) == []


def test_an_image_changed_after_signing_is_not_sent(kit: Kit, tmp_path: Path) -> None:
    images = tmp_path / "pages"
    images.mkdir()
    page = ActaPage("u1", "gov-A", VOTES, 3, None, 300)
    (images / "u1_gov-A.png").write_bytes(render_acta(page, seed=2))
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(acta("u1")) + "\n", encoding="utf-8")
    items = [i for i in read_outgoing([path], image_index(images)) if isinstance(i, Outgoing)]
    journal = Journal.open(tmp_path / "j.jsonl")
    planned = plan(items, kit.witness, journal)
    (images / "u1_gov-A.png").write_bytes(render_acta(page, seed=3))
    before = counts(kit.store)
    summary = _submitter(kit, journal, tmp_path).run(planned)
    assert [r.code for r in summary.rejected] == ["image_file"]
    assert counts(kit.store) == before


def test_cli_refuses_bad_options_cleanly(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from escrutinio.cli.main import app

    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(acta("u1")) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["submit", str(path), "--server", "ftp://x", "--key", "k"])
    assert result.exit_code == 2 and "--server" in result.output
    result = runner.invoke(
        app, ["submit", str(path), "--server", "http://127.0.0.1:9", "--key", str(tmp_path / "k")]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    missing = tmp_path / "none.csv"
    key = tmp_path / "keys"
    assert (
        runner.invoke(app, ["keys", "generate", "--sender", "s", "--out", str(key)]).exit_code == 0
    )
    result = runner.invoke(
        app,
        ["submit", str(missing), "--server", "http://127.0.0.1:9", "--key", str(key / "s.skey")],
    )
    assert result.exit_code == 2 and "none.csv" in result.output
