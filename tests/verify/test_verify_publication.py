"""The independent verifier accepts an honest publication and reports what it checked."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ledger_pubkit import Pub

from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.verify.verifier import verify_acta, verify_publication

VERIFY_DIR = Path(__file__).parents[2] / "src" / "escrutinio" / "verify"


def test_honest_publication_verifies_with_witness_quorum(pub: Pub, tmp_path: Path) -> None:
    report = verify_publication(pub.out, pub.log_key, [pub.witness_key], 1, tmp_path / "st")
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.witnesses == ["witness.example/observer"]
    assert report.size == store_log.log_size(pub.store)
    names = [c.name for c in report.checks]
    assert names[:4] == ["manifest", "checkpoint", "binding", "tiles"]
    assert names[-1] == "coverage" and report.uncovered == []
    assert "bulletins" in names
    # the state now remembers the checkpoint; verifying again stays consistent
    again = verify_publication(pub.out, pub.log_key, [pub.witness_key], 1, tmp_path / "st")
    assert again.ok
    assert "1 checkpoint(s) seen before" in next(
        c.detail for c in again.checks if c.name == "history"
    )


def test_collected_cosignature_is_in_the_checkpoint(pub: Pub) -> None:
    (pub.out / "cosignatures" / "witness.example" / "observer.note").unlink()
    assert verify_publication(pub.out, pub.log_key, [pub.witness_key], 1).ok


def test_missing_quorum_fails(pub: Pub) -> None:
    from escrutinio.ledger.cosignature import CosignatureSigner
    from escrutinio.ledger.keys import generate_key
    from escrutinio.verify.notes import parse_key

    stranger = CosignatureSigner.from_signer(generate_key("witness.example/other"))
    other = parse_key(stranger.verifier().verifier_key())
    report = verify_publication(pub.out, pub.log_key, [pub.witness_key, other], 2)
    assert not report.ok
    assert "1 of the required 2 witnesses" in report.failures()[0].detail


def test_wrong_log_key_fails(pub: Pub) -> None:
    from escrutinio.ledger.keys import generate_key
    from escrutinio.verify.notes import parse_key

    wrong = parse_key(generate_key(pub.signer.name).verifier().verifier_key())
    report = verify_publication(pub.out, wrong)
    assert not report.ok
    assert "checkpoint" in [c.name for c in report.failures()]


def test_acta_copy_found_with_inclusion_proof(pub: Pub) -> None:
    acta = {
        "unit": "u5",
        "contest": "gov-B",
        "source": store_definitions.read_definition(pub.store).info.official_source,
        "votes": {"b1": 200, "b2": 150},
        "null": 2,
        "blank": 1,
        "voters": 400,
    }
    proof = verify_acta(pub.out, pub.log_key, acta)
    assert proof.found and proof.counting and proof.version == 1
    assert proof.proof and proof.index is not None
    changed = {**acta, "votes": {"b1": 201, "b2": 150}}
    missing = verify_acta(pub.out, pub.log_key, changed)
    assert not missing.found
    assert missing.others and "$.votes.b1: 201 != 200" in missing.others[0]["differences"]


def test_superseded_version_is_in_log_but_not_counting(pub: Pub) -> None:
    acta = {
        "unit": "u2",
        "contest": "gov-A",
        "source": store_definitions.read_definition(pub.store).info.official_source,
        "votes": {"a1-psuv": 120, "a1-pcv": 30, "a2-mud": 190, "a3": 5},
        "null": 2,
        "blank": 1,
        "voters": 350,
    }
    proof = verify_acta(pub.out, pub.log_key, acta)
    assert proof.found and proof.version == 1 and proof.counting is False


def test_results_match_published_bulletins(pub: Pub) -> None:
    index = (pub.out / "bulletins" / "index.csv").read_text().splitlines()
    assert len(index) == 3
    doc = json.loads((pub.out / "bulletins" / "2.json").read_bytes())
    assert doc["number"] == 2


def test_verifier_imports_only_model_tally_and_audit_statistics() -> None:
    """The verifier keeps its own readers; the pure audit statistics (the published risk
    measures, no workflow code) are the one other package it uses (docs/architecture.md)."""
    allowed = (
        "escrutinio.model",
        "escrutinio.tally",
        "escrutinio.verify",
        "escrutinio.audit.stats",
    )
    for path in VERIFY_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("escrutinio"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
