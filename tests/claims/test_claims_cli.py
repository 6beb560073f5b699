"""``escrutinio claims`` on the 2017 demo store: the seed sentences, JSON keys, verdicts
pinned to bulletins and checkpoints, verdict changes across bulletins, ClaimReview,
structured claims files, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.store import bulletins as store_bulletins
from escrutinio.store.checkpoints import leaf_hashes
from escrutinio.store.store import Store

ROLES = ["--role", "incumbent=GPP", "--role", "opposition=MUD"]


def run(db: Path, *args: str, code: int | None = None) -> Any:
    result = CliRunner().invoke(app, ["claims", "--db", str(db), *args])
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def as_json(db: Path, *args: str, code: int = 0) -> list[dict[str, Any]]:
    result = run(db, *args, "--format", "json", code=code)
    docs: list[dict[str, Any]] = json.loads(result.stdout)
    return docs


def test_seed_64_percent_is_inaccurate_at_bulletin_2(db2017: Path) -> None:
    [doc] = as_json(db2017, "64% of the national vote", "--bulletin", "2", *ROLES, code=1)
    assert doc["claim"] == "64% of the national vote"
    assert doc["verdict"] == "inaccurate"
    first = doc["readings"][0]
    for key in ("reading", "value", "claimed", "verdict", "bulletin", "checkpoint"):
        assert key in first
    assert first["subject"] == "GPP" and first["denominator"] == "valid"
    assert round(first["value"], 2) == 52.67
    assert first["bulletin"] == 2
    store = Store.open(str(db2017))
    try:
        size = store_bulletins.bulletin(store, 2)["log_size"]
        with store.engine.connect() as conn:
            root = MerkleTree.from_leaf_hashes(leaf_hashes(conn)).root(size).hex()
    finally:
        store.close()
    assert first["checkpoint"] == {"size": size, "root_hash": root}


def test_seats_change_between_bulletins(db2017: Path) -> None:
    [doc] = as_json(
        db2017,
        "the ruling party won 17 of 23 governorships",
        "--bulletin",
        "1",
        "--bulletin",
        "2",
        *ROLES,
    )
    assert doc["verdict"] == "accurate"  # judged at the first snapshot asked for
    [change] = doc["changes"]
    assert [(v["bulletin"], v["verdict"]) for v in change["verdicts"]] == [
        (1, "accurate"),
        (2, "inaccurate"),
    ]
    assert doc["readings"][1]["value"] == 18


def test_all_bulletins_adds_final(db2017: Path) -> None:
    [doc] = as_json(
        db2017, "18 de 23 gobernaciones para el oficialismo", "--all-bulletins", *ROLES, code=1
    )
    assert [v["bulletin"] for v in doc["changes"][0]["verdicts"]] == [1, 2, "final"]
    assert [v["verdict"] for v in doc["changes"][0]["verdicts"]] == [
        "inaccurate",
        "accurate",
        "accurate",
    ]


def test_seed_voters_and_electorate(db2017: Path) -> None:
    [doc] = as_json(
        db2017, "almost 11 million people vote — 61 per cent of the 18 million electorate"
    )
    assert [a["measure"] for a in doc["assertions"]] == ["voters", "turnout", "electorate"]
    assert doc["verdict"] == "approximately_accurate"


def test_claimreview(db2017: Path) -> None:
    result = run(
        db2017, "El GPP obtuvo 52,67% de los votos válidos", "--format", "claimreview", code=0
    )
    [review] = json.loads(result.stdout)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "El GPP obtuvo 52,67% de los votos válidos"
    assert review["reviewRating"]["alternateName"] == "Accurate"
    assert "root" in review["reviewBody"]


def test_table_output(db2017: Path) -> None:
    result = run(db2017, "Turnout was above 60 per cent", code=0)
    assert "accurate" in result.stdout and "final" in result.stdout


def test_structured_claims_file(db2017: Path, tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(
        "roles: {incumbent: GPP}\n"
        "claims:\n"
        "  - 'the ruling party won 18 of 23 governorships'\n"
        "  - {measure: share, subject: GPP, denominator: cast, value: 52.6, bulletin: 2}\n"
        "  - {measure: seats, subject: MUD, value: 5, out_of: 23}\n"
        "  - {measure: winner, subject: Andrés Velásquez, scope: Bolívar, counting: leading,"
        " bulletin: 1}\n",
        encoding="utf-8",
    )
    docs = as_json(db2017, "--file", str(path))
    assert [d["verdict"] for d in docs] == [
        "accurate",
        "approximately_accurate",
        "accurate",
        "accurate",
    ]
    assert len(docs[1]["readings"]) == 1  # a structured claim has exactly one reading
    assert docs[1]["readings"][0]["denominator"] == "cast"


def test_errors_are_clear(db2017: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("claims:\n  - {measure: share, subject: Nobody, value: 3}\n", encoding="utf-8")
    result = run(db2017, "--file", str(bad), code=2)
    assert "claim 1" in result.output and "Nobody" in result.output
    bad.write_text("claims: [1, 2", encoding="utf-8")
    assert "not valid YAML" in run(db2017, "--file", str(bad), code=2).output
    assert "no bulletin 9" in run(db2017, "x", "--bulletin", "9", code=2).output
    assert "--role" in run(db2017, "x", "--role", "king=GPP", code=2).output
    assert "--format" in run(db2017, "x", "--format", "xml", code=2).output
    assert "give a claim" in run(db2017, code=2).output


def test_unparsed_claim_is_not_checkable(db2017: Path) -> None:
    [doc] = as_json(db2017, "La oposición denunció irregularidades")
    assert doc["verdict"] == "not_checkable"
    assert doc["problem"] and doc["readings"] == []
