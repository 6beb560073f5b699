"""The acta versions a re-publication carries over from the previous publication.

An incremental re-publication does not replay the acta leaves that the last passing store
check already covered: it reads them back, column-wise, from the ``actas.parquet`` the
previous publication wrote from exactly that log prefix, and replays only the later leaves
(`escrutinio.publish.replay.Replay.base`). The file is taken only when

- the old ``manifest.json`` carries a ``manifest.note`` that verifies with the log key
  (C2SP signed note) and binds that manifest's SHA-256 to a tree of the integrity mark's size
  and root (`escrutinio.store.integrity_marks`), so the manifest is the one this log's key
  signed for that prefix, whatever the folder holds besides;
- ``actas.parquet`` has the SHA-256 that manifest lists and the columns of ``actas.parquet``;
- its ``log_index`` column is exactly the indexes of the acta leaves of that prefix (checked
  by the store check while it hashes every leaf, `escrutinio.publish.integrity`).

Anything else: None, and the publication replays every leaf as before.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from escrutinio.ledger.note import NoteError, NoteVerifier, open_note
from escrutinio.publish.outdir import MAX_MANIFEST_BYTES, read_regular
from escrutinio.publish.replay import ACTA_SCHEMA
from escrutinio.store.integrity_marks import IntegrityMark

MANIFEST = "manifest.json"
MANIFEST_NOTE = "manifest.note"
MANIFEST_NOTE_FORMAT = "escrutinio-manifest/1"
ACTAS_PARQUET = "actas.parquet"


def manifest_note_text(origin: str, size: int, root_b64: str, manifest: bytes) -> str:
    """The text the log key signs in ``manifest.note``: binds ``manifest.json`` (its SHA-256)
    to the checkpoint of ``size`` and root."""
    return (
        f"{MANIFEST_NOTE_FORMAT}\norigin {origin}\nsize {size}\nroot {root_b64}\n"
        f"sha256 {hashlib.sha256(manifest).hexdigest()}\n"
    )


def _signed_manifest(
    out: Path, origin: str, verifier: NoteVerifier, mark: IntegrityMark
) -> dict[str, object] | None:
    """The old manifest's file list when its note verifies and names the mark's tree."""
    raw = read_regular(out, MANIFEST, MAX_MANIFEST_BYTES)
    note = read_regular(out, MANIFEST_NOTE, MAX_MANIFEST_BYTES)
    if raw is None or note is None:
        return None
    root_b64 = base64.b64encode(mark.root).decode("ascii")
    try:
        opened = open_note(note, [verifier])
        doc = json.loads(raw)
    except (NoteError, ValueError, RecursionError):
        return None
    if opened.text != manifest_note_text(origin, mark.size, root_b64, raw):
        return None
    if not isinstance(doc, dict) or (doc.get("size"), doc.get("root_hash")) != (
        mark.size,
        root_b64,
    ):
        return None
    files = doc.get("files")
    return files if isinstance(files, dict) else None


@dataclass(frozen=True)
class Carried:
    """What a re-publication carries from the previous publication: the acta versions of
    the first ``size`` leaves (its ``actas.parquet``) and the SHA-256 of every file by path
    as its signed manifest lists them (strings, possibly not valid hashes)."""

    actas: pl.DataFrame
    files: dict[str, object]
    size: int


def carried_publication(
    out: Path, origin: str, verifier: NoteVerifier, mark: IntegrityMark
) -> Carried | None:
    """The previous publication in ``out`` as far as a re-publication may build on it (see
    the module docstring for when it is taken); None when it cannot be."""
    files = _signed_manifest(out, origin, verifier, mark)
    if files is None or not isinstance(files.get(ACTAS_PARQUET), str):
        return None
    data = read_regular(out, ACTAS_PARQUET)
    if data is None or hashlib.sha256(data).hexdigest() != files[ACTAS_PARQUET]:
        return None
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except pl.exceptions.PolarsError:
        return None
    if dict(frame.schema) != ACTA_SCHEMA:
        return None
    return Carried(frame, files, mark.size)


def carried_actas(
    out: Path, origin: str, verifier: NoteVerifier, mark: IntegrityMark
) -> pl.DataFrame | None:
    """The acta versions of the first ``mark.size`` leaves, from the previous publication in
    ``out`` (see the module docstring for when it is taken); None when it cannot be."""
    carried = carried_publication(out, origin, verifier, mark)
    return None if carried is None else carried.actas
