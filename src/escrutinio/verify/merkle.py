"""The verifier's own RFC 9162 Merkle tree (independent of the writing path).

Leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right), split at the
largest power of two below n (RFC 9162 §2.1.1).  Complete aligned subtree hashes are kept
per level so that the root of any earlier size (to check an old checkpoint) and the inclusion
proof of any leaf (§2.1.3.1) cost O(log n); proofs are checked with the algorithm of §2.1.3.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY = hashlib.sha256(b"").digest()


def hash_leaf(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """Append-only tree of leaf hashes with every complete subtree hash kept by level."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self.levels[0])

    def add(self, leaf: bytes) -> None:
        """Append a leaf hash, closing complete subtrees on the way up."""
        self.levels[0].append(leaf)
        height, node = 0, leaf
        while len(self.levels[height]) % 2 == 0:
            row = self.levels[height]
            node = hashlib.sha256(b"\x01" + row[-2] + node).digest()
            height += 1
            if height == len(self.levels):
                self.levels.append([])
            self.levels[height].append(node)

    def extend(self, leaves: list[bytes]) -> None:
        """Append many leaf hashes (same tree as `add` one by one), hashing level by level."""
        self.levels[0].extend(leaves)
        sha = hashlib.sha256
        height = 0
        while len(self.levels[height]) >= 2:
            row = self.levels[height]
            if height + 1 == len(self.levels):
                self.levels.append([])
            up = self.levels[height + 1]
            up.extend(
                [
                    sha(b"\x01" + row[i] + row[i + 1]).digest()
                    for i in range(2 * len(up), len(row) - 1, 2)
                ]
            )
            height += 1

    def _range(self, lo: int, hi: int) -> bytes:
        parts: list[bytes] = []
        while lo < hi:
            height = (hi - lo).bit_length() - 1
            while lo % (1 << height):
                height -= 1
            parts.append(self.levels[height][lo >> height])
            lo += 1 << height
        node = parts[-1]
        for left in reversed(parts[:-1]):
            node = hash_children(left, node)
        return node

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the first ``size`` leaves (default: all)."""
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ValueError(f"size {n} is beyond the tree size {self.size}")
        return EMPTY if n == 0 else self._range(0, n)

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ValueError(f"leaf {index} is not inside a tree of size {n}")
        path: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                path.append(self._range(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._range(lo, lo + k))
                lo += k
        return path[::-1]


def check_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree (size, root)."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = hash_children(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = hash_children(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root
