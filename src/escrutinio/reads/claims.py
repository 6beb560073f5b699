"""The record a claim is checked against, read from the store: stored bulletins and the
final count (every counting acta now), each with the log checkpoint (tree size and RFC 9162
root hash) it was computed from; the final count also carries results by top-level region
for contests that span several regions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from escrutinio.claims.record import Checkpoint, Record, Snapshot, SnapshotKey
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.reads.results import bulletin, bulletins, load_counts, regional_results, snapshot_of
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store.checkpoints import log_tree
from escrutinio.store.store import Store
from escrutinio.tally.results import ContestResultDoc


def claim_record(
    store: Store,
    default: Sequence[SnapshotKey] = ("final",),
    roles: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Record:
    """A :class:`Record` over the store: snapshots are read when first asked for; the log
    tree is built once."""
    definition = store_definitions.read_definition(store)
    known = {b["number"] for b in bulletins(store)}
    tree: list[MerkleTree] = []

    def checkpoint(size: int) -> Checkpoint:
        if not tree:
            tree.append(log_tree(store))
        return Checkpoint(size, tree[0].root(size).hex())

    def load(key: SnapshotKey) -> Snapshot | None:
        if isinstance(key, int):
            if key not in known:
                return None
            doc = bulletin(store, key)
            return Snapshot(
                key,
                checkpoint(doc["log_size"]),
                doc["summary"],
                {c["contest_id"]: c for c in doc["contests"]},
            )
        counts = load_counts(store, source or definition.info.official_source)
        size = store_log.log_size(store)
        snap = snapshot_of(definition, counts, size)
        spanning = [cid for cid, c in definition.contests.items() if c.scope is None]
        regions: dict[str, dict[str, ContestResultDoc]] = {}
        if spanning:
            level = definition.region_levels[0]
            for r in regional_results(definition, counts, level, spanning):
                regions.setdefault(cast(str, r.region_id), {})[r.contest_id] = r.to_dict()
        return Snapshot(
            "final",
            checkpoint(size),
            snap["summary"],
            {c["contest_id"]: c for c in snap["contests"]},
            regions,
        )

    return Record(definition, load, tuple(default), dict(roles or {}))
