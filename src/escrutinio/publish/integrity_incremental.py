"""The log prefix an incremental store check resumes from, without reading its acta leaves.

`escrutinio.publish.integrity.check_store_state` calls `resume_prefix` when it has an
integrity mark (`escrutinio.store.integrity_marks`) and the acta versions of the mark's
prefix carried from the previous publication (`escrutinio.publish.carry`). It then checks
only what the entries after the mark add. What the prefix costs and what it still catches:

- **bound mark**: the mark's root must be the root of a signed checkpoint the store holds
  at the mark's size (else: a problem when that checkpoint has another root; a slower
  incremental check that re-hashes every leaf when there is no checkpoint of that size);
  its saved nodes must hash up to that root (`escrutinio.ledger.resumed`). The tree is
  resumed from them: no old leaf is hashed, and the roots at every later size (compared
  with the later checkpoints) are exactly those of a full rebuild;
- **log shape**: ``log_entries`` must hold exactly the indexes 0 … n−1 with n ≥ the mark's
  size (count, minimum and maximum), so a deleted, truncated or rolled-back entry is caught;
- **non-acta leaves** before the mark (definition, bulletins, adjudications, images, audits,
  senders, envelopes) are read by their ``kind`` column (index ``ix_log_entries_kind_idx``)
  and replayed; every 256-leaf block holding one is read whole, each body hashed against its
  ``leaf_hash`` and the block's hashes folded to the signed tree's node at height 8, so such
  a leaf cannot be edited, hidden or moved unnoticed; the carried frame must list exactly
  the other indexes below the mark, else every leaf is replayed instead;
- **spot check**: `SPOT_BLOCKS` further blocks below the mark, chosen with ``os.urandom``,
  get the same treatment, and the acta version rows of their acta leaves are compared field
  by field with the carried versions. An edit confined to one old row (body, leaf hash, kind
  or acta row fields) is caught by one incremental check with probability
  min(1, 256·`SPOT_BLOCKS`/m) for a prefix of m leaves, and always by the full check
  (docs/security.md).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable

import numpy as np
import polars as pl

from escrutinio.ledger.merkle import ProofError
from escrutinio.ledger.resumed import UPPER, ResumedTree
from escrutinio.model.leaves import ACTA, LEAF_PREFIX
from escrutinio.model.prepared import ContentTemplate
from escrutinio.publish.replay import ACTA_PREFIX, Replay
from escrutinio.store.bulk import fetch_raw
from escrutinio.store.checkpoints import StoredCheckpoint
from escrutinio.store.integrity_marks import IntegrityMark
from escrutinio.store.store import Store

SPOT_BLOCKS = 8
"""Random 256-leaf blocks below the mark that each incremental check reads in full."""

BLOCK = 1 << UPPER

Row = tuple[int, str, bytes, bytes]


def old_leaf_hashes(store: Store, size: int) -> bytes:
    """The stored leaf hashes of entries ``0 … size−1``, concatenated in log order."""
    with store.engine.connect() as conn:
        rows = fetch_raw(
            conn, "SELECT leaf_hash FROM log_entries WHERE idx < {} ORDER BY idx", (size,)
        )
    return b"".join([r[0] for r in rows])


def _log_shape(store: Store) -> tuple[int, int, int]:
    """How many entries the log table holds, and its lowest and highest index."""
    with store.engine.connect() as conn:
        count = fetch_raw(conn, "SELECT count(*) FROM log_entries")[0][0]
        low = fetch_raw(conn, "SELECT min(idx) FROM log_entries")[0][0]
        high = fetch_raw(conn, "SELECT max(idx) FROM log_entries")[0][0]
    return int(count), -1 if low is None else int(low), -1 if high is None else int(high)


def _rows(store: Store, sql: str, params: tuple[int, ...]) -> list[Row]:
    with store.engine.connect() as conn:
        return [(int(i), str(k), bytes(b), bytes(h)) for i, k, b, h in fetch_raw(conn, sql, params)]


def _non_acta(store: Store, size: int) -> list[Row]:
    """The entries below ``size`` whose kind column is not ``acta``, in log order (read
    through the kind index: ``+idx`` keeps SQLite from scanning the table by index)."""
    rows = _rows(
        store,
        "SELECT idx, kind, body, leaf_hash FROM log_entries "
        f"WHERE (kind < '{ACTA}' OR kind > '{ACTA}') AND +idx < {{}}",
        (size,),
    )
    return sorted(rows)


def _check_block(store: Store, tree: ResumedTree, block: int, problems: list[str]) -> list[int]:
    """Read one block below the tree's base whole and check it against the signed tree;
    returns the log indexes of its acta leaves."""
    lo, hi = block * BLOCK, min((block + 1) * BLOCK, tree.base)
    rows = _rows(
        store,
        "SELECT idx, kind, body, leaf_hash FROM log_entries "
        "WHERE idx >= {} AND idx < {} ORDER BY idx",
        (lo, hi),
    )
    actas: list[int] = []
    for idx, kind, body, stored in rows:
        if hashlib.sha256(LEAF_PREFIX + body).digest() != stored:
            problems.append(f"log_entries[{idx}]: leaf_hash does not match its body")
        if (kind == ACTA) != body.startswith(ACTA_PREFIX):
            problems.append(f"log_entries[{idx}]: kind column {kind!r} != leaf kind")
        if kind == ACTA:
            actas.append(idx)
    if [r[0] for r in rows] != list(range(lo, hi)):
        problems.append(f"log_entries: entries {lo}…{hi - 1} are not all there")
    elif not tree.old_block_matches(block, b"".join(r[3] for r in rows)):
        problems.append(
            f"log_entries[{lo}…{hi - 1}]: leaf hashes differ from the signed tree's "
            "(history was rewritten)"
        )
    return actas


def _bound(mark: IntegrityMark, signed: Iterable[StoredCheckpoint], problems: list[str]) -> bool:
    """True when a signed checkpoint of the mark's size has the mark's root (a problem is
    recorded when one has another root)."""
    roots = {cp.root_hash for cp in signed if cp.size == mark.size}
    if roots - {mark.root}:
        problems.append(
            f"integrity mark of size {mark.size}: the signed checkpoint of that size has "
            "another root (the mark is not this log's, or history was rewritten)"
        )
    return mark.root in roots


def _carried_matches(base: pl.DataFrame, size: int, non_acta: list[int]) -> bool:
    """True when ``base`` lists exactly the indexes below ``size`` that are not ``non_acta``."""
    expected = np.ones(size, dtype=bool)
    expected[np.asarray(non_acta, dtype=np.int64)] = False
    indexes = base["log_index"].to_numpy()
    return len(indexes) == int(expected.sum()) and bool((indexes == np.flatnonzero(expected)).all())


def resume_prefix(
    store: Store,
    mark: IntegrityMark,
    base: pl.DataFrame,
    templates: dict[str, ContentTemplate],
    signed: list[StoredCheckpoint],
    problems: list[str],
) -> tuple[Replay, ResumedTree, list[int]] | None:
    """The replay and tree of the mark's prefix and the acta indexes the spot check drew
    (whose rows the caller compares); None when the mark is not bound to a signed checkpoint
    or ``base`` is not the prefix's acta leaves (the caller re-hashes every leaf instead).
    Problems found are appended to ``problems`` (the state is then not to be used)."""
    size = mark.size
    count, low, high = _log_shape(store)
    if count != high + 1 or (count and low != 0):
        problems.append(
            f"log_entries: {count} rows for indexes {low}…{high} (entries deleted or moved)"
        )
    if high + 1 < size:
        problems.append(f"integrity mark of size {size}: the log has {high + 1}")
    if problems or not _bound(mark, signed, problems):
        return None
    try:
        tree = ResumedTree.resume(size, mark.nodes, mark.root, lambda: old_leaf_hashes(store, size))
    except ProofError as exc:
        problems.append(f"integrity mark of size {size}: {exc}")
        return None
    others = _non_acta(store, size)
    blocks = (size + BLOCK - 1) // BLOCK
    drawn = set(random.SystemRandom().sample(range(blocks), min(SPOT_BLOCKS, blocks)))
    spot: list[int] = []
    for block in sorted(drawn | {idx // BLOCK for idx, *_ in others}):
        actas = _check_block(store, tree, block, problems)
        spot += actas if block in drawn else []
    if problems:
        return None
    if not _carried_matches(base, size, [r[0] for r in others]):
        return None
    state = Replay(templates=templates, base=base, base_size=size)
    for idx, kind, body, _ in others:
        state.skip_actas_to(idx)
        try:
            leaf = state.apply(idx, body, canonical=True)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"log_entries[{idx}]: malformed leaf body ({exc})")
            return None
        if leaf.get("kind") != kind:
            problems.append(f"log_entries[{idx}]: kind column {kind!r} != leaf kind")
            return None
    state.skip_actas_to(size)
    return state, tree, spot


__all__ = ["SPOT_BLOCKS", "old_leaf_hashes", "resume_prefix"]
