"""Checkpoint bodies: format, parse and validation."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from escrutinio.ledger.merkle import EMPTY_ROOT
from escrutinio.ledger.note import Ed25519Signer, InvalidSignatureError, UnverifiedNoteError

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_spec_example_round_trips() -> None:
    cp = parse_checkpoint(SPEC_BODY)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.extensions == ()
    assert cp.body() == SPEC_BODY


def test_empty_tree_and_extensions() -> None:
    cp = Checkpoint("escrutinio.example/2024", 0, EMPTY_ROOT, ("Timestamp: 1700000000",))
    body = cp.body()
    assert body.splitlines()[1] == "0"
    assert body.endswith("Timestamp: 1700000000\n")
    assert parse_checkpoint(body) == cp


ROOT_B64 = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"o\n1\n{ROOT_B64}",  # no final newline
        "o\n1\n",  # too few lines
        f"\n1\n{ROOT_B64}\n",  # empty origin
        f"o\n01\n{ROOT_B64}\n",  # leading zero
        f"o\n-1\n{ROOT_B64}\n",
        f"o\n1e3\n{ROOT_B64}\n",
        f"o\n١\n{ROOT_B64}\n",  # non-ASCII digit
        f"o\n18446744073709551616\n{ROOT_B64}\n",  # 2^64
        "o\n1\nAAAA\n",  # 3-byte root
        f"o\n1\n{ROOT_B64[:-1]}\n",  # broken padding
        f"o\n1\n{ROOT_B64}\n\n",  # empty extension line
        f"o\n1\n{ROOT_B64.replace('A', '-', 1)}\n",  # URL-safe alphabet
        f"o\x01\n1\n{ROOT_B64}\n",  # control character
    ],
)
def test_malformed_checkpoints(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_constructor_validation() -> None:
    with pytest.raises(CheckpointError):
        Checkpoint("o", 1, b"short")
    with pytest.raises(CheckpointError):
        Checkpoint("o\nx", 1, bytes(32))
    with pytest.raises(CheckpointError):
        Checkpoint("o", -1, bytes(32))


@given(
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x2FFF, exclude_characters="\x7f"),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1), max_size=3
    ),
)
def test_round_trip(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(ext))
    assert parse_checkpoint(cp.body()) == cp


LOG = Ed25519Signer("escrutinio.example/log", bytes([7]) * 32)


def test_sign_and_open_checkpoint() -> None:
    cp = Checkpoint("escrutinio.example/log", 42, bytes(range(32)))
    note = sign_checkpoint(cp, [LOG])
    assert note.startswith(cp.body() + "\n— escrutinio.example/log ")
    assert open_checkpoint(note, LOG.verifier()) == cp
    with pytest.raises(InvalidSignatureError):
        open_checkpoint(note.replace("\n42\n", "\n43\n"), LOG.verifier())
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(note, Ed25519Signer("escrutinio.example/log", bytes(32)).verifier())


def test_open_checkpoint_checks_origin() -> None:
    cp = Checkpoint("other.example/log", 1, bytes(32))
    note = sign_checkpoint(cp, [LOG])
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(note, LOG.verifier())
    assert open_checkpoint(note, LOG.verifier(), origin="other.example/log") == cp


def test_signer_repr_hides_secret() -> None:
    assert "seed" not in repr(LOG)
    assert bytes([7]).hex() * 4 not in repr(LOG)
