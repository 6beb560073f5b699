"""A tree resumed from its saved nodes (`escrutinio.ledger.resumed`) is the same RFC 9162
tree as one rebuilt from every leaf: roots at every later size, stored nodes, level rows,
proofs and the nodes saved again; tampered nodes and leaf hashes are refused."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.merkle import MerkleTree, ProofError
from escrutinio.ledger.resumed import UPPER, ResumedTree, saved_nodes, saved_nodes_length


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


def _resumed(leaves: list[bytes], base: int) -> tuple[ResumedTree, list[int]]:
    """The tree resumed at ``base`` and grown to every leaf; the calls for old leaves."""
    calls: list[int] = []

    def old() -> bytes:
        calls.append(base)
        return b"".join(leaves[:base])

    prefix = MerkleTree.from_leaf_hashes(leaves[:base])
    tree = ResumedTree.resume(base, saved_nodes(prefix, base), prefix.root(), old)
    tree.extend(leaves[base:])
    return tree, calls


SPLITS = st.integers(0, 1400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=60, deadline=None)
@given(SPLITS)
def test_a_resumed_tree_is_the_rebuilt_tree(case: tuple[int, int]) -> None:
    base, n = case
    leaves = _leaves(n)
    full = MerkleTree.from_leaf_hashes(leaves)
    tree, calls = _resumed(leaves, base)
    assert tree.size == n and tree.base == base
    for k in range(base, n + 1):  # roots from the mark on need no old leaf
        assert tree.root(k) == full.root(k)
    assert saved_nodes(tree, n) == saved_nodes(full, n)
    assert calls == []
    for height in range(max(1, n.bit_length())):
        count = n >> height
        assert tree.level_bytes(height, 0, count) == full.level_bytes(height, 0, count)
    for k in range(0, n + 1, max(1, n // 7)):
        assert tree.root(k) == full.root(k)
    if n:
        index = (base * 7) % n
        assert tree.inclusion_proof(index) == full.inclusion_proof(index)
        assert tree.consistency_proof(max(1, base // 2)) == full.consistency_proof(
            max(1, base // 2)
        )
    assert len(calls) <= 1  # old leaves are asked for once


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 1400))
def test_old_blocks_match_only_their_own_hashes(base: int) -> None:
    leaves = _leaves(base)
    tree, _ = _resumed(leaves, base)
    blocks = (base + (1 << UPPER) - 1) >> UPPER
    for block in {0, blocks // 2, blocks - 1}:
        lo, hi = block << UPPER, min((block + 1) << UPPER, base)
        good = b"".join(leaves[lo:hi])
        assert tree.old_block_matches(block, good)
        bad = bytearray(good)
        bad[-1] ^= 1
        assert not tree.old_block_matches(block, bytes(bad))
        assert not tree.old_block_matches(block, good[:-32])
    assert not tree.old_block_matches(blocks, b"")


def test_tampered_nodes_or_root_are_refused() -> None:
    leaves = _leaves(3 * 256 + 77)
    prefix = MerkleTree.from_leaf_hashes(leaves)
    nodes = saved_nodes(prefix, prefix.size)
    assert len(nodes) == saved_nodes_length(prefix.size)
    for pos in (0, len(nodes) - 1, len(nodes) // 2):
        bad = bytearray(nodes)
        bad[pos] ^= 1
        with pytest.raises(ProofError):
            ResumedTree.resume(prefix.size, bytes(bad), prefix.root(), bytes)
    with pytest.raises(ProofError, match="root"):
        ResumedTree.resume(prefix.size, nodes, bytes(32), bytes)
    with pytest.raises(ProofError, match="not those of a tree"):
        ResumedTree.resume(prefix.size + 2, nodes, prefix.root(), bytes)
    # 845 and 846 leaves have compact ranges of as many nodes folding alike: the size is
    # bound by the signed checkpoint of that size, which the store check compares
    same = ResumedTree.resume(prefix.size + 1, nodes, prefix.root(), bytes)
    assert same.root() != MerkleTree.from_leaf_hashes(_leaves(prefix.size + 1)).root()
    with pytest.raises(ProofError, match="beyond"):
        saved_nodes(prefix, prefix.size + 1)


def test_old_leaves_of_the_wrong_length_are_refused() -> None:
    leaves = _leaves(300)
    prefix = MerkleTree.from_leaf_hashes(leaves)
    tree = ResumedTree.resume(300, saved_nodes(prefix, 300), prefix.root(), lambda: b"x" * 32)
    with pytest.raises(ProofError, match="old leaf hashes"):
        tree.level_bytes(0, 0, 300)
