"""Steps ``manifest`` (every listed file matches its SHA-256) and ``binding`` (the log key
signs the manifest's digest together with the checkpoint)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.paths import path_problem
from escrutinio.verify.notes import NoteProblem, check_signed_by, parse_signed_note
from escrutinio.verify.source import FetchError, Source, Unreachable
from escrutinio.verify.steps.context import Context, CouldNotRun, Failed, Files, need

MANIFEST_FORMAT = "escrutinio-publication/1"
MANIFEST_NOTE = "manifest.note"
MANIFEST_NOTE_FORMAT = "escrutinio-manifest/1"
_HEX = frozenset("0123456789abcdef")
REQUIRED = (
    "checkpoint",
    "keys/log.vkey",
    "actas.csv",
    "actas_prep.csv",
    "actas.parquet",
    "definition/election.json",
    "definition/regions.csv",
    "definition/units.csv",
    "results/results.json",
    "results/results.csv",
    "bulletins/index.csv",
    "fields.json",
)


def _read(source: Source, rel: str) -> bytes:
    try:
        return source.read(rel)
    except Unreachable as exc:
        raise CouldNotRun(str(exc)) from exc
    except FetchError as exc:
        raise Failed(str(exc)) from exc


def _check_entries(files: dict[str, Any]) -> None:
    for rel, digest in files.items():
        problem = path_problem(rel)
        if problem is not None:
            raise Failed(f"manifest.json: refused entry: {problem}")
        if rel in ("manifest.json", MANIFEST_NOTE):
            raise Failed(f"manifest.json: lists {rel}, which cannot list itself")
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
            raise Failed(f"manifest.json: {rel}: the SHA-256 is not 64 lowercase hex digits")
    missing = [f for f in REQUIRED if f not in files]
    if missing:
        raise Failed(f"manifest.json: missing {', '.join(missing)}")


def load_manifest(source: Source, origin: str) -> tuple[dict[str, Any], bytes]:
    """manifest.json parsed and its raw bytes; `Failed` unless it is canonical JSON of this
    format and log, listing safe paths with SHA-256 digests and every required file."""
    raw = _read(source, "manifest.json")
    try:
        doc = json.loads(raw)
    except RecursionError as exc:
        raise Failed("manifest.json: nested too deep") from exc
    except ValueError as exc:
        raise Failed(f"manifest.json: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), dict):
        raise Failed("manifest.json: no 'files' object")
    if canonical_json_fast(doc) != raw:
        raise Failed("manifest.json: not canonical JSON (RFC 8785)")
    if doc.get("format") != MANIFEST_FORMAT:
        raise Failed(f"manifest.json: format is not {MANIFEST_FORMAT}")
    if doc.get("origin") != origin:
        origin_text = str(doc.get("origin"))[:80]
        raise Failed(f"manifest.json: origin {origin_text!r} is not the log {origin!r}")
    _check_entries(doc["files"])
    return doc, raw


def check_manifest(ctx: Context) -> str:
    """Read the manifest and every listed file but the tiles, each against its SHA-256.

    Establishes ``ctx.manifest``, ``ctx.manifest_raw`` and ``ctx.files``. Fatal."""
    try:
        ctx.source.check_reachable()
    except Unreachable as exc:
        raise CouldNotRun(str(exc)) from exc
    ctx.manifest, ctx.manifest_raw = load_manifest(ctx.source, ctx.log_key.name)
    ctx.files = Files(ctx.source, ctx.manifest["files"])
    for rel in ctx.files.manifest:
        if not rel.startswith("tile/"):
            ctx.files.get(rel)
    return f"{len(ctx.files.manifest)} files listed"


def check_binding(ctx: Context) -> str:
    """manifest.note is the log key's signature over this manifest's SHA-256 and the
    verified checkpoint's size and root. Needs ``ctx.body``. Fatal."""
    body = need(ctx.body, "checkpoint")
    try:
        note = parse_signed_note(_read(ctx.source, MANIFEST_NOTE))
    except NoteProblem as exc:
        raise Failed(f"{MANIFEST_NOTE}: {exc}") from exc
    check_signed_by(note, ctx.log_key, MANIFEST_NOTE)
    root = base64.b64encode(body.root).decode("ascii")
    want = (
        f"{MANIFEST_NOTE_FORMAT}\norigin {ctx.log_key.name}\nsize {body.size}\n"
        f"root {root}\nsha256 {hashlib.sha256(ctx.manifest_raw).hexdigest()}\n"
    )
    if note.text != want:
        raise Failed(f"{MANIFEST_NOTE}: does not bind this manifest.json to the signed checkpoint")
    return "manifest.json is bound to the checkpoint by the log key"
