"""Store integrity check: the rows of the store must be exactly what the log records.

Recomputes every leaf hash (RFC 9162 §2.1.1), checks that bodies are canonical JSON
(RFC 8785), that indexes have no gaps, that every acta version, adjudication, bulletin
and image reference row equals its leaf (with counting flags replayed from the leaves), that
the stored definition and its stored fingerprint (``meta.definition_fingerprint``) have the
fingerprint of the definition leaf, and that the tree matches every signed checkpoint.
A direct ``UPDATE`` of a row is caught here even before anything is published.

The check can also run **incrementally** from an `IntegrityMark` (the log size, root and
saved tree nodes of the last check that passed, kept in the store). With the acta versions of
the mark's prefix carried from the previous publication (`escrutinio.publish.carry`) and the
mark bound to the signed checkpoint of its size, the prefix is resumed without reading its
acta leaves (`escrutinio.publish.integrity_incremental`: log shape, non-acta leaves by kind,
a random spot check of old blocks); otherwise every leaf hash is recomputed from its body and
the tree compared with the mark's root. Either way the entries after the mark are re-encoded,
the tree is compared with every later signed checkpoint, the acta rows of the new entries (and
every version of the slots they touch) are compared field by field, the rows are counted
against the replayed log, and the definition, bulletin and adjudication rows are compared in
full. A direct ``UPDATE`` of an older acta row, body or leaf hash that the spot check does not
draw is caught by the next full check (``escrutinio log check``, ``publish --full-check`` or
``--final``), not by an incremental one (docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import polars as pl
from sqlalchemy import Integer, cast, func, select

from escrutinio.ledger.merkle import MerkleTree
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.leaves import ACTA, leaf_hash
from escrutinio.model.packed_counts import counts_row, pack_counts, unpack_counts
from escrutinio.model.prepared import content_templates
from escrutinio.publish.integrity_incremental import resume_prefix
from escrutinio.publish.replay import ActaRecord, Replay, acta_leaf_bytes
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.bulk import fetch_raw
from escrutinio.store.checkpoints import checkpoints
from escrutinio.store.intake_rows import ACTA_COLUMNS
from escrutinio.store.integrity_marks import IntegrityMark
from escrutinio.store.store import Store, StoreError

MAX_PROBLEMS = 50


def _check_entries(
    store: Store,
    state: Replay,
    tree: MerkleTree,
    problems: list[str],
    since: int = 0,
    start: int = 0,
) -> None:
    """Every entry's leaf hash from ``start`` on against its body; entries from ``since`` on
    also for canonical bytes, content hash and kind column."""
    for entry in store_log.log_entries(store, start):
        if entry.idx != state.size:
            problems.append(f"log_entries: index {state.size} is missing (next is {entry.idx})")
            return
        digest = leaf_hash(entry.body)
        if digest != entry.leaf_hash:
            problems.append(f"log_entries[{entry.idx}]: leaf_hash does not match its body")
        try:
            leaf = state.apply(entry.idx, entry.body, canonical=entry.idx < since)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"log_entries[{entry.idx}]: malformed leaf body ({exc})")
            return
        if entry.idx < since:  # re-encoded by the check that wrote the mark
            tree.append(digest)
            continue
        if leaf.get("kind") == ACTA:
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


# the columns of an acta version row that its leaf determines, in the order compared
ACTA_FIELDS = tuple(c for c in ACTA_COLUMNS if c not in ("unit_idx", "log_idx"))


def _logged_counts(rec: ActaRecord, options: list[str] | None) -> bytes | None:
    """The packed counts row the store should hold for this leaf (None: it cannot hold one,
    the leaf's contest or options are not the definition's)."""
    if options is None or any(o not in rec.votes for o in options):
        return None
    return pack_counts(counts_row(rec.votes, options, rec.null, rec.blank, rec.voters))


_unpacked = unpack_counts


def _touched(state: Replay, since: int) -> list[int]:
    """Log indexes of the acta versions before ``since`` whose slot an entry from ``since``
    on touches (a new version or an adjudication can change their status or counting)."""
    slots = {(a.unit, a.contest, a.source) for a in state.actas if a.log_index >= since}
    slots.update(
        (leaf["unit"], leaf["contest"], leaf["source"])
        for idx, leaf in state.adjudications
        if idx >= since
    )
    older = [
        state.actas[pos].log_index
        for slot in slots
        for pos in state.slots.get(slot, [])
        if state.actas[pos].log_index < since
    ]
    return sorted(older + state.base_slot_indexes(slots))


def _acta_rows(store: Store, since: int, touched: list[int]) -> list[tuple[Any, ...]]:
    """The acta version rows of log indexes ``since`` and above, and of ``touched``."""
    columns = f"SELECT {', '.join(ACTA_FIELDS)}, log_idx FROM acta_versions"
    with store.engine.connect() as conn:
        if not since:
            return fetch_raw(conn, columns)
        rows = fetch_raw(conn, f"{columns} WHERE log_idx >= {int(since)}")
        for i in range(0, len(touched), 500):
            marks = ", ".join(str(int(x)) for x in touched[i : i + 500])
            rows += fetch_raw(conn, f"{columns} WHERE log_idx IN ({marks})")
    return rows


def _check_acta_totals(store: Store, state: Replay, problems: list[str]) -> None:
    """Cheap guards over every acta row: how many rows, how many counting."""
    v = t.acta_versions.c
    with store.engine.connect() as conn:
        rows, counting = conn.execute(
            select(func.count(), func.coalesce(func.sum(cast(v.counting, Integer)), 0))
        ).one()
    versions, logged = state.acta_totals()
    if int(rows) != versions:
        problems.append(f"acta_versions has {rows} rows but the log has {versions} actas")
    elif int(counting) != logged:
        problems.append(
            f"acta_versions has {counting} counting rows but the log's replay has {logged}"
        )


def _check_actas(
    store: Store, state: Replay, problems: list[str], since: int = 0, spot: list[int] | None = None
) -> None:
    """The acta rows from ``since`` on, of the slots they touch and at ``spot`` (every row
    when ``since`` is 0) field by field against the log, then the totals of every row."""
    definition = store_definitions.read_definition(store)
    options = {cid: [o.id for o in c.options] for cid, c in definition.contests.items()}
    touched = sorted({*_touched(state, since), *(spot or [])}) if since else []
    rows = _acta_rows(store, since, touched)
    by_index = (
        state.records_at(int(row[10]) for row in rows)
        if state.base is not None
        else {rec.log_index: rec for rec in state.actas}
    )
    for row in rows:
        idx = int(row[10])
        rec = by_index.get(idx)
        where = f"acta_versions (unit {row[0]}, contest {row[1]}, log index {idx})"
        if rec is None:
            problems.append(f"{where}: no acta leaf at that log index")
            continue
        blob = bytes(row[5])
        expected = _logged_counts(rec, options.get(rec.contest))
        stored = (*row[:5], blob, bool(row[6]), row[7], row[8], bool(row[9]))
        logged = (
            rec.unit,
            rec.contest,
            rec.source,
            rec.version,
            rec.content_hash,
            expected,
            rec.blank is not None,
            rec.received_at,
            rec.status,
            rec.counting,
        )
        if stored == logged:
            continue
        for name, mine, theirs in zip(ACTA_FIELDS, stored, logged, strict=True):
            if mine == theirs:
                continue
            shown: tuple[object, object] = (mine, theirs)
            if name == "counts":
                shown = (_unpacked(blob), None if expected is None else _unpacked(expected))
            problems.append(f"{where}: {name} is {shown[0]!r} but the log says {shown[1]!r}")
    _check_acta_totals(store, state, problems)


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
    _check_images(store, state, problems)
    _check_definition(store, state, problems)
    _check_submissions(store, state, problems)


def _check_submissions(store: Store, state: Replay, problems: list[str]) -> None:
    """Sender, revocation and envelope rows against their leaves, one for one."""
    r, e = t.sender_revocations.c, t.envelopes.c
    senders = dict(state.senders)
    revocations = dict(state.revocations)
    envelopes = dict(state.envelopes)
    with store.engine.connect() as conn:
        for row in conn.execute(select(t.senders)):
            leaf = senders.pop(int(row.log_idx), None)
            mine = (row.name, row.verifier_key, row.key_id, row.source, row.registered_at)
            if leaf is None or (
                *mine,
                json.loads(row.units),
                json.loads(row.regions),
            ) != (
                leaf["name"],
                leaf["key"],
                leaf["key_id"],
                leaf["source"],
                leaf["registered_at"],
                leaf["units"],
                leaf["regions"],
            ):
                problems.append(
                    f"senders[{row.name}] (log index {row.log_idx}): differs from its leaf"
                )
        for row in conn.execute(select(r.name, r.key_id, r.reason, r.revoked_at, r.log_idx)):
            leaf = revocations.pop(int(row.log_idx), None)
            if leaf is None or (row.name, row.key_id, row.reason, row.revoked_at) != (
                leaf["name"],
                leaf["key_id"],
                leaf["reason"],
                leaf["revoked_at"],
            ):
                problems.append(f"sender_revocations[{row.name}]: differs from its leaf")
        for row in conn.execute(
            select(e.sha256, e.sender, e.received_at, e.images, e.acta_log_idx, e.log_idx)
        ):
            leaf = envelopes.pop(int(row.log_idx), None)
            if leaf is None or (
                row.sha256,
                row.sender,
                row.received_at,
                json.loads(row.images),
                int(row.acta_log_idx),
            ) != (
                leaf["envelope_sha256"],
                leaf["envelope"]["sender"],
                leaf["received_at"],
                [i["sha256"] for i in leaf["envelope"]["images"]],
                leaf["acta_index"],
            ):
                problems.append(f"envelopes[{row.sha256[:12]}…]: differs from its leaf")
    for what, rest in (
        ("sender", senders),
        ("sender_revocation", revocations),
        ("envelope", envelopes),
    ):
        for idx in rest:
            problems.append(f"log entry {idx}: {what} leaf without its row")


def _check_images(store: Store, state: Replay, problems: list[str]) -> None:
    """Every image reference equals its ``image`` leaf (or names the acta version whose leaf
    records it), and every image leaf has its row."""
    ai = t.acta_images.c
    image_leaves = dict(state.images)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                ai.unit,
                ai.contest,
                ai.source,
                ai.version,
                ai.sha256,
                ai.media_type,
                ai.attached_at,
                ai.log_idx,
            )
        ).all()
    actas = state.records_at(int(r.log_idx) for r in rows if int(r.log_idx) not in image_leaves)
    for row in rows:
        idx = int(row.log_idx)
        leaf = image_leaves.pop(idx, None)
        slot = (row.unit, row.contest, row.source, row.version)
        if leaf is not None:
            logged = tuple(
                leaf[k]
                for k in (
                    "unit",
                    "contest",
                    "source",
                    "version",
                    "sha256",
                    "media_type",
                    "attached_at",
                )
            )
            if (*slot, row.sha256, row.media_type, row.attached_at) != logged:
                problems.append(f"acta_images (log index {idx}): differs from its image leaf")
            continue
        rec = actas.get(idx)
        if rec is None or (rec.unit, rec.contest, rec.source, rec.version) != slot:
            problems.append(f"acta_images (log index {idx}): no leaf records this image")
    for idx in image_leaves:
        problems.append(f"log entry {idx}: image leaf without an acta_images row")


def _check_definition(store: Store, state: Replay, problems: list[str]) -> None:
    """The stored definition rows and the stored fingerprint (``meta``) against the leaf."""
    with store.engine.connect() as conn:
        stored = conn.execute(
            select(t.meta.c.value).where(t.meta.c.key == "definition_fingerprint")
        ).scalar_one_or_none()
    logged = None if state.definition is None else state.definition.get("fingerprint")
    if stored is None:
        if logged is not None:
            problems.append("meta.definition_fingerprint: missing, but the log has a definition")
        return
    if stored != logged:
        problems.append(
            f"meta.definition_fingerprint: {str(stored)[:16]}… differs from the definition "
            f"leaf's {str(logged)[:16]}…"
        )
    if store_definitions.read_definition(store).fingerprint != logged:
        problems.append("definition: stored definition fingerprint differs from its log leaf")


def check_store(store: Store) -> list[str]:
    """Every inconsistency between the store's rows, its log and its signed checkpoints."""
    return check_store_state(store)[0]


