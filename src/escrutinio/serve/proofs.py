"""Inclusion and consistency proofs computed from the published tiles (never from a store).

The tree size defaults to the published checkpoint's; a proof for any size up to it can be
built from the tiles of the current publication, because the hashes of a smaller tree are
complete subtrees of the larger one. Each proof is checked against the root it claims before
it is returned (a damaged tile gives an error, never a wrong proof).
"""

from __future__ import annotations

from typing import Any

from escrutinio.ledger.merkle import ProofError, verify_consistency, verify_inclusion
from escrutinio.ledger.tiled import TiledTree
from escrutinio.ledger.tiles import TileError
from escrutinio.serve.files import PublishedFiles


class ProofUnavailable(ValueError):
    """The tiles needed for a proof are missing or damaged."""


def _tree(files: PublishedFiles, published: int, root: bytes) -> TiledTree:
    """The published tree, its tiles checked to lead to the checkpoint's root."""

    def fetch(path: str) -> bytes:
        data = files.read(path)
        if data is None:
            raise ProofUnavailable(f"the tile {path} is not published")
        return data

    tree = TiledTree(published, fetch)
    try:
        if tree.root() != root:
            raise ProofUnavailable("the published tiles do not lead to the checkpoint's root")
    except (TileError, ProofError) as exc:
        raise ProofUnavailable(str(exc)) from exc
    return tree


def inclusion(
    files: PublishedFiles, published: int, root: bytes, index: int, size: int
) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves, as
    ``escrutinio log prove --index`` prints it (hex) (``published``/``root``: the checkpoint's)."""
    tree = _tree(files, published, root)
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


def consistency(
    files: PublishedFiles, published: int, root: bytes, old: int, new: int
) -> dict[str, Any]:
    """The RFC 9162 consistency proof between the trees of ``old`` and ``new`` leaves, as
    ``escrutinio log prove --from`` prints it (hex) (``published``/``root``: the checkpoint's)."""
    tree = _tree(files, published, root)
    try:
        proof = tree.consistency_proof(old, new)
        if old == 0:
            raise ProofUnavailable("a consistency proof starts from a tree of at least 1 leaf")
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
