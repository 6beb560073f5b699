"""An RFC 9162 Merkle tree resumed at a past size from a few stored nodes.

A log's tree at size ``m`` is summarised by its *compact range* (the ≤ log2(m) complete
subtree roots that RFC 9162 §2.1.1's tree of ``m`` leaves is folded from; Merkle mountain
ranges, Todd 2016; the "frontier" of transparency-log implementations) plus, here, every
complete node at height 8 and above — the rows that C2SP tlog-tiles serves at tile levels
≥ 1, about 2·m/256 hashes (250 KB at a million leaves). `saved_nodes` writes them;
`ResumedTree.resume` rebuilds a tree from them without reading any old leaf, checking that
the rows hash up to each other and to the given root, and new leaves are appended as in
`MerkleTree.append`: every node they complete has its left sibling among the stored nodes.

Old nodes below height 8 that are not in the compact range (needed only for the level-0
hash tiles, roots of sizes below ``m`` and proofs into the old part) are computed from the
old leaf hashes, which the tree asks its ``old_leaves`` callable for once, when first needed.
"""

from __future__ import annotations

from collections.abc import Callable

from escrutinio.ledger.merkle import HASH_SIZE, MerkleTree, ProofError, node_hash

UPPER = 8  # the lowest height stored in full (tile level 1 of C2SP tlog-tiles)


def _low_heights(size: int) -> list[int]:
    """Heights below `UPPER` of the compact range of a tree of ``size`` leaves."""
    return [h for h in range(UPPER) if size >> h & 1]


def saved_nodes(tree: MerkleTree, size: int) -> bytes:
    """The nodes `ResumedTree.resume` needs to resume the tree at ``size``: the compact
    range's nodes below height 8 (ascending height), then every complete node of each
    height from 8 up, row by row."""
    if not 0 <= size <= tree.size:
        raise ProofError(f"size {size} is beyond the current tree size {tree.size}")
    parts = [tree.stored_hash(h, (size >> h) - 1) for h in _low_heights(size)]
    parts += [tree.level_bytes(h, 0, size >> h) for h in range(UPPER, size.bit_length())]
    return b"".join(parts)


def saved_nodes_length(size: int) -> int:
    """The length in bytes of `saved_nodes` for a tree of ``size`` leaves."""
    count = len(_low_heights(size)) + sum(size >> h for h in range(UPPER, size.bit_length()))
    return count * HASH_SIZE


