"""Proofs from tiles agree with the in-memory tree and fail on forged tiles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.merkle import MerkleTree, ProofError, leaf_hash, verify_consistency
from escrutinio.ledger.tiled import TiledTree, verified_inclusion
from escrutinio.ledger.tiles import TileError, render_tiles

N = 70_000
TREE = MerkleTree.from_leaf_hashes(leaf_hash(i.to_bytes(4, "big")) for i in range(N))
FILES_BY_SIZE: dict[int, dict[str, bytes]] = {}


def files_for(size: int) -> dict[str, bytes]:
    if size not in FILES_BY_SIZE:
        FILES_BY_SIZE[size] = render_tiles(TREE, None, size)
    return FILES_BY_SIZE[size]


SIZES = [1, 2, 255, 256, 257, 65535, 65536, 65537, N]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SIZES).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_from_tiles_matches_tree(case: tuple[int, int]) -> None:
    size, index = case
    tiled = TiledTree(size, files_for(size).__getitem__)
    assert tiled.root() == TREE.root(size)
    assert tiled.inclusion_proof(index, size) == TREE.inclusion_proof(index, size)
    assert tiled.fetched <= 12


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SIZES).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_from_tiles_matches_tree(case: tuple[int, int]) -> None:
    old, new = case
    tiled = TiledTree(new, files_for(new).__getitem__)
    proof = tiled.consistency_proof(old, new)
    assert proof == TREE.consistency_proof(old, new)
    verify_consistency(old, new, proof, TREE.root(old), TREE.root(new))


def test_verified_inclusion_and_forged_tile() -> None:
    files = dict(files_for(N))
    root = TREE.root(N)
    index = 12345
    proof = verified_inclusion(index, TREE.leaf_hash_at(index), N, root, files.__getitem__)
    assert proof == TREE.inclusion_proof(index, N)
    files["tile/0/048"] = bytes(32) + files["tile/0/048"][32:]  # entries 12288..12543
    with pytest.raises(ProofError):
        verified_inclusion(index, TREE.leaf_hash_at(index), N, root, files.__getitem__)


def test_missing_or_short_tiles() -> None:
    files = dict(files_for(300))
    files["tile/0/001.p/44"] = files["tile/0/001.p/44"][:-1]
    with pytest.raises(TileError):
        TiledTree(300, files.__getitem__).root()
    with pytest.raises(ProofError):
        TiledTree(300, files.__getitem__).stored_hash(0, 300)
    with pytest.raises(TileError):
        TiledTree(-1, files.__getitem__)
