"""The read API against a small real publication: every answer is what the CLI prints with
``--format json`` (computed here through the read seam from the store that was published),
errors are RFC 9457 problem details, proofs check against the published checkpoint."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ledger_pubkit import Pub
from serve_kit import tree_fingerprint

from escrutinio import reads
from escrutinio.ledger.checkpoint import parse_checkpoint
from escrutinio.ledger.merkle import verify_consistency, verify_inclusion
from escrutinio.serve.app import create_app
from escrutinio.serve.policy import IMMUTABLE, SHORT
from escrutinio.store.checkpoints import log_tree
from escrutinio.store.definitions import read_definition


@pytest.fixture
def client(pub: Pub) -> Iterator[TestClient]:
    with TestClient(create_app(pub.out)) as c:
        yield c


def jsonish(value: Any) -> Any:
    """What a document looks like after a trip through JSON."""
    return json.loads(json.dumps(value))


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status
    assert doc["title"] and doc["detail"] and doc["type"] == "about:blank"
    return doc


def test_summary_and_races_are_the_cli_documents(client: TestClient, pub: Pub) -> None:
    definition = read_definition(pub.store)
    counts = reads.load_counts(pub.store)
    overall = reads.contest_results(definition, counts)
    summary = reads.election_summary(definition, counts, overall)
    got = client.get("/api/v1/summary")
    assert got.status_code == 200
    assert got.headers["cache-control"] == SHORT
    assert got.json() == jsonish(summary.to_dict())
    assert client.get("/api/v1/races").json() == jsonish([r.to_dict() for r in overall])
    one = client.get("/api/v1/races/gov-A").json()
    assert one == jsonish(overall[0].to_dict())


def test_race_by_region_level(client: TestClient, pub: Pub) -> None:
    definition = read_definition(pub.store)
    counts = reads.load_counts(pub.store)
    for level in ("state", "parish"):
        expected = reads.regional_results(definition, counts, level, ["gov-A"])
        got = client.get("/api/v1/races/gov-A", params={"level": level})
        assert got.json() == jsonish([r.to_dict() for r in expected])
    doc = problem(client.get("/api/v1/races/gov-A", params={"level": "county"}), 400)
    assert "state, parish" in doc["detail"]
    doc = problem(client.get("/api/v1/races/gov-Z"), 404)
    assert "gov-Z" in doc["detail"]


def test_bulletin_answers(client: TestClient, pub: Pub) -> None:
    rows = client.get("/api/v1/bulletins").json()
    assert rows == jsonish(reads.bulletins(pub.store))
    first = client.get("/api/v1/bulletins/1")
    assert first.headers["cache-control"] == IMMUTABLE
    assert first.json() == jsonish(reads.bulletin(pub.store, 1))
    old = client.get("/api/v1/summary", params={"bulletin": 1}).json()
    stored = reads.bulletin(pub.store, 1)
    assert old == jsonish({"bulletin": 1, "created_at": stored["created_at"], **stored["summary"]})
    assert client.get("/api/v1/races", params={"bulletin": 1}).json() == jsonish(stored["contests"])
    problem(client.get("/api/v1/bulletins/9"), 404)
    problem(client.get("/api/v1/summary", params={"bulletin": 0}), 400)


def test_difference_between_two_bulletins(client: TestClient, pub: Pub) -> None:
    diff = client.get("/api/v1/bulletins/1/diff/2").json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert diff["races_changed"] == ["gov-A", "gov-B"]
    one, two = reads.bulletin(pub.store, 1), reads.bulletin(pub.store, 2)
    race = diff["contests"][0]
    assert race["actas_counted"] == {
        "from": one["contests"][0]["actas_counted"],
        "to": two["contests"][0]["actas_counted"],
    }
    ana = race["candidates"][0]
    assert ana["from"] == one["contests"][0]["candidates"][0]["votes"]
    assert ana["to"] == two["contests"][0]["candidates"][0]["votes"]
    assert ana["delta"] == ana["to"] - ana["from"]
    same = client.get("/api/v1/bulletins/2/diff/2").json()
    assert same["races_changed"] == []


def test_table_versions(client: TestClient, pub: Pub) -> None:
    got = client.get("/api/v1/tables/u2/gov-A").json()
    expected = [reads.version_document(v) for v in reads.acta_versions(pub.store, "u2", "gov-A")]
    assert got == jsonish(expected)
    assert [v["counting"] for v in got] == [False, True]
    sources = {v["source"] for v in client.get("/api/v1/tables/u1/gov-A").json()}
    assert sources == {"official", "party-x"}
    assert client.get("/api/v1/tables/u6/gov-A").json() == []
    problem(client.get("/api/v1/tables/u99/gov-A"), 404)
    problem(client.get("/api/v1/tables/u1/gov-Z"), 404)


def test_regions(client: TestClient) -> None:
    every = client.get("/api/v1/regions").json()
    assert [r["id"] for r in every] == ["A", "B", "A1", "A2", "B1"]
    parishes = client.get("/api/v1/regions", params={"level": "parish", "parent": "A"}).json()
    assert parishes == [
        {"id": "A1", "name": "Parish A1", "level": "parish", "parent": "A"},
        {"id": "A2", "name": "Parish A2", "level": "parish", "parent": "A"},
    ]
    state = client.get("/api/v1/regions/A").json()
    assert state["children"] == ["A1", "A2"]
    assert [r["contest_id"] for r in state["results"]] == ["gov-A"]
    assert state["results"][0]["region_id"] == "A"
    problem(client.get("/api/v1/regions/Q"), 404)


def _checkpoint(pub: Pub) -> Any:
    text = (pub.out / "checkpoint").read_text(encoding="utf-8")
    return parse_checkpoint(text.split("\n\n")[0] + "\n")


def test_checkpoint(client: TestClient, pub: Pub) -> None:
    cp = _checkpoint(pub)
    got = client.get("/api/v1/checkpoint").json()
    assert got["size"] == cp.size
    assert got["root_hash"] == base64.b64encode(cp.root_hash).decode()
    assert got["note"] == (pub.out / "checkpoint").read_text(encoding="utf-8")
    assert got["signers"] == [pub.signer.name, pub.witness.verifier().name]


def test_inclusion_proof_from_tiles(client: TestClient, pub: Pub) -> None:
    cp = _checkpoint(pub)
    tree = log_tree(pub.store)
    for index in (0, 3, cp.size - 1):
        got = client.get("/api/v1/proof/inclusion", params={"index": index}).json()
        assert got["type"] == "inclusion" and got["size"] == cp.size
        assert bytes.fromhex(got["root"]) == cp.root_hash
        proof = [bytes.fromhex(h) for h in got["proof"]]
        assert proof == tree.inclusion_proof(index, cp.size)
        verify_inclusion(index, cp.size, bytes.fromhex(got["leaf_hash"]), proof, cp.root_hash)
    older = client.get("/api/v1/proof/inclusion", params={"index": 2, "size": 5})
    assert older.headers["cache-control"] == IMMUTABLE
    assert bytes.fromhex(older.json()["root"]) == tree.root(5)
    problem(client.get("/api/v1/proof/inclusion", params={"index": cp.size}), 400)
    problem(client.get("/api/v1/proof/inclusion", params={"index": 1, "size": cp.size + 1}), 400)
    problem(client.get("/api/v1/proof/inclusion", params={"index": "x"}), 400)
    problem(client.get("/api/v1/proof/inclusion"), 400)


def test_consistency_proof_from_tiles(client: TestClient, pub: Pub) -> None:
    cp = _checkpoint(pub)
    tree = log_tree(pub.store)
    got = client.get("/api/v1/proof/consistency", params={"from": 4}).json()
    proof = [bytes.fromhex(h) for h in got["proof"]]
    assert (got["from"], got["to"]) == (4, cp.size)
    verify_consistency(4, cp.size, proof, tree.root(4), cp.root_hash)
    assert bytes.fromhex(got["new_root"]) == cp.root_hash
    problem(client.get("/api/v1/proof/consistency", params={"from": 5, "to": 4}), 400)
    problem(client.get("/api/v1/proof/consistency", params={"from": 0}), 400)


def test_damaged_tiles_give_no_proof(client: TestClient, pub: Pub) -> None:
    tile = next(p for p in (pub.out / "tile" / "0").rglob("*") if p.is_file())
    data = bytearray(tile.read_bytes())
    data[0] ^= 1
    tile.write_bytes(bytes(data))
    doc = problem(client.get("/api/v1/proof/inclusion", params={"index": 0, "size": 3}), 503)
    assert "root" in doc["detail"]


def test_latest(client: TestClient, pub: Pub) -> None:
    cp = _checkpoint(pub)
    got = client.get("/api/v1/latest").json()
    assert got["tree_size"] == cp.size
    assert got["bulletin"] == 2
    assert got["races_changed"] == ["gov-A", "gov-B"]


def test_etag_gives_304_and_gzip(client: TestClient) -> None:
    first = client.get("/api/v1/races", headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    again = client.get("/api/v1/races", headers={"If-None-Match": etag})
    assert again.status_code == 304
    packed = client.get("/api/v1/races", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.json() == first.json()


def test_unknown_api_paths_are_problems(client: TestClient) -> None:
    problem(client.get("/api/v1/nothing"), 404)
    problem(client.get("/api/v1/tables/u1"), 404)
    got = client.post("/api/v1/races")
    assert got.status_code == 405
    assert got.headers["content-type"] == "application/problem+json"


def test_openapi_and_its_page_load_nothing_from_elsewhere(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/proof/inclusion" in spec["paths"]
    assert "ContestResultDoc" in spec["components"]["schemas"]
    assert "ActaVersionDoc" in spec["components"]["schemas"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert "/api/v1/races/{contest}" in page.text


def test_the_api_writes_nothing(pub: Pub) -> None:
    before = tree_fingerprint(pub.out)
    with TestClient(create_app(pub.out)) as c:
        for path in (
            "/api/v1/summary",
            "/api/v1/races/gov-A?level=parish",
            "/api/v1/tables/u2/gov-A",
            "/api/v1/proof/inclusion?index=1",
            "/api/v1/bulletins/1/diff/2",
            "/",
        ):
            c.get(path)
    assert tree_fingerprint(pub.out) == before


def test_head_answers_headers_only(client: TestClient) -> None:
    for _ in range(2):  # built by FastAPI, then sent from the cache
        got = client.head("/api/v1/bulletins")
        assert got.status_code == 200
        assert got.content == b""
        assert got.headers["content-type"] == "application/json"
        assert int(got.headers["content-length"]) > 0
