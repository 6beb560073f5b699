"""``escrutinio publish``: the whole record as a self-contained static directory.

The log is written as C2SP tlog-tiles (https://c2sp.org/tlog-tiles) next to the latest
C2SP tlog-checkpoint signed with the log key and the cosignatures collected from witnesses
(C2SP tlog-cosignature); the open-data files are rendered by `escrutinio.publish.formats`
from the same log leaves, ``manifest.json`` lists the SHA-256 of every file and
``manifest.note`` (a signed note by the log key) binds the manifest's SHA-256 to the
checkpoint's size and root. A re-publication compares every file on disk with what it should
hold (entry bundles by their leaf hashes; after an incremental store check, files older than
the old manifest by the hash it lists) and rewrites only those that differ, and removes
regular files the old manifest listed and the new one does not (superseded partial tiles).
``archive`` also writes the whole publication as one tar (`escrutinio.publish.archive`).
With ``website`` the results site (`escrutinio.website`, see docs/site.md) is written with
the data files, before the checkpoint, and listed in the manifest like them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from escrutinio import reads
from escrutinio.images.store import ImageStore
from escrutinio.ledger.merkle import MerkleTree, leaf_hash
from escrutinio.ledger.note import Ed25519Signer, sign_note
from escrutinio.ledger.resumed import saved_nodes
from escrutinio.ledger.tiles import (
    ENTRIES,
    TILE_WIDTH,
    Tile,
    TileError,
    decode_entry_bundle,
    encode_entry_bundle,
    tile_bytes,
    tiles_for_size,
)
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.model.paths import path_problem
from escrutinio.publish import columns, formats
from escrutinio.publish.archive import ARCHIVE, ARCHIVE_SHA256, write_archive
from escrutinio.publish.carry import MANIFEST as MANIFEST
from escrutinio.publish.carry import MANIFEST_NOTE as MANIFEST_NOTE
from escrutinio.publish.carry import MANIFEST_NOTE_FORMAT as MANIFEST_NOTE_FORMAT
from escrutinio.publish.carry import carried_publication
from escrutinio.publish.carry import manifest_note_text as manifest_note_text
from escrutinio.publish.integrity import check_store_state
from escrutinio.publish.opendata import DataFile, Earlier, Kept, Pieces, data_files
from escrutinio.publish.outdir import (
    MAX_MANIFEST_BYTES,
    read_regular,
    regular_stat,
    remove_regular,
    write_file,
)
from escrutinio.publish.previous import Previous, changed_slots
from escrutinio.publish.replay import Replay
from escrutinio.store import definitions as store_definitions
from escrutinio.store import images as store_images
from escrutinio.store import log as store_log
from escrutinio.store.checkpoints import (
    cosignatures,
    cosigned_note,
    latest_checkpoint,
    sign_checkpoint_now,
)
from escrutinio.store.definitions import read_definition
from escrutinio.store.integrity_marks import IntegrityMark, read_mark, write_mark
from escrutinio.store.store import Store, StoreError
from escrutinio.tally import ContestCounts

MANIFEST_FORMAT = "escrutinio-publication/1"


class SiteWriter(Protocol):
    """Renders more files to publish with the data (the results website, which lives above
    ``publish``: `escrutinio.website.publication.publication_site`)."""

    def __call__(
        self,
        definition: Definition,
        files: Mapping[str, bytes],
        actas: pl.DataFrame,
        adjudications: Sequence[tuple[int, Mapping[str, Any]]],
        out: Path,
        previous: Previous | None = None,
        *,
        audits: Sequence[tuple[int, Mapping[str, Any]]] | None = None,
        counts: Mapping[str, ContestCounts] | None = None,
    ) -> Iterable[tuple[str, bytes | None]]:
        """The files (path, bytes) of the publication being written to ``out``, from its
        definition, data files by path, acta versions, adjudication leaves, audit step
        leaves (None: read from ``out``'s entry bundles) and the official source's counts
        of its results (None: computed from the acta versions). Bytes ``None``: the file
        is left as ``previous`` wrote it (only for a path that ``previous.reusable``
        accepts)."""
        ...


@dataclass
class PublishReport:
    """What a publication wrote: tree size, files written, unchanged and removed, and the
    entries of the old manifest that were ignored (with the reason)."""

    out: Path
    size: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    check: str = "full"
    archive_sha256: str | None = None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _OldManifest:
    """The old ``manifest.json``: its confined paths with the SHA-256 it gives them, and the
    tree (size, base64 root) it was published with (-1, "" when it names none)."""

    paths: dict[str, str] = field(default_factory=dict)
    size: int = -1
    root_b64: str = ""


def _old_manifest(out: Path, origin: str, report: PublishReport) -> _OldManifest:
    """The confined paths listed by the old ``manifest.json`` (candidates for removal) with
    the SHA-256 it gives them (a string, possibly not a valid hash), and its tree.

    Entries that are not confined relative paths are ignored with a warning and never
    touched."""
    raw = read_regular(out, MANIFEST, MAX_MANIFEST_BYTES)
    if raw is None:
        return _OldManifest()
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        report.warnings.append(f"{MANIFEST} (old): not valid JSON; ignored")
        return _OldManifest()
    if not isinstance(doc, dict) or doc.get("origin") != origin:
        return _OldManifest()
    files = doc.get("files")
    if not isinstance(files, dict):
        return _OldManifest()
    size, root = doc.get("size"), doc.get("root_hash")
    old = _OldManifest(
        size=size if type(size) is int else -1, root_b64=root if isinstance(root, str) else ""
    )
    for rel, digest in files.items():
        problem = path_problem(rel)
        if problem is not None:
            report.warnings.append(f"{MANIFEST} (old): entry ignored, never touched: {problem}")
        elif rel not in (MANIFEST, MANIFEST_NOTE):
            old.paths[rel] = digest if isinstance(digest, str) else ""
    return old


@dataclass
class _Disk:
    """What the folder holds. A full check compares the bytes on disk; an incremental
    re-publish (``trusted``) takes the old manifest's hash for a regular file of the right
    size last modified before the old manifest was written, and reads the others."""

    out: Path
    old: dict[str, str]
    trusted: bool

    def __post_init__(self) -> None:
        manifest = regular_stat(self.out, MANIFEST)
        self.before = manifest[1] if manifest is not None else 0
        self.trusted = self.trusted and manifest is not None

    def kept(self, rel: str, size: int | None = None) -> bool:
        """True when ``rel`` is a regular file older than the old manifest (of ``size``)."""
        found = regular_stat(self.out, rel)
        return found is not None and found[1] < self.before and size in (None, found[0])

    def known(self, rel: str, size: int, digest: str) -> bool | None:
        """Whether the file ``rel`` holds ``size`` bytes of SHA-256 ``digest``, when an
        incremental re-publish can tell without reading it (it is unchanged since the old
        manifest, which lists its hash); else None."""
        if not self.trusted or not self.old.get(rel) or not self.kept(rel):
            return None
        return self.old[rel] == digest and self.kept(rel, size)

    def same(self, rel: str, data: bytes, digest: str) -> bool:
        """True when the file ``rel`` already holds ``data`` (SHA-256 ``digest``)."""
        if self.trusted and self.old.get(rel) == digest and self.kept(rel, len(data)):
            return True
        return read_regular(self.out, rel) == data


def _previous(old: _OldManifest, disk: _Disk, tree: MerkleTree, state: Replay) -> Previous | None:
    """The previous publication, when the re-publish trusts the folder and the old manifest
    names a prefix of the current log (`escrutinio.publish.previous`)."""
    if not disk.trusted or not 0 <= old.size <= tree.size:
        return None
    if base64.b64encode(tree.root(old.size)).decode("ascii") != old.root_b64:
        return None
    return Previous(old.size, changed_slots(state, old.size), old.paths, disk.kept)


def snapshot_at(
    store: Store, state: Replay, source: str | None = None, actas: pl.DataFrame | None = None
) -> reads.SnapshotDoc:
    """The results snapshot (bulletin format) of the replayed log for ``source`` (``actas``:
    its acta versions, `Replay.acta_frame`, when already built)."""
    definition = store_definitions.read_definition(store)
    frame = state.acta_frame() if actas is None else actas
    counts = columns.counting_counts(definition, frame, source or definition.info.official_source)
    return reads.snapshot_of(definition, counts, state.size)


def _write_data(
    target: Path, path: str, body: DataFile, disk: _Disk, hashes: dict[str, str]
) -> bool:
    """Record the SHA-256 of ``body`` for ``path`` and write it unless the file already
    holds it (a `Kept` file is left as it is); True when written."""
    if isinstance(body, Kept):
        hashes[path] = body.digest
        return False
    if isinstance(body, Pieces):
        hashes[path] = body.digest
        if disk.known(path, body.size, body.digest):  # else it differs (or is not trusted)
            return False
        write_file(target, path, body.parts)  # atomic: new file, then rename
        return True
    digest = hashes[path] = _sha(body)
    if disk.same(path, body, digest):
        return False
    write_file(target, path, body)
    return True


def _image_files(store: Store, state: Replay, files: dict[str, bytes]) -> list[str]:
    """Add images.csv (from the image leaves) and qr-checks.csv (every recorded check of an
    image recorded within the log) to ``files``; returns the SHA-256 of every image to
    publish. Nothing is added when no image is attached."""
    refs = store_images.image_refs(store, state.size)
    if not refs and not state.images:
        return []
    files["images.csv"] = formats.images_csv(state.images)
    by_id = {ref.id: ref for ref in refs}
    rows = [
        {
            "unit": ref.unit,
            "contest": ref.contest,
            "source": ref.source,
            "version": ref.version,
            "sha256": ref.sha256,
            "status": check.status,
            "differences": check.detail.get("differences", []),
            "detail": check.detail.get("detail", ""),
            "checked_at": check.checked_at,
        }
        for check in store_images.qr_checks(store)
        if (ref := by_id.get(check.image_id)) is not None
    ]
    files["qr-checks.csv"] = formats.qr_checks_csv(rows)
    return sorted({ref.sha256 for ref in refs} | {leaf["sha256"] for _, leaf in state.images})


def _write_images(
    images: ImageStore | None,
    digests: list[str],
    target: Path,
    hashes: dict[str, str],
    report: PublishReport,
) -> None:
    """Copy every image to ``images/<sha256>`` unless the file there already holds it."""
    if digests and images is None:
        raise StoreError(f"{len(digests)} image(s) are attached to actas: give the image folder")
    for digest in digests:
        rel = f"images/{digest}"
        hashes[rel] = digest
        on_disk = read_regular(target, rel)
        if on_disk is not None and _sha(on_disk) == digest:
            report.unchanged += 1
            continue
        assert images is not None
        write_file(target, rel, images.read(digest))
        report.written.append(rel)


def _bundle_ok(data: bytes | None, tree: MerkleTree, tile: Tile) -> bool:
    """True when the on-disk entry bundle holds exactly the entries of the tree's leaves."""
    if data is None:
        return False
    try:
        entries = decode_entry_bundle(data, tile.width)
    except TileError:
        return False
    start = tile.index * TILE_WIDTH
    hashes = b"".join(leaf_hash(e) for e in entries)
    return hashes == tree.level_bytes(0, start, start + tile.width)


def _write_tiles(
    store: Store, target: Path, tree: MerkleTree, report: PublishReport, disk: _Disk
) -> dict[str, str]:
    """Write every tile whose bytes on disk differ from the log's; their SHA-256 by path.
    (Incremental: a full entry bundle the old manifest lists with a file of the right size
    is kept unread; its entries' hashes are the tree's, which the integrity check compared
    with the signed checkpoints.)"""
    hashes: dict[str, str] = {}
    stale: list[Tile] = []
    for tile in tiles_for_size(tree.size):
        if tile.level == ENTRIES and disk.trusted and tile.width == TILE_WIDTH:
            known = disk.old.get(tile.path())
            if known and disk.kept(tile.path()):
                hashes[tile.path()] = known
                report.unchanged += 1
                continue
        if tile.level != ENTRIES:
            data = tile_bytes(tree, tile)
            digest = _sha(data)
            hashes[tile.path()] = digest
            if disk.same(tile.path(), data, digest):
                report.unchanged += 1
            else:
                write_file(target, tile.path(), data)
                report.written.append(tile.path())
            continue
        on_disk = read_regular(target, tile.path())
        if _bundle_ok(on_disk, tree, tile):
            assert on_disk is not None
            hashes[tile.path()] = _sha(on_disk)
            report.unchanged += 1
        else:
            stale.append(tile)
    runs: list[list[Tile]] = []
    for tile in stale:  # consecutive bundles are read from the store in one pass
        if runs and runs[-1][-1].index + 1 == tile.index:
            runs[-1].append(tile)
        else:
            runs.append([tile])
    for run in runs:
        lo = run[0].index * TILE_WIDTH
        hi = run[-1].index * TILE_WIDTH + run[-1].width
        bodies = [e.body for e in store_log.log_entries(store, lo, hi)]
        for tile in run:
            start = tile.index * TILE_WIDTH - lo
            data = encode_entry_bundle(bodies[start : start + tile.width])
            write_file(target, tile.path(), data)
            hashes[tile.path()] = _sha(data)
            report.written.append(tile.path())
    return hashes


def publish(
    store: Store,
    out: str | Path,
    signer: Ed25519Signer,
    witness_keys: dict[str, str] | None = None,
    *,
    website: SiteWriter | None = None,
    images: ImageStore | None = None,
    full_check: bool = False,
    archive: bool = False,
) -> PublishReport:
    """Check the store, sign a checkpoint of the current log and (re)write the directory.

    ``witness_keys`` maps witness names to verifier key strings to publish besides those of
    the collected cosignatures. Every file whose bytes on disk differ from what it should
    hold is rewritten; files the old manifest listed and the new one does not are removed
    when they are regular files inside ``out`` (entries of the old manifest that are not
    confined paths are ignored with a warning). With ``website`` the files it renders (the
    results site; ``escrutinio publish`` always passes it) are written and listed too.
    Images attached to actas are copied from ``images`` to ``images/<sha256>`` (each
    re-checked against its hash), with ``images.csv`` and ``qr-checks.csv``.

    The store integrity check is incremental from the last check that passed
    (`escrutinio.publish.integrity`) unless ``full_check`` or there is none yet. With
    ``archive`` the whole publication is also written as ``archive/publication.tar``
    (`escrutinio.publish.archive`).
    Raises `StoreError` when the store integrity check fails and `PublishError` when
    ``out`` cannot be written safely.
    """
    mark = None if full_check else read_mark(store)
    target = Path(out)
    carried = (
        None if mark is None else carried_publication(target, signer.name, signer.verifier(), mark)
    )
    problems, checked, checked_tree = check_store_state(
        store, mark, None if carried is None else carried.actas
    )
    if problems:
        raise StoreError("store integrity check failed: " + "; ".join(problems[:5]))
    root = checked_tree.root(checked.size)
    write_mark(store, IntegrityMark(checked.size, root, saved_nodes(checked_tree, checked.size)))
    target.mkdir(parents=True, exist_ok=True)
    sign_checkpoint_now(store, signer, checked_tree)
    stored = latest_checkpoint(store)
    if stored is None:
        raise StoreError("no checkpoint could be signed")
    size = stored.size
    report = PublishReport(target, size)
    if mark is not None:
        report.check = f"incremental from log size {mark.size}"
    old = _old_manifest(target, signer.name, report)
    old_paths = old.paths
    disk = _Disk(target, old_paths, trusted=mark is not None)
    if checked.size == size:
        tree, state = checked_tree, checked
    else:  # the log grew between the check and the checkpoint
        tree, state = MerkleTree(), Replay()
        for entry in store_log.log_entries(store, 0, size):
            tree.append(entry.leaf_hash)
            state.apply(entry.idx, entry.body)
    if tree.root(size) != stored.root_hash:
        raise StoreError("the log no longer matches its latest signed checkpoint")
    hashes = _write_tiles(store, target, tree, report, disk)
    keys = {c.witness: c.witness_key for c in cosignatures(store)}
    keys.update(witness_keys or {})
    actas = state.acta_frame()
    earlier = None if carried is None else Earlier(target, carried, disk.old, disk.kept)
    note_text = cosigned_note(store, stored)
    rendered, counts = data_files(store, state, actas, tree, note_text, keys, earlier)
    files = {path: body for path, body in rendered.items() if isinstance(body, bytes)}
    files["keys/log.vkey"] = (signer.verifier().verifier_key() + "\n").encode("ascii")
    _write_images(images, _image_files(store, state, files), target, hashes, report)
    rendered.update(files)
    ordered = sorted(rendered.items(), key=lambda kv: kv[0] == "checkpoint")  # checkpoint last
    pages: Iterable[tuple[str, bytes | None]] = (
        website(
            read_definition(store),
            files,
            actas,
            state.adjudications,
            target,
            previous=_previous(old, disk, tree, state),
            audits=state.audits,
            counts=counts,
        )
        if website is not None
        else ()
    )
    for path, body in chain(ordered[:-1], pages, ordered[-1:]):
        if body is None:  # the site left it as the previous publication wrote it
            if not disk.old.get(path):
                raise StoreError(f"{path}: kept by the site but not in the old manifest")
            hashes[path] = disk.old[path]
            report.unchanged += 1
            continue
        if _write_data(target, path, body, disk, hashes):
            report.written.append(path)
        else:
            report.unchanged += 1
    root_b64 = base64.b64encode(stored.root_hash).decode("ascii")
    manifest = {
        "format": MANIFEST_FORMAT,
        "origin": signer.name,
        "size": size,
        "root_hash": root_b64,
        "files": dict(sorted(hashes.items())),
    }
    manifest_bytes = canonical_json_fast(manifest)
    note = sign_note(manifest_note_text(signer.name, size, root_b64, manifest_bytes), [signer])
    for path, data in ((MANIFEST, manifest_bytes), (MANIFEST_NOTE, note.encode("utf-8"))):
        if read_regular(target, path) != data:
            write_file(target, path, data)
            report.written.append(path)
    for path in sorted(set(old_paths) - set(hashes)):
        if remove_regular(target, path):
            report.removed.append(path)
    if archive:
        report.archive_sha256 = write_archive(target, [*hashes, MANIFEST, MANIFEST_NOTE])
    else:  # an archive of an older publication would no longer match it
        for path in (ARCHIVE, ARCHIVE_SHA256):
            if remove_regular(target, path):
                report.removed.append(path)
    return report
