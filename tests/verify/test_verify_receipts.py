"""Receipts against the next publication: included with an inclusion proof, not yet
published, or evidence of a receipt for an envelope the log does not hold; and the
verifier's own check of senders.json and every envelope signature."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json
from escrutinio.publish.site import publish
from escrutinio.store.senders import revoke_sender
from escrutinio.submission.receipt import receipt_body, sign_receipt
from escrutinio.verify.acta import verify_receipt
from escrutinio.verify.notes import PublicKey, parse_key
from escrutinio.verify.submissions import SubmissionProblem
from escrutinio.verify.verifier import verify_publication
from submission_kit import Kit, acta, body, make_kit
from support import DB_KINDS, fresh_db_url


@pytest.fixture(params=DB_KINDS)
def kit(request: pytest.FixtureRequest, tmp_path: Path, definition: Definition) -> Iterator[Kit]:
    with fresh_db_url(request.param, tmp_path) as url:
        k = make_kit(url, definition, tmp_path)
        yield k
        k.store.close()


def _key(kit: Kit) -> PublicKey:
    return parse_key(kit.log.verifier().verifier_key())


def test_receipts_verify_against_the_next_publication(kit: Kit, tmp_path: Path) -> None:
    receiver = kit.receiver()
    first = receiver.submit(body(kit.official, acta())).receipt
    copy = acta(source="witness:MUD", votes={"a1-psuv": 90, "a1-pcv": 20, "a2-mud": 160, "a3": 5})
    second = receiver.submit(body(kit.witness, copy)).receipt
    revoke_sender(kit.store, kit.witness.name, "device lost")
    out = tmp_path / "pub"
    publish(kit.store, out, kit.log)
    report = verify_publication(out, _key(kit))
    assert report.ok, [c.detail for c in report.failures()]
    step = next(c for c in report.checks if c.name == "submissions")
    assert "2 sender(s)" in step.detail and "2 envelope signature(s)" in step.detail
    registry = json.loads((out / "senders.json").read_text())["senders"]
    assert [s["revocation_reason"] for s in registry] == [None, "device lost"]
    for receipt in (first, second):
        check = verify_receipt(out, _key(kit), receipt)
        assert check.status == "included" and check.proof
    later = receiver.submit(body(kit.official, acta("u2"))).receipt
    assert verify_receipt(out, _key(kit), later).status == "pending"


def test_a_receipt_for_a_leaf_the_log_does_not_hold_is_evidence(kit: Kit, tmp_path: Path) -> None:
    receiver = kit.receiver()
    real = json.loads(receiver.submit(body(kit.official, acta())).receipt)["receipt"]
    out = tmp_path / "pub"
    publish(kit.store, out, kit.log)
    forged = sign_receipt(
        receipt_body(
            origin=kit.log.name,
            envelope_sha256="e" * 64,
            log_index=real["log_index"],
            leaf_hash=bytes.fromhex(real["leaf_hash"]),
            received_at=real["received_at"],
            maximum_merge_delay=300,
            sender=real["sender"],
            acta=real["acta"],
        ),
        kit.log,
    )
    check = verify_receipt(out, _key(kit), forged)
    assert check.status == "evidence"
    assert "evidence: the authority signed a receipt" in check.detail
    doc = json.loads(forged)
    doc["receipt"]["log_index"] = 0
    with pytest.raises(SubmissionProblem):
        verify_receipt(out, _key(kit), canonical_json(doc))


def test_a_tampered_sender_registry_fails_verification(kit: Kit, tmp_path: Path) -> None:
    kit.receiver().submit(body(kit.official, acta()))
    out = tmp_path / "pub"
    publish(kit.store, out, kit.log)
    path = out / "senders.json"
    path.write_bytes(path.read_bytes().replace(b'"regions":["A"]', b'"regions":["B"]'))
    report = verify_publication(out, _key(kit))
    assert not report.ok


def test_the_verifier_refuses_an_envelope_leaf_with_a_forged_signature(kit: Kit) -> None:
    from escrutinio.store import log as store_log
    from escrutinio.verify.record import read_record
    from escrutinio.verify.submissions import check_envelopes

    kit.receiver().submit(body(kit.official, acta()))
    entries = [e.body for e in store_log.log_entries(kit.store)]
    record = read_record(entries)
    assert check_envelopes(record.submissions, record.actas) == 1
    index, leaf = record.submissions[-1]
    forged = {**leaf, "envelope": {**leaf["envelope"], "sent_at": "2017-10-16T00:00:00Z"}}
    from escrutinio.submission import envelope_hash

    forged["envelope_sha256"] = envelope_hash(forged["envelope"])
    with pytest.raises(SubmissionProblem, match="signature does not verify"):
        check_envelopes([*record.submissions[:-1], (index, forged)], record.actas)
    other = {**leaf, "acta_index": record.submissions[0][0]}
    with pytest.raises(SubmissionProblem, match="acta"):
        check_envelopes([*record.submissions[:-1], (index, other)], record.actas)