class ResumedTree(MerkleTree):
    """A `MerkleTree` that starts at ``base`` leaves from `saved_nodes` (see the module)."""

    __slots__ = ("_base", "_offsets", "_old", "_old_leaves")

    def __init__(self) -> None:
        super().__init__()
        self._base = 0
        self._offsets: list[int] = [0]
        self._old_leaves: Callable[[], bytes] = bytes
        self._old: bytes | None = None

    @classmethod
    def resume(
        cls, size: int, nodes: bytes, root: bytes, old_leaves: Callable[[], bytes]
    ) -> ResumedTree:
        """The tree of ``size`` leaves whose root is ``root``, from ``nodes`` (`saved_nodes`);
        ``old_leaves`` returns the concatenated hashes of those leaves when a node below
        height 8 outside the compact range is asked for. Raises `ProofError` when the nodes
        are not a tree of that size and root."""
        if size < 0 or len(nodes) != saved_nodes_length(size):
            raise ProofError(f"the saved nodes are not those of a tree of size {size}")
        tree = cls()
        tree._base = tree._size = size
        tree._old_leaves = old_leaves
        levels: list[bytearray] = []
        offsets: list[int] = []
        pos = 0
        for h in range(max(UPPER, size.bit_length())):
            if h < UPPER:
                if size >> h & 1:
                    levels.append(bytearray(nodes[pos : pos + HASH_SIZE]))
                    offsets.append((size >> h) - 1)
                    pos += HASH_SIZE
                else:
                    levels.append(bytearray())
                    offsets.append(size >> h)
            else:
                width = (size >> h) * HASH_SIZE
                levels.append(bytearray(nodes[pos : pos + width]))
                offsets.append(0)
                pos += width
        tree._levels, tree._offsets = levels, offsets
        for h in range(UPPER, size.bit_length() - 1):  # each row hashes up to the next
            row, up = bytes(levels[h]), bytes(levels[h + 1])
            for j in range(size >> (h + 1)):
                left, mid, end = 2 * j * HASH_SIZE, (2 * j + 1) * HASH_SIZE, (2 * j + 2) * HASH_SIZE
                if node_hash(row[left:mid], row[mid:end]) != up[left // 2 : end // 2]:
                    raise ProofError(f"saved nodes at height {h + 1} do not hash up")
        if tree.root(size) != root:
            raise ProofError(f"the saved nodes do not fold to the root of size {size}")
        return tree

    @property
    def base(self) -> int:
        """The size the tree was resumed at."""
        return self._base

    def append(self, leaf: bytes) -> int:
        """Append one 32-byte leaf hash and return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
        index = self._size
        levels, offsets = self._levels, self._offsets
        levels[0] += leaf
        self._size = index + 1
        node, pos, height = leaf, index, 0
        while pos & 1:
            start = (pos - 1 - offsets[height]) * HASH_SIZE
            node = node_hash(bytes(levels[height][start : start + HASH_SIZE]), node)
            height += 1
            pos >>= 1
            if height == len(levels):
                levels.append(bytearray())
                offsets.append(pos)
            levels[height] += node
        return index

    def _old_row(self) -> bytes:
        """The hashes of the leaves below ``base`` (asked for once)."""
        if self._old is None:
            old = self._old_leaves()
            if len(old) != self._base * HASH_SIZE:
                raise ProofError(f"{len(old) // HASH_SIZE} old leaf hashes for size {self._base}")
            self._old = old
        return self._old

    def stored_hash(self, height: int, index: int) -> bytes:
        """Return the hash of the complete subtree D[index·2^height : (index+1)·2^height]."""
        offset = self._offsets[height] if height < len(self._offsets) else 0
        if index >= offset or height >= UPPER:
            return super().stored_hash(height, index - offset)
        if index < 0:
            raise IndexError(f"no complete subtree at height {height}, index {index}")
        old = self._old_row()
        first = index << height
        sub = MerkleTree()
        last = first + (1 << height)
        sub.extend(old[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(first, last))
        return sub.root()

    def level_bytes(self, height: int, start: int, end: int) -> bytes:
        """Return the concatenated hashes of complete subtrees ``start..end-1`` at ``height``."""
        offset = self._offsets[height] if height < len(self._offsets) else 0
        if start >= offset or height >= UPPER:
            return super().level_bytes(height, start - offset, end - offset)
        if not 0 <= start <= end or end > self._size >> height:
            raise IndexError(f"hashes {start}..{end} at height {height} are not available")
        if height == 0:
            head = self._old_row()[start * HASH_SIZE : min(end, offset) * HASH_SIZE]
        else:
            head = b"".join(self.stored_hash(height, i) for i in range(start, min(end, offset)))
        return head + (super().level_bytes(height, 0, end - offset) if end > offset else b"")

    def old_block_matches(self, block: int, hashes: bytes) -> bool:
        """True when ``hashes`` are the leaf hashes of leaves ``block·256 …`` below ``base``
        (256 of them, or the rest up to ``base``): they fold to the stored height-8 node, or
        to the compact range's nodes below height 8 for the last, partial block."""
        first = block << UPPER
        count = min(1 << UPPER, self._base - first)
        if count <= 0 or len(hashes) != count * HASH_SIZE:
            return False
        sub = MerkleTree()
        sub.extend(hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(count))
        if count == 1 << UPPER:
            return sub.root() == super().stored_hash(UPPER, block)
        return all(
            sub.stored_hash(h, ((self._base >> h) - 1) - (first >> h))
            == bytes(self._levels[h][:HASH_SIZE])
            for h in _low_heights(self._base)
        )


__all__ = ["UPPER", "ResumedTree", "saved_nodes", "saved_nodes_length"]
