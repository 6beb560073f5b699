"""POST /api/v1/actas and PUT /api/v1/images on SQLite and PostgreSQL: every refusal is
problem+json with its stable code and field and stores nothing; accepted envelopes get a
signed receipt, replays the same one, conflicting copies are kept as versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json
from escrutinio.receive.app import create_receive_api
from escrutinio.receive.config import ReceiveConfig
from escrutinio.store import log as store_log
from escrutinio.store.senders import revoke_sender
from escrutinio.submission import ImageRef, verify_receipt
from submission_kit import Kit, acta, body, counts, make_kit
from support import DB_KINDS, fresh_db_url

JSON = {"Content-Type": "application/json"}
PNG = b"\x89PNG\r\n\x1a\n" + b"acta image" * 10


@pytest.fixture(params=DB_KINDS)
def kit(request: pytest.FixtureRequest, tmp_path: Path, definition: Definition) -> Iterator[Kit]:
    with fresh_db_url(request.param, tmp_path) as url:
        k = make_kit(url, definition, tmp_path)
        yield k
        k.store.close()


def _client(kit: Kit, rate: float = 0.0, burst: int = 1, max_body: int = 64 * 1024) -> TestClient:
    config = ReceiveConfig(
        db="unused", receipt_key="unused", images="unused", max_body_bytes=max_body
    )
    return TestClient(create_receive_api(config, kit.receiver(rate, burst)))


def _refused(kit: Kit, response: Any, status: int, code: str, field: str | None = None) -> None:
    before = counts(kit.store)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    doc = response.json()
    assert {"type", "title", "status", "detail", "code", "field"} <= doc.keys()
    assert (doc["status"], doc["code"]) == (status, code)
    if field is not None:
        assert doc["field"] == field
    assert counts(kit.store) == before


def test_an_acta_is_stored_with_a_receipt_and_a_replay_gets_the_same_receipt(kit: Kit) -> None:
    client = _client(kit)
    start = counts(kit.store)
    raw = body(kit.official, acta())
    first = client.post("/api/v1/actas", content=raw, headers=JSON)
    assert first.status_code == 201, first.text
    receipt = verify_receipt(first.content, kit.log.verifier())
    assert receipt.acta["outcome"] == "new" and receipt.acta["source"] == "official"
    assert counts(kit.store) == (start[0] + 1, start[1] + 2, 1)
    entries = list(store_log.log_entries(kit.store))
    assert entries[receipt.log_index].leaf_hash.hex() == receipt.leaf_hash
    again = client.post("/api/v1/actas", content=raw, headers=JSON)
    assert (again.status_code, again.content) == (200, first.content)
    assert counts(kit.store) == (start[0] + 1, start[1] + 2, 1)


def test_conflicting_copies_from_two_senders_are_both_kept(kit: Kit) -> None:
    client = _client(kit)
    official = client.post("/api/v1/actas", content=body(kit.official, acta()), headers=JSON)
    copy = acta(source="witness:MUD", votes={"a1-psuv": 90, "a1-pcv": 20, "a2-mud": 160, "a3": 5})
    witness = client.post("/api/v1/actas", content=body(kit.witness, copy), headers=JSON)
    assert (official.status_code, witness.status_code) == (201, 201)
    same_slot = acta(votes={"a1-psuv": 99, "a1-pcv": 20, "a2-mud": 150, "a3": 5})
    second = client.post("/api/v1/actas", content=body(kit.official, same_slot), headers=JSON)
    doc = json.loads(second.content)["receipt"]["acta"]
    assert (doc["version"], doc["outcome"]) == (2, "conflicting")
    from escrutinio.publish.integrity import check_store

    assert check_store(kit.store) == []


def test_a_new_envelope_of_an_identical_acta_is_logged_but_the_acta_is_not(kit: Kit) -> None:
    client = _client(kit)
    client.post("/api/v1/actas", content=body(kit.official, acta()), headers=JSON)
    before = counts(kit.store)
    later = body(kit.official, acta(), sent_at="2017-10-15T23:00:00Z")
    response = client.post("/api/v1/actas", content=later, headers=JSON)
    assert response.status_code == 201
    assert json.loads(response.content)["receipt"]["acta"]["outcome"] == "duplicate"
    assert counts(kit.store) == (before[0], before[1] + 1, before[2] + 1)


def test_signature_sender_key_scope_and_source_refusals(kit: Kit) -> None:
    client = _client(kit)
    doc = json.loads(body(kit.official, acta()))
    doc["envelope"]["acta"]["voters"] = 301
    _refused(
        kit,
        client.post("/api/v1/actas", content=canonical_json(doc), headers=JSON),
        403,
        "bad_signature",
        "signature",
    )
    from escrutinio.ledger.note import Ed25519Signer

    stranger = Ed25519Signer.generate("stranger")
    _refused(
        kit,
        client.post("/api/v1/actas", content=body(stranger, acta()), headers=JSON),
        403,
        "unknown_sender",
        "envelope.sender",
    )
    impostor = Ed25519Signer.generate(kit.official.name)
    _refused(
        kit,
        client.post("/api/v1/actas", content=body(impostor, acta()), headers=JSON),
        403,
        "unknown_sender_key",
        "envelope.key_id",
    )
    _refused(
        kit,
        client.post(
            "/api/v1/actas",
            content=body(kit.witness, acta("u3", source="witness:MUD")),
            headers=JSON,
        ),
        403,
        "outside_scope",
        "envelope.acta.unit",
    )
    _refused(
        kit,
        client.post(
            "/api/v1/actas",
            content=body(
                kit.official,
                acta("u5", contest="gov-B", votes={"b1": 1, "b2": 1}, voters=2, null=0),
            ),
            headers=JSON,
        ),
        403,
        "outside_scope",
    )
    _refused(
        kit,
        client.post(
            "/api/v1/actas", content=body(kit.witness, acta(source="official")), headers=JSON
        ),
        403,
        "wrong_source",
        "envelope.acta.source",
    )


def test_a_revoked_sender_is_refused_but_its_earlier_receipt_still_answers(kit: Kit) -> None:
    client = _client(kit)
    raw = body(kit.witness, acta(source="witness:MUD"))
    first = client.post("/api/v1/actas", content=raw, headers=JSON)
    revoke_sender(kit.store, kit.witness.name, "key lost")
    again = client.post("/api/v1/actas", content=raw, headers=JSON)
    assert (again.status_code, again.content) == (200, first.content)
    _refused(
        kit,
        client.post(
            "/api/v1/actas",
            content=body(kit.witness, acta("u2", source="witness:MUD")),
            headers=JSON,
        ),
        403,
        "revoked_sender",
        "envelope.sender",
    )


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"unit": "u99"}, "unknown_unit", "envelope.acta.unit"),
        ({"contest": "nope"}, "unknown_contest", "envelope.acta.contest"),
        ({"contest": "gov-B", "votes": {"b1": 1, "b2": 1}}, "out_of_scope", "envelope.acta.unit"),
        ({"voters": -1}, "negative", "envelope.acta.voters"),
        ({"voters": "300"}, "not_integer", "envelope.acta.voters"),
        ({"voters": 10}, "over_voters", "envelope.acta.voters"),
        ({"voters": 5000}, "over_registered", "envelope.acta.voters"),
        ({"votes": {"a1-psuv": 1}}, "missing", "envelope.acta.a1-pcv"),
        (
            {"votes": {"a1-psuv": 1, "a1-pcv": 1, "a2-mud": 1, "a3": 1, "zz": 1}},
            "unknown_option",
            "envelope.acta.zz",
        ),
        ({"extra": 1}, "unknown_key", "envelope.acta.extra"),
        ({"source": "bad source"}, "invalid", "envelope.acta.source"),
        ({"null": 2**63}, "too_large", "envelope.acta.null"),
    ],
)
def test_each_validation_rule_gives_its_code_and_nothing_is_stored(
    kit: Kit, changes: dict[str, Any], code: str, field: str
) -> None:
    client = _client(kit)
    try:
        raw = body(kit.official, acta(**changes))
    except ValueError:  # a count RFC 8785 cannot write: refused as non-canonical
        return
    response = client.post("/api/v1/actas", content=raw, headers=JSON)
    _refused(kit, response, 422, code, field)
    assert response.json()["issues"][0]["code"] == code


def test_transport_refusals(kit: Kit) -> None:
    client = _client(kit, max_body=2048)
    raw = body(kit.official, acta())
    _refused(
        kit,
        client.post("/api/v1/actas", content=raw, headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    _refused(
        kit, client.post("/api/v1/actas", content=b"{oops", headers=JSON), 400, "malformed_json"
    )
    pretty = json.dumps(json.loads(raw), indent=2).encode()
    _refused(
        kit, client.post("/api/v1/actas", content=pretty, headers=JSON), 400, "non_canonical_json"
    )
    _refused(
        kit, client.post("/api/v1/actas", content=b" " * 4096, headers=JSON), 413, "body_too_large"
    )


def test_images_must_be_uploaded_first_and_match_their_hash(kit: Kit) -> None:
    client = _client(kit)
    image = ImageRef.of(PNG, "image/png")
    raw = body(kit.official, acta(), [image])
    _refused(
        kit,
        client.post("/api/v1/actas", content=raw, headers=JSON),
        422,
        "image_missing",
        "envelope.images[0].sha256",
    )
    wrong = hashlib.sha256(b"other").hexdigest()
    tampered = client.put(
        f"/api/v1/images/{wrong}", content=PNG, headers={"Content-Type": "image/png"}
    )
    _refused(kit, tampered, 422, "image_hash_mismatch")
    put = client.put(
        f"/api/v1/images/{image.sha256}", content=PNG, headers={"Content-Type": "image/png"}
    )
    assert put.status_code == 201
    assert (
        client.put(
            f"/api/v1/images/{image.sha256}", content=PNG, headers={"Content-Type": "image/png"}
        ).status_code
        == 200
    )
    lying = body(kit.official, acta(), [ImageRef(image.sha256, "image/png", image.size + 1)])
    _refused(
        kit, client.post("/api/v1/actas", content=lying, headers=JSON), 422, "image_size_mismatch"
    )
    assert client.post("/api/v1/actas", content=raw, headers=JSON).status_code == 201


def test_the_rate_limit_answers_429_with_retry_after(kit: Kit) -> None:
    client = _client(kit, rate=0.001, burst=1)
    assert (
        client.post("/api/v1/actas", content=body(kit.official, acta()), headers=JSON).status_code
        == 201
    )
    response = client.post("/api/v1/actas", content=body(kit.official, acta("u2")), headers=JSON)
    _refused(kit, response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_parallel_posts_from_two_processes_log_each_envelope_once(kit: Kit) -> None:
    """Two receivers (as two server workers) and 8 threads post 48 envelopes, each twice:
    every envelope gets exactly one leaf, indexes have no gaps, the store checks clean."""
    receivers = [kit.receiver(), kit.receiver()]
    bodies = [
        body(kit.official, acta(unit, voters=300 + i), sent_at=f"2017-10-15T22:{i:02d}:00Z")
        for i in range(24)
        for unit in ("u1", "u2")
    ]
    jobs = [(receivers[i % 2], raw) for i, raw in enumerate(bodies * 2)]
    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(lambda job: job[0].submit(job[1]), jobs))
    by_body: dict[bytes, set[bytes]] = {}
    for (_, raw), result in zip(jobs, stored, strict=True):
        by_body.setdefault(raw, set()).add(result.receipt)
    assert all(len(receipts) == 1 for receipts in by_body.values())
    assert sum(r.created for r in stored) == len(bodies)
    actas, log_size, envelopes = counts(kit.store)
    assert envelopes == len(bodies)
    assert actas == len(bodies)  # every acta differs: one version each
    indexes = [e.idx for e in store_log.log_entries(kit.store)]
    assert indexes == list(range(log_size))
    from escrutinio.publish.integrity import check_store

    assert check_store(kit.store) == []


def _form(raw: bytes, *images: tuple[bytes, str]) -> dict[str, Any]:
    files: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("envelope", (None, raw, "application/json"))
    ]
    files += [(f"image{i}", (f"image{i}", data, media)) for i, (data, media) in enumerate(images)]
    return {"files": files}


def test_images_may_come_in_the_same_multipart_request(kit: Kit) -> None:
    client = _client(kit)
    image = ImageRef.of(PNG, "image/png")
    raw = body(kit.official, acta(), [image])
    changed = PNG + b"!"
    _refused(
        kit,
        client.post("/api/v1/actas", **_form(raw, (changed, "image/png"))),
        422,
        "image_hash_mismatch",
    )
    assert not kit.images.has(image.sha256)
    _refused(kit, client.post("/api/v1/actas", **_form(raw)), 422, "image_missing")
    _refused(
        kit,
        client.post("/api/v1/actas", files=[("image", ("a", PNG, "image/png"))]),
        400,
        "bad_multipart",
    )
    answer = client.post("/api/v1/actas", **_form(raw, (PNG, "image/png")))
    assert answer.status_code == 201, answer.text
    assert kit.images.path(image.sha256).read_bytes() == PNG
    again = client.post("/api/v1/actas", **_form(raw, (PNG, "image/png")))
    assert (again.status_code, again.content) == (200, answer.content)


def test_log_check_catches_an_edited_envelope_row(kit: Kit) -> None:
    from sqlalchemy import update

    from escrutinio.publish.integrity import check_store
    from escrutinio.store import schema as t

    kit.receiver().submit(body(kit.official, acta()))
    with kit.store.engine.begin() as conn:
        conn.execute(update(t.envelopes).values(sender="someone-else"))
    assert any("envelopes[" in p for p in check_store(kit.store))


def test_the_publication_server_mounts_the_submission_routes_when_asked(
    kit: Kit, tmp_path: Path
) -> None:
    from escrutinio.serve.app import create_app

    folder = tmp_path / "site"
    folder.mkdir()
    config = ReceiveConfig(db="unused", receipt_key="unused", images="unused")
    with TestClient(create_app(folder, receive=config, receiver=kit.receiver())) as client:
        answer = client.post("/api/v1/actas", content=body(kit.official, acta()), headers=JSON)
        assert answer.status_code == 201, answer.text
    with TestClient(create_app(folder)) as client:
        answer = client.post("/api/v1/actas", content=body(kit.official, acta()), headers=JSON)
        assert answer.status_code in (404, 405)
        assert answer.headers["content-type"] == "application/problem+json"
