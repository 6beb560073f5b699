"""Merkle tree: RFC 6962 / Certificate Transparency vectors and proof invariants."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    leaf_hash,
    mth,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAVES = [
    h(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    h(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# Published inclusion proofs (leaf index, tree size, path) for the leaves above.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# Published consistency proofs (old size, new size, proof).
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def vector_tree() -> MerkleTree:
    return MerkleTree.from_leaf_hashes(leaf_hash(x) for x in LEAVES)


def data_leaves(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(n)]


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), written recursively."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*ref_path(m, leaves[:k]), mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), written recursively."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def test_hash_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def test_empty_tree_root() -> None:
    tree = MerkleTree()
    assert tree.root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert mth([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_roots_for_sizes_1_to_8() -> None:
    tree = vector_tree()
    for size in range(1, 9):
        assert tree.root(size) == ROOTS[size - 1]
        assert mth(LEAVES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_published_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    tree = vector_tree()
    proof = tree.inclusion_proof(index, size)
    assert [p.hex() for p in proof] == path
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_published_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    tree = vector_tree()
    proof = tree.consistency_proof(old, new)
    assert [p.hex() for p in proof] == path
    verify_consistency(old, new, proof, ROOTS[old - 1], ROOTS[new - 1])


def test_published_proofs_reject_wrong_inputs() -> None:
    proof = [h(x) for x in INCLUSION[2][2]]
    with pytest.raises(ProofError):
        verify_inclusion(4, 8, leaf_hash(LEAVES[5]), proof, ROOTS[7])
    cons = [h(x) for x in CONSISTENCY[2][2]]
    with pytest.raises(ProofError):
        verify_consistency(6, 8, cons, ROOTS[4], ROOTS[7])


def test_root_of_past_sizes_matches_reference() -> None:
    leaves = data_leaves(300)
    tree = MerkleTree.from_leaf_hashes(leaf_hash(x) for x in leaves)
    for size in range(0, 301, 7):
        assert tree.root(size) == mth(leaves[:size])


def test_append_rejects_bad_hash_and_range_errors() -> None:
    tree = vector_tree()
    with pytest.raises(ValueError):
        tree.append(b"short")
    with pytest.raises(ProofError):
        tree.root(9)
    with pytest.raises(ProofError):
        tree.inclusion_proof(8, 8)
    with pytest.raises(ProofError):
        tree.consistency_proof(5, 4)
    with pytest.raises(IndexError):
        tree.leaf_hash_at(8)
    assert tree.leaf_hash_at(3) == leaf_hash(LEAVES[3])
    assert tree.append(leaf_hash(b"x")) == 8
    assert len(tree) == 9


def test_consistency_edge_cases() -> None:
    tree = vector_tree()
    assert tree.consistency_proof(0, 8) == []
    verify_consistency(0, 8, [], EMPTY_ROOT, ROOTS[7])
    verify_consistency(8, 8, [], ROOTS[7], ROOTS[7])
    with pytest.raises(ProofError):
        verify_consistency(8, 8, [], ROOTS[6], ROOTS[7])
    with pytest.raises(ProofError):
        verify_consistency(3, 8, [], ROOTS[2], ROOTS[7])
    with pytest.raises(ProofError):
        verify_consistency(0, 8, [ROOTS[0]], EMPTY_ROOT, ROOTS[7])


SMALL = data_leaves(160)
SMALL_TREE = MerkleTree.from_leaf_hashes(leaf_hash(x) for x in SMALL)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 160).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_matches_rfc_definition_and_verifies(case: tuple[int, int]) -> None:
    size, index = case
    proof = SMALL_TREE.inclusion_proof(index, size)
    assert proof == ref_path(index, SMALL[:size])
    root = SMALL_TREE.root(size)
    verify_inclusion(index, size, leaf_hash(SMALL[index]), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash(b"forged"), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash(SMALL[index]), proof, leaf_hash(b"root"))
    if size > 1:
        other = (index + 1) % size
        with pytest.raises(ProofError):
            verify_inclusion(other, size, leaf_hash(SMALL[index]), proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf_hash(SMALL[index]), proof[:-1], root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 160).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_matches_rfc_definition_and_verifies(case: tuple[int, int]) -> None:
    old, new = case
    proof = SMALL_TREE.consistency_proof(old, new)
    expected = [] if old == new else ref_subproof(old, SMALL[:new], True)
    assert proof == expected
    old_root, new_root = SMALL_TREE.root(old), SMALL_TREE.root(new)
    verify_consistency(old, new, proof, old_root, new_root)
    if old < new:
        with pytest.raises(ProofError):
            verify_consistency(old, new, proof, leaf_hash(b"x"), new_root)
        with pytest.raises(ProofError):
            verify_consistency(old, new, proof, old_root, leaf_hash(b"y"))
        tampered = [bytes(32), *proof[1:]]
        with pytest.raises(ProofError):
            verify_consistency(old, new, tampered, old_root, new_root)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70))
def test_incremental_roots_equal_reference(leaves: list[bytes]) -> None:
    tree = MerkleTree()
    for i, data in enumerate(leaves):
        tree.append(leaf_hash(data))
        assert tree.root() == mth(leaves[: i + 1])
