"""Inclusion and consistency proofs computed from the published tiles (never from a store).

The tree size defaults to the published checkpoint's; a proof for any size up to it can be
built from the tiles of the current publication, because the hashes of a smaller tree are
complete subtrees of the larger one. The tiles are checked once per publication to lead to
the checkpoint's root, and each proof is checked against the root it claims before it is
returned (a damaged tile gives an error, never a wrong proof).
"""

from __future__ import annotations

from typing import Any

from escrutinio.ledger.merkle import ProofError, verify_consistency, verify_inclusion
from escrutinio.ledger.tiled import TiledTree
from escrutinio.ledger.tiles import TileError
from escrutinio.serve.files import PublishedFiles

MAX_MEMO = 500_000
"""Subtree hashes remembered per publication (32 bytes each, plus the key)."""


class ProofUnavailable(ValueError):
    """The tiles needed for a proof are missing or damaged."""


class _MemoTree(TiledTree):
    """A tiled tree that remembers the subtree hashes it computed (tiles never change
    within one publication)."""

    __slots__ = ("_memo",)

    def __init__(self, size: int, files: PublishedFiles) -> None:
        def fetch(path: str) -> bytes:
            data = files.read(path)
            if data is None:
                raise ProofUnavailable(f"the tile {path} is not published")
            return data

        super().__init__(size, fetch)
        self._memo: dict[tuple[int, int], bytes] = {}

    def stored_hash(self, height: int, index: int) -> bytes:
        """The complete subtree hash, computed once."""
        key = (height, index)
        found = self._memo.get(key)
        if found is None:
            found = super().stored_hash(height, index)
            if len(self._memo) < MAX_MEMO:
                self._memo[key] = found
        return found


class PublishedProofs:
    """Proofs in the tree of one publication (``size`` leaves, ``root`` from its checkpoint).
    Use from the event loop's thread (it reads through the shared file cache)."""

    def __init__(self, files: PublishedFiles, size: int, root: bytes) -> None:
        self.size = size
        self.root = root
        self._tree = _MemoTree(size, files)
        self._checked = False

    def _checked_tree(self) -> TiledTree:
        if not self._checked:
            try:
                if self._tree.root() != self.root:
                    raise ProofUnavailable(
                        "the published tiles do not lead to the checkpoint's root"
                    )
            except (TileError, ProofError) as exc:
                raise ProofUnavailable(str(exc)) from exc
            self._checked = True
        return self._tree

    def inclusion(self, index: int, size: int) -> dict[str, Any]:
        """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves, as
        ``escrutinio log prove --index`` prints it (hex)."""
        tree = self._checked_tree()
        try:
            proof = tree.inclusion_proof(index, size)
            leaf = tree.leaf_hash_at(index)
            at = tree.root(size)
            verify_inclusion(index, size, leaf, proof, at)
        except (TileError, ProofError) as exc:
            raise ProofUnavailable(str(exc)) from exc
        return {
            "type": "inclusion",
            "index": index,
            "size": size,
            "leaf_hash": leaf.hex(),
            "root": at.hex(),
            "proof": [h.hex() for h in proof],
        }

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        """The RFC 9162 consistency proof between the trees of ``old`` and ``new`` leaves,
        as ``escrutinio log prove --from`` prints it (hex)."""
        if old == 0:
            raise ProofUnavailable("a consistency proof starts from a tree of at least 1 leaf")
        tree = self._checked_tree()
        try:
            proof = tree.consistency_proof(old, new)
            old_root = tree.root(old)
            new_root = tree.root(new)
            if old < new:
                verify_consistency(old, new, proof, old_root, new_root)
        except (TileError, ProofError) as exc:
            raise ProofUnavailable(str(exc)) from exc
        return {
            "type": "consistency",
            "from": old,
            "to": new,
            "old_root": old_root.hex(),
            "new_root": new_root.hex(),
            "proof": [h.hex() for h in proof],
        }
