"""Append-only Merkle tree with inclusion and consistency proofs.

Implements the Merkle Tree Hash of RFC 9162 (Certificate Transparency 2.0), §2.1:
leaves are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right);
the tree over n leaves splits at k, the largest power of two smaller than n.  Proof generation
follows §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF); verification follows the algorithms of
§2.1.3.2 and §2.1.4.2 literally.

`MerkleTree` stores every complete aligned subtree hash, level by level, in contiguous
bytearrays (32 bytes per hash).  Level ``h`` holds the hashes of the subtrees
``D[i * 2**h : (i + 1) * 2**h]``; any root or proof for any past size is then assembled from
O(log n) stored hashes plus O(log n) fresh node hashes.  Level 8·L is exactly the hash row
served by C2SP tlog-tiles at tile level L.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from escrutinio.model.leaves import leaf_hash as leaf_hash  # the one RFC 9162 leaf hash

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A Merkle proof, root or size failed verification or was requested out of range."""


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: Sequence[bytes]) -> bytes:
    """Reference Merkle Tree Hash of raw leaf data, by the recursive definition (tests only)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = _split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


class HashTree(ABC):
    """Roots and proofs for any tree that can return the hash of a complete aligned subtree.

    Subclasses provide `size` and `stored_hash`; everything else costs O(log n) of them.
    """

    __slots__ = ()

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of leaves in the tree."""

    @abstractmethod
    def stored_hash(self, height: int, index: int) -> bytes:
        """Return the hash of the complete subtree D[index·2^height : (index+1)·2^height]."""

    def leaf_hash_at(self, index: int) -> bytes:
        """Return the leaf hash stored at ``index``."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf index {index} out of range for size {self.size}")
        return self.stored_hash(0, index)

    def subtree_hash(self, start: int, end: int) -> bytes:
        """Return MTH(D[start:end]) for a range that is a node of some tree (start aligned).

        ``start`` must be a multiple of the largest power of two not exceeding ``end - start``
        (true of every node of every RFC 9162 tree); the cost is O(log n).
        """
        if not 0 <= start < end <= self.size:
            raise ProofError(f"range {start}..{end} is not inside a tree of size {self.size}")
        # Split D[start:end] into complete aligned subtrees from the left, then fold right-to-left.
        parts: list[bytes] = []
        pos = start
        while pos < end:
            height = (end - pos).bit_length() - 1
            if pos & ((1 << height) - 1):
                raise ProofError(f"range {start}..{end} is not a Merkle tree node")
            parts.append(self.stored_hash(height, pos >> height))
            pos += 1 << height
        acc = parts[-1]
        for left in reversed(parts[:-1]):
            acc = node_hash(left, acc)
        return acc

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash of the tree at ``size`` leaves (default: current size)."""
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ProofError(f"size {n} is beyond the current tree size {self.size}")
        if n == 0:
            return EMPTY_ROOT
        return self.subtree_hash(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the RFC 9162 inclusion proof (PATH) of leaf ``index`` in the tree of ``size``."""
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ProofError(f"size {n} is beyond the current tree size {self.size}")
        if not 0 <= index < n:
            raise ProofError(f"leaf index {index} is not inside a tree of size {n}")
        path: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.subtree_hash(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.subtree_hash(lo, lo + k))
                lo = lo + k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Return the RFC 9162 consistency proof (SUBPROOF) from ``old_size`` to ``new_size``."""
        n = self.size if new_size is None else new_size
        if not 0 <= n <= self.size:
            raise ProofError(f"size {n} is beyond the current tree size {self.size}")
        if not 0 <= old_size <= n:
            raise ProofError(f"old size {old_size} is not between 0 and {n}")
        if old_size in (0, n):
            return []
        proof: list[bytes] = []
        m = old_size
        lo, hi = 0, n
        complete = True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self.subtree_hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree_hash(lo, lo + k))
                m -= k
                lo = lo + k
                complete = False
        if not complete:
            proof.append(self.subtree_hash(lo, hi))
        proof.reverse()
        return proof


class MerkleTree(HashTree):
    """An append-only RFC 9162 Merkle tree over leaf hashes, with history for every size."""

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> MerkleTree:
        """Build a tree by appending the given 32-byte leaf hashes in order."""
        tree = cls()
        tree.extend(hashes)
        return tree

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> int:
        """Append one 32-byte leaf hash and return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
        index = self._size
        levels = self._levels
        levels[0] += leaf
        self._size = index + 1
        # Every trailing 1-bit of the new size closes a complete subtree one level up.
        node = leaf
        pos = index
        height = 0
        while pos & 1:
            row = levels[height]
            start = (pos - 1) * HASH_SIZE
            node = _sha256(b"\x01" + row[start : start + HASH_SIZE] + node).digest()
            height += 1
            pos >>= 1
            if height == len(levels):
                levels.append(bytearray())
            levels[height] += node
        return index

    def extend(self, hashes: Iterable[bytes]) -> None:
        """Append many 32-byte leaf hashes in order."""
        append = self.append
        for h in hashes:
            append(h)

    def stored_hash(self, height: int, index: int) -> bytes:
        """Return the hash of the complete subtree D[index·2^height : (index+1)·2^height]."""
        row = self._levels[height] if height < len(self._levels) else bytearray()
        start = index * HASH_SIZE
        if index < 0 or start + HASH_SIZE > len(row):
            raise IndexError(f"no complete subtree at height {height}, index {index}")
        return bytes(row[start : start + HASH_SIZE])

    def level_bytes(self, height: int, start: int, end: int) -> bytes:
        """Return the concatenated hashes of complete subtrees ``start..end-1`` at ``height``."""
        row = self._levels[height] if height < len(self._levels) else bytearray()
        if not 0 <= start <= end or end * HASH_SIZE > len(row):
            raise IndexError(f"hashes {start}..{end} at height {height} are not available")
        return bytes(row[start * HASH_SIZE : end * HASH_SIZE])


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof of ``leaf`` (a leaf hash) at ``index`` in a tree of ``size``.

    Follows RFC 9162 §2.1.3.2; raises `ProofError` when the proof does not lead to ``root``.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("inclusion proof does not lead to the expected root")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that tree (``old_size``, ``old_root``) is a prefix of (``new_size``, ``new_root``).

    Follows RFC 9162 §2.1.4.2; raises `ProofError` on any mismatch.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} is not between 0 and {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("trees of the same size have different roots")
        return
    if old_size == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than expected")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than expected")
    if fr != old_root:
        raise ProofError("consistency proof does not match the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not match the new root")
