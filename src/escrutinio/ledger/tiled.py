"""Proofs computed by a client from a few tiles, without downloading the whole log.

A tile at level L holds row 8·L of the RFC 9162 tree (C2SP tlog-tiles); any complete subtree
hash at height h = 8·L + r is the Merkle hash of 2^r consecutive hashes of one tile.  So an
inclusion or consistency proof for a tree of n leaves needs about log256(n) tiles per edge of
the proof, fetched lazily and cached.  Tiles come from an untrusted server: callers must check
every proof with `merkle.verify_inclusion` / `merkle.verify_consistency` against the root of a
verified checkpoint (`verified_inclusion` does both), and a forged tile then fails that check.
"""

from __future__ import annotations

from collections.abc import Callable

from escrutinio.ledger.merkle import (
    HASH_SIZE,
    HashTree,
    ProofError,
    node_hash,
    verify_inclusion,
)
from escrutinio.ledger.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, TileError


class TiledTree(HashTree):
    """A read-only view of a tree of ``size`` leaves whose hashes come from ``fetch(path)``."""

    __slots__ = ("_cache", "_fetch", "_size")

    def __init__(self, size: int, fetch: Callable[[str], bytes]) -> None:
        if size < 0:
            raise TileError(f"tree size {size} is negative")
        self._size = size
        self._fetch = fetch
        self._cache: dict[Tile, bytes] = {}

    @property
    def size(self) -> int:
        """Number of leaves in the tree the tiles describe."""
        return self._size

    @property
    def fetched(self) -> int:
        """How many distinct tiles were downloaded so far."""
        return len(self._cache)

    def _tile(self, level: int, index: int) -> bytes:
        count = self._size >> (TILE_HEIGHT * level)
        width = min(TILE_WIDTH, count - index * TILE_WIDTH)
        if width <= 0:
            raise TileError(f"tile {level}/{index} does not exist at size {self._size}")
        tile = Tile(level, index, width)
        data = self._cache.get(tile)
        if data is None:
            data = self._fetch(tile.path())
            if len(data) != width * HASH_SIZE:
                raise TileError(f"{tile.path()} has {len(data)} bytes, expected {width * 32}")
            self._cache[tile] = data
        return data

    def stored_hash(self, height: int, index: int) -> bytes:
        """Return a complete subtree hash, hashing up to 128 pairs inside a single tile."""
        if index < 0 or (index + 1) << height > self._size:
            raise ProofError(f"no complete subtree at height {height}, index {index}")
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # position of the subtree's first hash in row 8·level
        data = self._tile(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        row = [
            data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(offset, offset + (1 << rest))
        ]
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return bytes(row[0])


def verified_inclusion(
    index: int, leaf: bytes, size: int, root: bytes, fetch: Callable[[str], bytes]
) -> list[bytes]:
    """Build the inclusion proof of ``leaf`` at ``index`` from tiles and check it against ``root``.

    ``root`` and ``size`` must come from a verified checkpoint; returns the checked proof and
    raises `ProofError` (or `TileError`) if the tiles do not support it.
    """
    proof = TiledTree(size, fetch).inclusion_proof(index, size)
    verify_inclusion(index, size, leaf, proof, root)
    return proof
