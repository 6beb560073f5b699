"""Envelopes and receipts as bytes: what is signed, canonical form, and tamper evidence."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model.canonical import canonical_json
from escrutinio.submission import (
    ENVELOPE_DOMAIN,
    ImageRef,
    ReceiptError,
    SubmissionError,
    build_envelope,
    envelope_hash,
    parse_request,
    request_body,
    verify_receipt,
)
from escrutinio.submission.receipt import receipt_body, sign_receipt

SENDER = Ed25519Signer.generate("sender-1")
LOG = Ed25519Signer.generate("log.example/x")
ACTA = {"unit": "u1", "contest": "c", "voters": 3, "null": 0, "votes": {"a": 2}}


def _envelope() -> dict[str, object]:
    image = ImageRef.of(b"\x89PNG\r\n\x1a\nxx", "image/png")
    return build_envelope(ACTA, SENDER.name, SENDER.key_id, [image], "2017-07-30T23:10:00Z")


def test_the_body_round_trips_and_the_signature_covers_the_domain_and_envelope() -> None:
    env = _envelope()
    signed = parse_request(request_body(env, SENDER))
    assert signed.envelope == env
    assert signed.sha256 == envelope_hash(env)
    assert signed.canonical == canonical_json(env)
    assert signed.verify(SENDER.verifier())
    assert SENDER.verifier().verify(ENVELOPE_DOMAIN + signed.canonical, signed.signature)
    assert not SENDER.verifier().verify(signed.canonical, signed.signature)  # prefix needed
    other = Ed25519Signer.generate("sender-1")
    assert not signed.verify(other.verifier())


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["unit", "contest"]))
@settings(max_examples=30)
def test_any_change_to_the_signed_envelope_breaks_the_signature(n: int, key: str) -> None:
    doc = json.loads(request_body(_envelope(), SENDER))
    doc["envelope"]["acta"]["voters"] = doc["envelope"]["acta"]["voters"] + n + 1
    signed = parse_request(canonical_json(doc))
    assert not signed.verify(SENDER.verifier())


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "malformed_json"),
        (b'{"a":1,"a":2}', "malformed_json"),
        (b"[1]", "malformed_json"),
        (b'{"envelope": {}, "signature": ""}', "non_canonical_json"),
        (b'{"b":1,"a":2}', "non_canonical_json"),
        (b'{"envelope":{},"signature":"x"}', "bad_envelope"),
        (b'{"envelope":1}', "bad_envelope"),
    ],
)
def test_bad_bodies_are_refused_with_a_stable_code(raw: bytes, code: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        parse_request(raw)
    assert caught.value.code == code


def test_pretty_printed_json_is_not_canonical() -> None:
    doc = json.loads(request_body(_envelope(), SENDER))
    with pytest.raises(SubmissionError) as caught:
        parse_request(json.dumps(doc, indent=1).encode())
    assert caught.value.code == "non_canonical_json"


def test_envelope_fields_are_checked_by_name() -> None:
    env = _envelope()
    env["sent_at"] = "yesterday"
    with pytest.raises(SubmissionError) as caught:
        parse_request(request_body(env, SENDER))
    assert (caught.value.code, caught.value.field) == ("bad_envelope", "envelope.sent_at")
    env = _envelope()
    env["acta"] = {**ACTA, "received_at": "2017-01-01T00:00:00Z"}
    with pytest.raises(SubmissionError) as caught:
        parse_request(request_body(env, SENDER))
    assert caught.value.field == "envelope.acta.received_at"


def _receipt() -> bytes:
    body = receipt_body(
        origin=LOG.name,
        envelope_sha256="a" * 64,
        log_index=7,
        leaf_hash=b"\x01" * 32,
        received_at="2017-07-30T23:10:05Z",
        maximum_merge_delay=300,
        sender="sender-1",
        acta={"unit": "u1", "contest": "c", "source": "s", "version": 1, "outcome": "new"},
    )
    return sign_receipt(body, LOG)


def test_a_receipt_verifies_with_the_log_key_and_states_its_deadline() -> None:
    receipt = verify_receipt(_receipt(), LOG.verifier())
    assert (receipt.log_index, receipt.envelope_sha256) == (7, "a" * 64)
    assert receipt.deadline == "2017-07-30T23:15:05Z"


def test_a_tampered_or_foreign_receipt_is_refused() -> None:
    doc = json.loads(_receipt())
    doc["receipt"]["log_index"] = 8
    with pytest.raises(ReceiptError, match="signature"):
        verify_receipt(canonical_json(doc), LOG.verifier())
    with pytest.raises(ReceiptError, match="not by this log"):
        verify_receipt(_receipt(), Ed25519Signer.generate("other").verifier())


_TEXT = st.text(st.characters(codec="utf-8"), max_size=8)


@settings(max_examples=60)
@given(
    votes=st.dictionaries(_TEXT, st.integers(0, 2**53 - 1) | st.floats(0, 10), max_size=4),
    unit=_TEXT,
)
def test_the_fast_parse_agrees_with_the_careful_one(votes: dict[str, object], unit: str) -> None:
    """Plain bodies take the C parser alone; any other (non-ASCII keys, floats) the careful
    path: the result, or the error, is the same, and the envelope's bytes are its own."""
    from escrutinio.submission.envelope import _parse_careful, envelope_bytes

    env = build_envelope({**ACTA, "unit": unit, "votes": votes}, SENDER.name, SENDER.key_id)
    try:
        raw = request_body(env, SENDER)
    except Exception:  # a float RFC 8785 cannot write: nothing to send
        return
    try:
        careful = _parse_careful(raw)
    except SubmissionError as exc:
        with pytest.raises(SubmissionError) as fast:
            parse_request(raw)
        assert fast.value.code == exc.code
        return
    signed = parse_request(raw)
    assert signed.envelope == careful["envelope"]
    assert signed.canonical == envelope_bytes(env)


