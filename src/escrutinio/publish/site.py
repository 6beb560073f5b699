"""``escrutinio publish``: the whole record as a self-contained static directory.

The log is written as C2SP tlog-tiles (https://c2sp.org/tlog-tiles) next to the latest
C2SP tlog-checkpoint signed with the log key and the cosignatures collected from witnesses
(C2SP tlog-cosignature); the open-data files are rendered by `escrutinio.publish.formats`
from the same log leaves, and ``manifest.json`` lists the SHA-256 of every file.  A
re-publication writes only the tiles returned by `changed_tiles` and the files whose bytes
changed, and removes files the new manifest no longer lists (superseded partial tiles).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escrutinio import reads
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.ledger.tiles import (
    ENTRIES,
    TILE_WIDTH,
    changed_tiles,
    encode_entry_bundle,
    tile_bytes,
    tiles_for_size,
)
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish import formats
from escrutinio.publish.integrity import check_store_state
from escrutinio.publish.replay import Replay, counting_counts
from escrutinio.store.checkpoints import (
    cosignatures,
    cosigned_note,
    latest_checkpoint,
    sign_checkpoint_now,
)
from escrutinio.store.store import Store, StoreError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "escrutinio-publication/1"


@dataclass
class PublishReport:
    """What a publication wrote: tree size, files written, unchanged and removed."""

    out: Path
    size: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(out: Path, rel: str, data: bytes) -> None:
    target = out / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _old_manifest(out: Path, origin: str) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads((out / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {"size": 0, "files": {}}
    if doc.get("origin") != origin or not isinstance(doc.get("files"), dict):
        return {"size": 0, "files": {}}
    return doc


def snapshot_at(store: Store, state: Replay, source: str | None = None) -> reads.SnapshotDoc:
    """The results snapshot (bulletin format) of the replayed log for ``source``."""
    definition = store.definition()
    counts = counting_counts(definition, state.actas, source or definition.info.official_source)
    return reads.snapshot_of(definition, counts, state.size)


def _data_files(
    store: Store, state: Replay, note: str, witness_keys: dict[str, str]
) -> dict[str, bytes]:
    files: dict[str, bytes] = {"checkpoint": note.encode("utf-8")}
    files.update(formats.definition_files(store.definition()))
    files["actas.csv"] = formats.actas_csv(state.actas)
    files["actas.parquet"] = formats.actas_parquet(state.actas)
    snap = snapshot_at(store, state)
    files["results/results.json"] = canonical_json_fast(snap)
    files["results/results.csv"] = formats.results_csv(dict(snap))
    for number, body in reads.bulletin_bodies(store, state.size):
        files[f"bulletins/{number}.json"] = body
        files[f"bulletins/{number}.csv"] = formats.results_csv(json.loads(body))
    files["bulletins/index.csv"] = formats.bulletin_index_csv(
        {**leaf, "log_index": idx} for idx, leaf in state.bulletins
    )
    files["fields.json"] = formats.fields_json()
    for name, vkey in sorted(witness_keys.items()):
        files[f"keys/witnesses/{name}.vkey"] = (vkey + "\n").encode("ascii")
    return files


def publish(
    store: Store,
    out: str | Path,
    signer: Ed25519Signer,
    witness_keys: dict[str, str] | None = None,
) -> PublishReport:
    """Check the store, sign a checkpoint of the current log and (re)write the directory.

    ``witness_keys`` maps witness names to verifier key strings to publish besides those of
    the collected cosignatures.  Raises `StoreError` when the store integrity check fails.
    """
    problems, checked, checked_tree = check_store_state(store)
    if problems:
        raise StoreError("store integrity check failed: " + "; ".join(problems[:5]))
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    sign_checkpoint_now(store, signer)
    stored = latest_checkpoint(store)
    if stored is None:
        raise StoreError("no checkpoint could be signed")
    size = stored.size
    old = _old_manifest(target, signer.name)
    old_size = int(old["size"]) if int(old["size"]) <= size else 0
    first_new_bundle = (old_size // TILE_WIDTH) * TILE_WIDTH
    if checked.size == size:
        tree, state = checked_tree, checked
        bodies = [e.body for e in store.log_entries(first_new_bundle, size)]
    else:  # the log grew between the check and the checkpoint
        tree, state, bodies = MerkleTree(), Replay(), []
        for entry in store.log_entries(0, size):
            tree.append(entry.leaf_hash)
            state.apply(entry.idx, entry.body)
            if entry.idx >= first_new_bundle:
                bodies.append(entry.body)
    if tree.root(size) != stored.root_hash:
        raise StoreError("the log no longer matches its latest signed checkpoint")
    report = PublishReport(target, size)
    hashes: dict[str, str] = {}
    old_files: dict[str, str] = old["files"]
    for tile in changed_tiles(old_size, size):
        if tile.level == ENTRIES:
            lo = tile.index * TILE_WIDTH - first_new_bundle
            data = encode_entry_bundle(bodies[lo : lo + tile.width])
        else:
            data = tile_bytes(tree, tile)
        _write(target, tile.path(), data)
        hashes[tile.path()] = _sha(data)
        report.written.append(tile.path())
    for tile in tiles_for_size(size):
        path = tile.path()
        if path not in hashes:
            known = old_files.get(path)
            hashes[path] = known if known else _sha((target / path).read_bytes())
            report.unchanged += 1
    keys = {c.witness: c.witness_key for c in cosignatures(store)}
    keys.update(witness_keys or {})
    files = _data_files(store, state, cosigned_note(store, stored), keys)
    files["keys/log.vkey"] = (signer.verifier().verifier_key() + "\n").encode("ascii")
    for path, data in sorted(files.items(), key=lambda kv: kv[0] == "checkpoint"):
        digest = _sha(data)
        hashes[path] = digest
        if old_files.get(path) == digest and (target / path).is_file():
            report.unchanged += 1
            continue
        _write(target, path, data)
        report.written.append(path)
    manifest = {
        "format": MANIFEST_FORMAT,
        "origin": signer.name,
        "size": size,
        "root_hash": base64.b64encode(stored.root_hash).decode("ascii"),
        "files": dict(sorted(hashes.items())),
    }
    manifest_bytes = canonical_json_fast(manifest)
    if not (target / MANIFEST).is_file() or (target / MANIFEST).read_bytes() != manifest_bytes:
        _write(target, MANIFEST, manifest_bytes)
        report.written.append(MANIFEST)
    for path in sorted(set(old_files) - set(hashes)):
        (target / path).unlink(missing_ok=True)
        report.removed.append(path)
    return report
