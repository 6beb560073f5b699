"""Store integrity check: the rows of the store must be exactly what the log records.

Recomputes every leaf hash (RFC 9162 §2.1.1), checks that bodies are canonical JSON
(RFC 8785), that indexes have no gaps, that every acta version, adjudication and bulletin
row equals its leaf (with counting flags replayed from the leaves), that the stored definition
has the fingerprint of the definition leaf, and that the tree matches every signed checkpoint.
A direct ``UPDATE`` of a row is caught here even before anything is published.
"""

from __future__ import annotations

import hashlib
import struct

from sqlalchemy import select

from escrutinio.ledger.merkle import MerkleTree
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.replay import Replay, acta_leaf_bytes
from escrutinio.store import schema as t
from escrutinio.store.checkpoints import checkpoints
from escrutinio.store.store import Store

MAX_PROBLEMS = 50


def _check_entries(store: Store, state: Replay, tree: MerkleTree, problems: list[str]) -> None:
    for entry in store.log_entries():
        if entry.idx != state.size:
            problems.append(f"log_entries: index {state.size} is missing (next is {entry.idx})")
            return
        digest = hashlib.sha256(b"\x00" + entry.body).digest()
        if digest != entry.leaf_hash:
            problems.append(f"log_entries[{entry.idx}]: leaf_hash does not match its body")
        try:
            leaf = state.apply(entry.idx, entry.body)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"log_entries[{entry.idx}]: malformed leaf body ({exc})")
            return
        if leaf.get("kind") == "acta":
            content = state.actas[-1].content_bytes
            canonical = acta_leaf_bytes(content, leaf)
            if hashlib.sha256(content).hexdigest() != leaf["content_hash"]:
                problems.append(f"log_entries[{entry.idx}]: acta content_hash does not match")
        else:
            canonical = canonical_json_fast(leaf)
        if canonical != entry.body:
            problems.append(f"log_entries[{entry.idx}]: body is not canonical JSON")
        if leaf.get("kind") != entry.kind:
            problems.append(f"log_entries[{entry.idx}]: kind column {entry.kind!r} != leaf kind")
        tree.append(digest)


def _check_actas(store: Store, state: Replay, problems: list[str]) -> None:
    definition = store.definition()
    by_index = {rec.log_index: rec for rec in state.actas}
    av = t.acta_versions.c
    query = select(
        av.unit,
        av.contest,
        av.source,
        av.version,
        av.content_hash,
        av.counts,
        av.has_blank,
        av.received_at,
        av.status,
        av.counting,
        av.log_idx,
    )
    seen = 0
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            seen += 1
            idx = int(row.log_idx)
            rec = by_index.get(idx)
            where = f"acta_versions (unit {row.unit}, contest {row.contest}, log index {idx})"
            if rec is None:
                problems.append(f"{where}: no acta leaf at that log index")
                continue
            options = [o.id for o in definition.contests[rec.contest].options]
            counts = struct.unpack(f"<{len(row.counts) // 8}q", bytes(row.counts))
            expected = (
                *(rec.votes[o] for o in options),
                rec.null,
                rec.blank or 0,
                rec.voters,
            )
            fields = {
                "unit": (row.unit, rec.unit),
                "contest": (row.contest, rec.contest),
                "source": (row.source, rec.source),
                "version": (row.version, rec.version),
                "content_hash": (row.content_hash, rec.content_hash),
                "counts": (tuple(counts), expected),
                "has_blank": (bool(row.has_blank), rec.blank is not None),
                "received_at": (row.received_at, rec.received_at),
                "status": (row.status, rec.status),
                "counting": (bool(row.counting), rec.counting),
            }
            for name, (stored, logged) in fields.items():
                if stored != logged:
                    problems.append(f"{where}: {name} is {stored!r} but the log says {logged!r}")
    if seen != len(state.actas):
        problems.append(f"acta_versions has {seen} rows but the log has {len(state.actas)} actas")


def _check_others(store: Store, state: Replay, problems: list[str]) -> None:
    b = t.bulletins.c
    adj = t.adjudications.c
    leaves = dict(state.bulletins)
    adjudications = dict(state.adjudications)
    with store.engine.connect() as conn:
        for row in conn.execute(
            select(b.number, b.created_at, b.source, b.body, b.sha256, b.log_idx)
        ):
            leaf = leaves.pop(int(row.log_idx), None)
            digest = hashlib.sha256(bytes(row.body)).hexdigest()
            if leaf is None:
                problems.append(f"bulletins[{row.number}]: no bulletin leaf at {row.log_idx}")
            elif (row.number, row.created_at, row.source, row.sha256, digest) != (
                leaf["number"],
                leaf["created_at"],
                leaf["source"],
                leaf["sha256"],
                leaf["sha256"],
            ):
                problems.append(f"bulletins[{row.number}]: row or body differs from its log leaf")
        for arow in conn.execute(
            select(
                adj.unit,
                adj.contest,
                adj.source,
                adj.version,
                adj.reason,
                adj.decided_by,
                adj.decided_at,
                adj.log_idx,
            )
        ):
            leaf = adjudications.pop(int(arow.log_idx), None)
            fields = (arow.unit, arow.contest, arow.source, arow.version, arow.reason)
            if leaf is None or (*fields, arow.decided_by, arow.decided_at) != (
                leaf["unit"],
                leaf["contest"],
                leaf["source"],
                leaf["version"],
                leaf["reason"],
                leaf["decided_by"],
                leaf["decided_at"],
            ):
                problems.append(f"adjudications (log index {arow.log_idx}): differs from its leaf")
    for idx in leaves:
        problems.append(f"log entry {idx}: bulletin leaf without a bulletin row")
    for idx in adjudications:
        problems.append(f"log entry {idx}: adjudication leaf without an adjudication row")
    if store.has_definition():
        fingerprint = store.definition().fingerprint
        if state.definition is None or state.definition.get("fingerprint") != fingerprint:
            problems.append("definition: stored definition fingerprint differs from its log leaf")


def check_store(store: Store) -> list[str]:
    """Every inconsistency between the store's rows, its log and its signed checkpoints."""
    return check_store_state(store)[0]


def check_store_state(store: Store) -> tuple[list[str], Replay, MerkleTree]:
    """`check_store` plus the replayed log and its tree (reused by `publish`)."""
    problems: list[str] = []
    state = Replay()
    tree = MerkleTree()
    _check_entries(store, state, tree, problems)
    for cp in checkpoints(store):
        if cp.size > tree.size:
            problems.append(f"checkpoint of size {cp.size}: the log has only {tree.size} entries")
        elif tree.root(cp.size) != cp.root_hash:
            problems.append(
                f"checkpoint of size {cp.size}: the log's root differs from the signed root "
                "(history was rewritten)"
            )
    if not problems:
        _check_actas(store, state, problems)
        _check_others(store, state, problems)
    return problems[:MAX_PROBLEMS], state, tree


__all__ = ["check_store"]