def check_store_state(
    store: Store, mark: IntegrityMark | None = None, carried: pl.DataFrame | None = None
) -> tuple[list[str], Replay, MerkleTree]:
    """`check_store` plus the replayed log and its tree (reused by `publish`); incremental
    from ``mark`` when given (see the module's docstring for what it leaves out), resuming
    the mark's prefix with the acta versions of ``carried`` (`escrutinio.publish.carry`)
    when the mark is bound to a signed checkpoint and ``carried`` lists exactly that prefix's
    acta leaves (`escrutinio.publish.integrity_incremental`)."""
    problems: list[str] = []
    try:
        templates = (
            content_templates(store_definitions.read_definition(store))
            if store_definitions.has_definition(store)
            else {}
        )
    except (StoreError, ValueError) as exc:
        problems.append(f"definition: the stored definition cannot be read ({exc})"[:500])
        return problems, Replay(), MerkleTree()
    since = 0 if mark is None else mark.size
    signed = checkpoints(store)
    resumed = None
    if mark is not None and carried is not None:
        resumed = resume_prefix(store, mark, carried, templates, signed, problems)
        if problems:
            return problems[:MAX_PROBLEMS], Replay(), MerkleTree()
    spot: list[int] = []
    tree: MerkleTree
    if resumed is not None:
        state, tree, spot = resumed
        _check_entries(store, state, tree, problems, since, start=since)
    else:
        state, tree = Replay(templates=templates), MerkleTree()
        _check_entries(store, state, tree, problems, since)
    if mark is not None and not problems:
        if mark.size > tree.size:
            problems.append(f"integrity mark of size {mark.size}: the log has {tree.size}")
        elif tree.root(mark.size) != mark.root:
            problems.append(
                f"integrity mark of size {mark.size}: the log's root differs from the root "
                "the last check passed (history was rewritten)"
            )
    for cp in signed:
        if resumed is not None and cp.size < since:
            continue  # compared by the check that wrote the mark, and by every full check
        if cp.size > tree.size:
            problems.append(f"checkpoint of size {cp.size}: the log has only {tree.size} entries")
        elif tree.root(cp.size) != cp.root_hash:
            problems.append(
                f"checkpoint of size {cp.size}: the log's root differs from the signed root "
                "(history was rewritten)"
            )
    if not problems:
        _check_actas(store, state, problems, since, spot)
        _check_others(store, state, problems)
    return problems[:MAX_PROBLEMS], state, tree


__all__ = ["check_store"]