def test_a_duplicated_key_is_named_even_when_the_rest_is_canonical() -> None:
    raw = request_body(_envelope(), SENDER)
    doubled = raw[:-1] + b',"signature":"x"}'
    with pytest.raises(SubmissionError) as exc:
        parse_request(doubled)
    assert exc.value.code == "malformed_json" and "twice" in exc.value.detail


@given(sender=_TEXT, log_index=st.integers(0, 2**53 - 1))
def test_a_receipt_document_is_its_own_canonical_form(sender: str, log_index: int) -> None:
    body = receipt_body(
        origin=LOG.name,
        envelope_sha256="ab" * 32,
        log_index=log_index,
        leaf_hash=b"\x01" * 32,
        received_at="2017-07-30T23:10:02Z",
        maximum_merge_delay=300,
        sender=sender,
        acta={"contest": "c", "outcome": "new", "source": "s", "unit": "u", "version": 1},
    )
    doc = sign_receipt(body, LOG)
    assert canonical_json(json.loads(doc)) == doc


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b'"voters":3', b'"voters":3.0', "non_canonical_json"),
        (b'"voters":3', b'"voters":NaN', "malformed_json"),
        (b'"voters":3', b'"voters":12345678901234567890', "non_canonical_json"),
        (b'"unit":"u1"', b'"unit":"\\u0075\\u0031"', "non_canonical_json"),
        (b'"unit":"u1"', b'"unit":"u\\/1"', "non_canonical_json"),
    ],
)
def test_bodies_the_fast_parse_passes_on_get_the_careful_answer(
    old: bytes, new: bytes, code: str
) -> None:
    raw = request_body(_envelope(), SENDER)
    assert old in raw
    with pytest.raises(SubmissionError) as exc:
        parse_request(raw.replace(old, new))
    assert exc.value.code == code
