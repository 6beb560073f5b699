"""Steps on the log itself: ``tiles`` (the tree rebuilt from the entry bundles), ``history``
(consistent with every checkpoint seen before) and ``leaves`` (every entry read)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from escrutinio.verify.merkle import hash_leaf
from escrutinio.verify.notes import CheckpointBody
from escrutinio.verify.record import read_record
from escrutinio.verify.steps.context import Context, CouldNotRun, Failed, first_line, need
from escrutinio.verify.tiles import read_entries


def check_tiles(ctx: Context) -> str:
    """Rebuild the RFC 9162 tree from the tiles; its root is the checkpoint's.

    Needs ``ctx.files`` and ``ctx.body``; establishes ``ctx.tree`` and ``ctx.entries``. Fatal."""
    files = need(ctx.files, "manifest")
    body = need(ctx.body, "checkpoint")
    ctx.tree, ctx.entries = read_entries(body.size, files.get)
    if ctx.tree.root() != body.root:
        raise Failed("tiles: the rebuilt tree root differs from the signed checkpoint root")
    return f"{body.size} entries rebuilt, root matches"


def _state_file(state_dir: Path, origin: str) -> Path:
    return state_dir / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"


def load_state(state_dir: Path | None, origin: str) -> list[dict[str, Any]]:
    """The checkpoints of log ``origin`` seen before (none without a state directory);
    `CouldNotRun` when the state file is unreadable or malformed."""
    if state_dir is None:
        return []
    path = _state_file(state_dir, origin)
    if not path.exists():
        return []
    try:
        seen = json.loads(path.read_text(encoding="utf-8"))["checkpoints"]
        ok = isinstance(seen, list) and all(
            isinstance(e, dict)
            and isinstance(e.get("size"), int)
            and isinstance(e.get("root"), str)
            for e in seen
        )
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CouldNotRun(
            f"{path}: the verifier's state cannot be read ({first_line(exc)})"
        ) from exc
    if not ok:
        raise CouldNotRun(f"{path}: the verifier's state is not a list of checkpoints")
    return list(seen)


def save_state(
    state_dir: Path, origin: str, seen: list[dict[str, Any]], body: CheckpointBody
) -> None:
    """Remember checkpoint ``body`` of log ``origin`` next to those ``seen`` before."""
    entry = {"size": body.size, "root": body.root.hex(), "text": body.text}
    if entry not in seen:
        seen.append(entry)
    state_dir.mkdir(parents=True, exist_ok=True)
    doc = {"origin": origin, "checkpoints": seen}
    _state_file(state_dir, origin).write_text(json.dumps(doc, indent=1), encoding="utf-8")


def check_history(ctx: Context) -> str:
    """The tree extends every checkpoint in the state directory and every older checkpoint
    a witness cosigned. Needs ``ctx.tree`` and ``ctx.body``. Not fatal."""
    tree = need(ctx.tree, "tree")
    body = need(ctx.body, "checkpoint")
    seen = load_state(ctx.state_dir, ctx.log_key.name)
    for old in seen:
        if old["size"] > body.size:
            raise Failed(f"history: the log shrank from {old['size']} (seen before) to {body.size}")
        if tree.root(old["size"]).hex() != old["root"]:
            raise Failed(
                f"history: the log is not an extension of the checkpoint of size "
                f"{old['size']} seen before (rewritten history or split view)"
            )
    for rel, old_body in ctx.older:
        if old_body.size > body.size or tree.root(old_body.size) != old_body.root:
            raise Failed(
                f"{rel}: cosigns a checkpoint of size {old_body.size} that this log "
                "does not extend (a fork or split view)"
            )
    older = f", {len(ctx.older)} older cosigned checkpoint(s)" if ctx.older else ""
    return f"consistent with {len(seen)} checkpoint(s) seen before{older}"


def read_leaves(ctx: Context) -> str:
    """Read every log entry into ``ctx.record`` (and drop the raw entries); the log must
    hold a definition leaf. Needs ``ctx.entries``. Fatal."""
    entries = need(ctx.entries, "entries")
    ctx.record = record = read_record(entries)
    ctx.acta_leaf_hashes = [
        hash_leaf(entries[i]).hex() for i in record.actas["log_index"].to_list()
    ]
    ctx.entries = None  # the record (and the acta leaf hashes) hold what later checks need
    if record.definition is None:
        raise Failed("log: no definition leaf")
    return f"{record.actas.height} acta versions, {len(record.bulletins)} bulletins"
