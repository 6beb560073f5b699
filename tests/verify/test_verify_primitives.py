"""The verifier's own Merkle tree, tile reader and note checks agree with the writing path."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.checkpoint import Checkpoint, sign_checkpoint
from escrutinio.ledger.cosignature import CosignatureSigner, cosign
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.merkle import MerkleTree, mth
from escrutinio.ledger.tiles import render_tiles
from escrutinio.verify.merkle import EMPTY, Tree, check_inclusion, hash_leaf
from escrutinio.verify.notes import (
    NoteProblem,
    check_cosignature,
    check_every_signature,
    check_log_signature,
    parse_key,
    parse_signed_note,
)
from escrutinio.verify.tiles import TileProblem, read_entries

# RFC 6962 reference leaves (the CT test vectors) and the root of all 8.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
RFC6962_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def test_rfc6962_root() -> None:
    tree = Tree()
    for leaf in RFC6962_LEAVES:
        tree.add(hash_leaf(leaf))
    assert tree.root().hex() == RFC6962_ROOT_8
    assert Tree().root() == EMPTY


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_tree_matches_reference(leaves: list[bytes], data: st.DataObject) -> None:
    tree = Tree()
    ref = MerkleTree()
    for leaf in leaves:
        tree.add(hash_leaf(leaf))
        ref.append(hash_leaf(leaf))
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    assert tree.root(size) == mth(leaves[:size])
    proof = tree.inclusion(index, size)
    assert proof == ref.inclusion_proof(index, size)
    assert check_inclusion(index, size, hash_leaf(leaves[index]), proof, tree.root(size))
    assert not check_inclusion(index, size, hash_leaf(b"other"), proof, tree.root(size))


def test_tiles_round_trip_and_forgery() -> None:
    entries = [f"entry {i}".encode() for i in range(600)]
    ref = MerkleTree.from_leaf_hashes(hashlib.sha256(b"\x00" + e).digest() for e in entries)
    files = render_tiles(ref, entries, len(entries))
    tree, read = read_entries(len(entries), files.__getitem__)
    assert read == entries and tree.root() == ref.root()
    bad = dict(files)
    path = "tile/entries/001"
    bad[path] = bad[path][:5] + b"X" + bad[path][6:]
    with pytest.raises(TileProblem, match="does not match entry"):
        read_entries(len(entries), bad.__getitem__)


def test_notes_and_cosignatures() -> None:
    log = generate_key("log.example/x")
    witness = CosignatureSigner.from_signer(generate_key("w.example/y"))
    note = cosign(sign_checkpoint(Checkpoint(log.name, 5, b"\x02" * 32), [log]), witness)
    parsed = parse_signed_note(note)
    log_key = parse_key(log.verifier().verifier_key())
    w_key = parse_key(witness.verifier().verifier_key())
    assert log_key.key_string() == log.verifier().verifier_key()
    body = check_log_signature(parsed, log_key)
    assert (body.origin, body.size) == (log.name, 5)
    assert check_cosignature(parsed, w_key) is not None
    check_every_signature(parsed, [log_key, w_key])
    with pytest.raises(NoteProblem, match="not from a published key"):
        check_every_signature(parsed, [log_key])
    tampered = parse_signed_note(note.replace("\n5\n", "\n6\n"))
    with pytest.raises(NoteProblem, match="does not verify"):
        check_log_signature(tampered, log_key)
    with pytest.raises(NoteProblem):
        parse_key(log.verifier().verifier_key()[:-2] + "AA")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=6))
def test_extend_in_chunks_equals_add(chunks: list[int]) -> None:
    one, bulk = Tree(), Tree()
    n = 0
    for size in chunks:
        leaves = [hash_leaf(str(n + i).encode()) for i in range(size)]
        n += size
        for leaf in leaves:
            one.add(leaf)
        bulk.extend(leaves)
        assert bulk.levels == one.levels
    assert bulk.root() == one.root()
