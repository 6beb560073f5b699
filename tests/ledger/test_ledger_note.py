"""Signed notes: the golang.org/x/mod/sumdb/note vector, parsing and verification rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.note import (
    Ed25519Signer,
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    Signature,
    UnverifiedNoteError,
    add_signatures,
    check_key_name,
    compute_key_id,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

# Published in golang.org/x/mod/sumdb/note (package documentation and tests).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
OTHER = Ed25519Signer("example.org/other", bytes(range(32)))


def test_go_vector_keys_round_trip() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert signer.signer_key() == GO_SKEY
    assert signer.verifier().verifier_key() == GO_VKEY
    assert parse_verifier_key(GO_VKEY) == signer.verifier()
    assert signer.key_id == 0xC74F20A3
    assert "AYEK" not in repr(signer)


def test_go_vector_signature_is_reproduced_byte_for_byte() -> None:
    assert sign_note(GO_TEXT, [parse_signer_key(GO_SKEY)]) == GO_NOTE


def test_go_vector_opens() -> None:
    opened = open_note(GO_NOTE, [parse_verifier_key(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert opened.verified_names == ("PeterNeumann",)
    assert opened.unknown == () and opened.invalid == ()
    assert open_note(GO_NOTE.encode(), [parse_verifier_key(GO_VKEY)]).text == GO_TEXT


def test_tampered_text_is_rejected() -> None:
    bad = GO_NOTE.replace("cryptography", "cryptographY")
    with pytest.raises(InvalidSignatureError):
        open_note(bad, [parse_verifier_key(GO_VKEY)])
    with pytest.raises(UnverifiedNoteError):
        open_note(bad, [parse_verifier_key(GO_VKEY)], reject_invalid=False)


def test_unknown_signers_are_ignored_and_reported() -> None:
    both = add_signatures(GO_NOTE, [OTHER])
    opened = open_note(both, [parse_verifier_key(GO_VKEY)])
    assert opened.verified_names == ("PeterNeumann",)
    assert [s.name for s in opened.unknown] == ["example.org/other"]
    with pytest.raises(UnverifiedNoteError):
        open_note(GO_NOTE, [OTHER.verifier()])


def test_same_name_other_key_is_unknown_not_invalid() -> None:
    impostor = Ed25519Signer("PeterNeumann", bytes(32))
    note = sign_note(GO_TEXT, [impostor])
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [parse_verifier_key(GO_VKEY)])


def test_invalid_known_signature_reported_when_not_rejecting() -> None:
    forged = Signature("example.org/other", OTHER.key_id, bytes(64)).line()
    note = GO_NOTE + forged
    opened = open_note(note, [parse_verifier_key(GO_VKEY), OTHER.verifier()], reject_invalid=False)
    assert opened.verified_names == ("PeterNeumann",)
    assert [s.name for s in opened.invalid] == ["example.org/other"]
    with pytest.raises(InvalidSignatureError):
        open_note(note, [parse_verifier_key(GO_VKEY), OTHER.verifier()])


def test_add_signatures_replaces_own_and_keeps_others() -> None:
    note = add_signatures(GO_NOTE, [OTHER])
    again = add_signatures(note, [OTHER])
    assert again == note
    assert len(parse_note(again).signatures) == 2


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0x", "line\nbreak", "\x7fdel"]
)
def test_bad_key_names(name: str) -> None:
    with pytest.raises(KeyFormatError):
        check_key_name(name)


def test_key_id_derivation() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert compute_key_id("PeterNeumann", 0x01, signer.public_key) == 0xC74F20A3
    assert compute_key_id("PeterNeumann", 0x04, signer.public_key) != 0xC74F20A3


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+AhpcCQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW==",
    ],
)
def test_mangled_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_verifier_key(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        GO_SKEY.replace("PRIVATE", "PUBLIC"),
        GO_SKEY.replace("c74f20a3", "c74f20a4"),
        GO_SKEY[:-2],
        GO_VKEY,
    ],
)
def test_mangled_signer_keys_are_rejected(skey: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_signer_key(skey)


@pytest.mark.parametrize(
    "note",
    [
        GO_NOTE[:-1],  # no final newline
        GO_TEXT,  # no signatures
        GO_TEXT + "\n",  # blank line but no signature lines
        GO_TEXT.replace("\n", "\n", 1) + "\n- PeterNeumann AAAAAAA=\n",  # hyphen, not em dash
        GO_TEXT + "\n— PeterNeumann !!!\n",
        GO_TEXT + "\n— PeterNeumann AAAA\n",  # too short
        GO_TEXT + "\n— PeterNeumann  x08go\n",
        "bell\x07\n\n— a AAAAAAA=\n",
        "lone \ud800 surrogate\n\n— a AAAAAAA=\n",
        b"\xff\n\n",
    ],
)
def test_malformed_notes(note: str | bytes) -> None:
    with pytest.raises(MalformedNoteError):
        parse_note(note)


def test_sign_note_rejects_bad_text_and_no_signers() -> None:
    with pytest.raises(MalformedNoteError):
        sign_note("no newline", [OTHER])
    with pytest.raises(NoteError):
        sign_note("text\n", [])


@dataclass(frozen=True)
class CollidingVerifier:
    """A verifier that claims the Go key's name and ID but accepts everything."""

    name: str = "PeterNeumann"
    key_id: int = 0xC74F20A3

    def verify(self, text: bytes, signature: bytes) -> bool:
        return True


def test_conflicting_verifiers_are_rejected() -> None:
    with pytest.raises(KeyFormatError):
        open_note(GO_NOTE, [parse_verifier_key(GO_VKEY), CollidingVerifier()])


@settings(max_examples=25, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), max_size=40))
def test_any_valid_text_round_trips(line: str) -> None:
    text = line + "\n\nsecond paragraph\n"
    note = sign_note(text, [OTHER])
    opened = open_note(note, [OTHER.verifier()])
    assert opened.text == text
