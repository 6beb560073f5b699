"""QR decoding after the receipt, on SQLite and PostgreSQL: a submitted image whose QR
disagrees with the typed numbers is recorded as a mismatch without running ``qr-check``;
receipts are the same with or without it; a server stopped with work queued leaves only
what ``qr-check`` redoes; one result per image, never overwritten."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from escrutinio.cli.serve import _receive_config
from escrutinio.images.checking import run_qr_checks
from escrutinio.images.qr_check import MATCH, MISMATCH, UNREADABLE
from escrutinio.images.synthetic import ActaPage, render_acta
from escrutinio.ledger.keys import write_signer_key
from escrutinio.model import Definition
from escrutinio.receive.app import create_receive_api
from escrutinio.receive.config import CONFIG_ENV, ReceiveConfig
from escrutinio.receive.qr_decode import QrDecoder
from escrutinio.receive.receiver import Receiver
from escrutinio.store import images as store_images
from escrutinio.submission import ImageRef, verify_receipt
from loopback import free_port, start_receive_server, stop_server
from submission_kit import Kit, acta, body, make_kit
from support import DB_KINDS, fresh_db_url

BROKEN = b"\x89PNG\r\n\x1a\n" + b"not an image" * 10
VOTES = {"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5}


def _page(unit: str) -> ActaPage:
    return ActaPage(unit=unit, contest="gov-A", votes=VOTES, null=3, blank=None, voters=278)


@pytest.fixture(params=DB_KINDS)
def kit(request: pytest.FixtureRequest, tmp_path: Path, definition: Definition) -> Iterator[Kit]:
    with fresh_db_url(request.param, tmp_path) as url:
        k = make_kit(url, definition, tmp_path)
        yield k
        k.store.close()


def _receiver(kit: Kit, qr_decode: bool) -> Receiver:
    base = kit.receiver()
    return Receiver(
        base.store,
        base.signer,
        base.images,
        base.limiter,
        base.maximum_merge_delay,
        base.definition,
        base.templates,
        qr_decode=qr_decode,
    )


def _post(client: TestClient, kit: Kit, unit: str, image: bytes, **form: Any) -> Any:
    ref = ImageRef.of(image, "image/png")
    raw = body(kit.official, acta(unit, voters=278), [ref])
    files = [("envelope", ("envelope.json", raw, "application/json"))]
    files.append(("image", ("acta.png", image, "image/png")))
    answer = client.post("/api/v1/actas", files=files)
    assert answer.status_code == 201, answer.text
    return verify_receipt(answer.content, kit.log.verifier())


def _client(receiver: Receiver) -> TestClient:
    config = ReceiveConfig(db="unused", receipt_key="unused", images="unused")
    return TestClient(create_receive_api(config, receiver))


def _statuses(kit: Kit) -> dict[str, str]:
    refs = {r.id: r.unit for r in store_images.image_refs(kit.store)}
    return {refs[i]: c.status for i, c in store_images.latest_qr_checks(kit.store).items()}


def test_a_disagreeing_qr_is_recorded_as_a_mismatch_without_qr_check(kit: Kit) -> None:
    receiver = _receiver(kit, qr_decode=True)
    client = _client(receiver)
    _post(client, kit, "u1", render_acta(_page("u1"), disagree=True, seed=1))
    _post(client, kit, "u2", render_acta(_page("u2"), seed=2))
    _post(client, kit, "u3", BROKEN)  # a PNG signature, then no image: unreadable
    assert receiver.decoder is not None
    receiver.decoder.close(finish=True)
    assert _statuses(kit) == {"u1": MISMATCH, "u2": MATCH, "u3": UNREADABLE}
    mismatch = next(c for c in store_images.qr_checks(kit.store) if c.status == MISMATCH)
    assert [d["field"] for d in mismatch.detail["differences"]] == ["votes.a1-psuv", "voters"]
    # qr-check then reuses these results: one per image, none recomputed or overwritten
    checked = run_qr_checks(kit.store, kit.images, kit.definition)
    assert all(c.reused for c in checked) and len(store_images.qr_checks(kit.store)) == 3
    assert receiver.decoder.recorded == 3 and receiver.decoder.dropped == 0


def test_receipts_are_the_same_with_or_without_decoding(kit: Kit) -> None:
    # without decoding nothing is recorded, and the receipt says the same things
    off = _receiver(kit, qr_decode=False)
    assert off.decoder is None
    plain = _post(_client(off), kit, "u1", render_acta(_page("u1"), disagree=True, seed=1))
    assert store_images.qr_checks(kit.store) == []
    on = _receiver(kit, qr_decode=True)
    decoded = _post(_client(on), kit, "u2", render_acta(_page("u2"), disagree=True, seed=2))
    assert on.decoder is not None
    on.decoder.close(finish=True)
    assert plain.acta["outcome"] == decoded.acta["outcome"] == "new"
    assert decoded.log_index > plain.log_index
    assert _statuses(kit) == {"u2": MISMATCH}  # only images received with decoding on


def test_a_server_stopped_with_work_queued_loses_nothing_qr_check_cannot_redo(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = _receiver(kit, qr_decode=True)
    decoder = receiver.decoder
    assert decoder is not None
    monkeypatch.setattr(decoder, "_start", lambda: None)  # the thread never gets to run
    receipt = _post(_client(receiver), kit, "u1", render_acta(_page("u1"), disagree=True))
    assert decoder.pending() == 1 and store_images.qr_checks(kit.store) == []
    decoder.close()  # stopped: the queued image is dropped
    checked = run_qr_checks(kit.store, kit.images, kit.definition)
    assert [(c.check.status, c.reused) for c in checked] == [(MISMATCH, False)]
    assert checked[0].ref.log_idx == receipt.log_index + 1  # the image leaf after the envelope


def test_a_full_queue_drops_work_instead_of_waiting(kit: Kit) -> None:
    decoder = QrDecoder(kit.store, kit.images, kit.definition, max_queue=2)
    decoder._start = lambda: None  # type: ignore[method-assign]
    decoder.enqueue([10, 11, 12, 13])
    assert (decoder.pending(), decoder.dropped) == (2, 2)
    decoder.decode([999])  # no image at that index: nothing recorded, nothing raised
    assert store_images.qr_checks(kit.store) == []


def test_the_serve_flag_and_the_worker_settings_carry_the_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on = _receive_config(None, Path("log.skey"), Path("images"), 65536, 0, 1, 300, True)
    off = _receive_config(None, Path("log.skey"), Path("images"), 65536, 0, 1, 300, False)
    assert isinstance(on, ReceiveConfig) and isinstance(off, ReceiveConfig)
    assert (on.qr_decode, off.qr_decode) == (True, False)
    assert ReceiveConfig(db="x", receipt_key="k", images="i").qr_decode  # on by default
    monkeypatch.setenv(CONFIG_ENV, "")  # restored after the test
    off.to_env()
    assert ReceiveConfig.from_env() == off


@pytest.mark.parametrize("kind", DB_KINDS)
def test_a_real_server_with_two_workers_flags_a_disagreeing_qr(
    kind: str, tmp_path: Path, definition: Definition
) -> None:
    with fresh_db_url(kind, tmp_path) as url:
        kit = make_kit(url, definition, tmp_path)
        log_skey = tmp_path / "log.skey"
        write_signer_key(log_skey, kit.log)
        port = free_port()
        proc = start_receive_server(
            url, log_skey, port, tmp_path / "server.log", "--workers", "2", "--images",
            str(tmp_path / "images"),
        )  # fmt: skip
        try:
            image = render_acta(_page("u1"), disagree=True, seed=4)
            ref = ImageRef.of(image, "image/png")
            raw = body(kit.official, acta("u1", voters=278), [ref])
            files: list[tuple[str, tuple[str, bytes, str]]] = [
                ("envelope", ("e.json", raw, "application/json")),
                ("image", ("acta.png", image, "image/png")),
            ]
            answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/actas", files=files, timeout=60)
            assert answer.status_code == 201, answer.text
            verify_receipt(answer.content, kit.log.verifier())
            deadline = time.monotonic() + 120  # a bound on waiting, not a speed assertion
            while not store_images.qr_checks(kit.store) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop_server(proc)
        assert _statuses(kit) == {"u1": MISMATCH}
        kit.store.close()
