"""``escrutinio verify``: check a publication trusting nothing but the public keys.

Steps: the manifest's SHA-256 of every file; the checkpoint's log signature and the witness
cosignatures (k of n, C2SP tlog-cosignature); the whole RFC 9162 tree rebuilt from the
C2SP tlog-tiles entry bundles against the checkpoint root; consistency with every checkpoint
seen before (kept in a state directory, so a rewritten history is caught even when it is
internally consistent); the definition, actas, results and every bulletin recomputed from the
log leaves and compared field by field and byte for byte with the published files; every
audit's table draws re-derived from its public seed.

This package imports only `escrutinio.model` and `escrutinio.tally` from escrutinio.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.errors import EscrutinioError
from escrutinio.model.fields import FIELDS, field_dictionary_json
from escrutinio.model.paths import path_problem
from escrutinio.tally import diff
from escrutinio.verify import expected
from escrutinio.verify.audits import check_audit_draws
from escrutinio.verify.merkle import Tree, check_inclusion, hash_leaf
from escrutinio.verify.notes import (
    CheckpointBody,
    Note,
    NoteProblem,
    PublicKey,
    check_cosignature,
    check_every_signature,
    check_log_signature,
    check_signed_by,
    parse_checkpoint_text,
    parse_key,
    parse_signed_note,
)
from escrutinio.verify.rebuild import rebuild_definition
from escrutinio.verify.record import Record, RecordProblem, read_record
from escrutinio.verify.snapshots import Snapshots
from escrutinio.verify.source import MAX_FILE_BYTES, FetchError, Source, Unreachable
from escrutinio.verify.tiles import TileProblem, read_entries

MANIFEST_FORMAT = "escrutinio-publication/1"
MANIFEST_NOTE = "manifest.note"
MANIFEST_NOTE_FORMAT = "escrutinio-manifest/1"
INTERNAL = "unexpected content the check could not interpret"
_HEX = frozenset("0123456789abcdef")
REQUIRED = (
    "checkpoint",
    "keys/log.vkey",
    "actas.csv",
    "actas.parquet",
    "definition/election.json",
    "definition/regions.csv",
    "definition/units.csv",
    "results/results.json",
    "results/results.csv",
    "bulletins/index.csv",
    "fields.json",
)


class Failed(Exception):
    """A check failed; its message names what failed."""


class CouldNotRun(Failed):
    """The publication could not be reached, so nothing could be checked."""


@dataclass
class Check:
    """One named check and its outcome."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


@dataclass
class Report:
    """The outcome of verifying a publication."""

    location: str
    checks: list[Check] = field(default_factory=list)
    size: int | None = None
    witnesses: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    could_not_run: bool = False

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[Check]:
        """The failed checks."""
        return [c for c in self.checks if not c.ok]

    @property
    def exit_code(self) -> int:
        """0 verified, 1 a check failed, 2 the publication could not be reached."""
        if self.could_not_run:
            return 2
        return 0 if self.ok else 1


class _Files:
    """Published files checked against the manifest on first read."""

    def __init__(self, source: Source, manifest: dict[str, str]) -> None:
        self.source = source
        self.manifest = manifest
        self.cache: dict[str, bytes] = {}

    def get(self, rel: str) -> bytes:
        if rel in self.cache:
            return self.cache[rel]
        want = self.manifest.get(rel)
        if want is None:
            raise Failed(f"{rel}: not listed in manifest.json")
        try:
            data = self.source.read(rel)
        except Unreachable as exc:
            raise CouldNotRun(str(exc)) from exc
        except FetchError as exc:
            raise Failed(str(exc)) from exc
        if hashlib.sha256(data).hexdigest() != want:
            raise Failed(f"{rel}: SHA-256 does not match manifest.json")
        if not rel.startswith("tile/"):
            self.cache[rel] = data
        return data


def _run(report: Report, name: str, step: Callable[[], str]) -> bool:
    start = time.perf_counter()
    try:
        detail = step()
    except CouldNotRun as exc:
        report.could_not_run = True
        report.checks.append(Check(name, False, str(exc)))
        return False
    except Failed as exc:
        report.checks.append(Check(name, False, str(exc)))
        return False
    except (NoteProblem, TileProblem, RecordProblem) as exc:
        report.checks.append(Check(name, False, str(exc)))
        return False
    except RecursionError:
        report.checks.append(Check(name, False, "a published JSON document is nested too deep"))
        return False
    except (Exception, pl.exceptions.PanicException) as exc:  # a failed check, never a crash
        detail = f"{INTERNAL} ({type(exc).__name__}: {str(exc)[:200]})"
        report.checks.append(Check(name, False, detail))
        return False
    report.checks.append(Check(name, True, detail, time.perf_counter() - start))
    return True


def _load_manifest(source: Source, origin: str) -> tuple[dict[str, Any], bytes]:
    try:
        raw = source.read("manifest.json")
    except Unreachable as exc:
        raise CouldNotRun(str(exc)) from exc
    except FetchError as exc:
        raise Failed(str(exc)) from exc
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
    for rel, digest in doc["files"].items():
        problem = path_problem(rel)
        if problem is not None:
            raise Failed(f"manifest.json: refused entry: {problem}")
        if rel in ("manifest.json", MANIFEST_NOTE):
            raise Failed(f"manifest.json: lists {rel}, which cannot list itself")
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
            raise Failed(f"manifest.json: {rel}: the SHA-256 is not 64 lowercase hex digits")
    missing = [f for f in REQUIRED if f not in doc["files"]]
    if missing:
        raise Failed(f"manifest.json: missing {', '.join(missing)}")
    return doc, raw


def _state_file(state_dir: Path, origin: str) -> Path:
    return state_dir / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"


def _load_state(state_dir: Path | None, origin: str) -> list[dict[str, Any]]:
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
        raise CouldNotRun(f"{path}: the verifier's state cannot be read ({_first(exc)})") from exc
    if not ok:
        raise CouldNotRun(f"{path}: the verifier's state is not a list of checkpoints")
    return list(seen)


def _save_state(
    state_dir: Path, origin: str, seen: list[dict[str, Any]], body: CheckpointBody
) -> None:
    entry = {"size": body.size, "root": body.root.hex(), "text": body.text}
    if entry not in seen:
        seen.append(entry)
    state_dir.mkdir(parents=True, exist_ok=True)
    doc = {"origin": origin, "checkpoints": seen}
    _state_file(state_dir, origin).write_text(json.dumps(doc, indent=1), encoding="utf-8")


def _known_witnesses(
    trusted: Sequence[PublicKey], published: Sequence[PublicKey]
) -> list[PublicKey]:
    by_name = {w.name: w for w in published}
    by_name.update({w.name: w for w in trusted})
    return list(by_name.values())


def _witness_note(
    source: Source,
    note: Note,
    log_key: PublicKey,
    witnesses: Sequence[PublicKey],
    covered: set[str],
    older: list[tuple[str, CheckpointBody]],
) -> Note:
    """The checkpoint note with the cosignatures witnesses dropped in ``cosignatures/``.

    Every copy by a known witness (trusted or published key) must carry that witness's valid
    cosignature and no signature but the log's and the witness's, on the published checkpoint
    or on an earlier checkpoint of the same log (appended to ``older``, to be checked against
    the tree); checked copies are added to ``covered``. Copies by unknown witnesses are left
    for the coverage report."""
    sigs = list(note.signatures)
    for w in witnesses:
        rel = f"cosignatures/{w.name}.note"
        if path_problem(rel) is not None:
            continue
        try:
            data = source.read(rel)
        except Unreachable as exc:
            raise CouldNotRun(str(exc)) from exc
        except FetchError:
            continue
        try:
            extra = parse_signed_note(data)
        except NoteProblem as exc:
            raise Failed(f"{rel}: {exc}") from exc
        try:
            check_every_signature(extra, [log_key, w])
            if check_cosignature(extra, w) is None:
                raise Failed(f"{rel}: the signature is not by {w.name}'s published key")
        except NoteProblem as exc:
            raise Failed(f"{rel}: {exc}") from exc
        covered.add(rel)
        if extra.text != note.text:
            try:
                body = parse_checkpoint_text(extra.text)
            except NoteProblem as exc:
                raise Failed(f"{rel}: {exc}") from exc
            if body.origin != parse_checkpoint_text(note.text).origin:
                raise Failed(f"{rel}: cosigns a checkpoint of another log")
            older.append((rel, body))
            continue
        sigs.extend(s for s in extra.signatures if s not in sigs)
    return Note(note.text, tuple(sigs))


@dataclass
class _Context:
    files: _Files | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_raw: bytes = b""
    note: Note | None = None
    covered: set[str] = field(default_factory=set)
    older: list[tuple[str, CheckpointBody]] = field(default_factory=list)
    body: CheckpointBody | None = None
    tree: Tree | None = None
    entries: list[bytes] | None = None
    record: Record | None = None
    snapshots: Snapshots | None = None


def verify_publication(
    location: str | Path | Source,
    log_key: PublicKey,
    witnesses: Sequence[PublicKey] = (),
    min_witnesses: int = 0,
    state_dir: str | Path | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Report:
    """Verify the publication at ``location`` (directory or URL); see the module docstring.

    No file larger than ``max_file_bytes`` is read (tiles, notes and the manifest have
    smaller fixed limits, see `escrutinio.verify.source`)."""
    source = location if isinstance(location, Source) else Source(location, max_file_bytes)
    report = Report(source.location)
    ctx = _Context()
    state = Path(state_dir) if state_dir is not None else None

    def manifest() -> str:
        try:
            source.check_reachable()
        except Unreachable as exc:
            raise CouldNotRun(str(exc)) from exc
        ctx.manifest, ctx.manifest_raw = _load_manifest(source, log_key.name)
        ctx.files = _Files(source, ctx.manifest["files"])
        for rel in ctx.files.manifest:
            if not rel.startswith("tile/"):
                ctx.files.get(rel)
        return f"{len(ctx.files.manifest)} files listed"

    def checkpoint() -> str:
        assert ctx.files is not None
        note = parse_signed_note(ctx.files.get("checkpoint"))
        ctx.note = note
        ctx.body = check_log_signature(note, log_key)
        root = base64.b64encode(ctx.body.root).decode("ascii")
        if (ctx.manifest.get("size"), ctx.manifest.get("root_hash")) != (ctx.body.size, root):
            raise Failed("manifest.json: size or root_hash differs from the signed checkpoint")
        published = ctx.files.get("keys/log.vkey").decode("ascii", "replace").strip()
        if published != log_key.key_string():
            raise Failed("keys/log.vkey: the published log key is not the trusted key")
        published_witnesses = _check_published_keys(ctx.files, witnesses)
        check_every_signature(note, [log_key, *witnesses, *published_witnesses])
        full = _witness_note(
            source,
            note,
            log_key,
            _known_witnesses(witnesses, published_witnesses),
            ctx.covered,
            ctx.older,
        )
        for w in witnesses:
            if check_cosignature(full, w) is not None:
                report.witnesses.append(w.name)
        if len(report.witnesses) < min_witnesses:
            raise Failed(
                f"checkpoint: {len(report.witnesses)} of the required {min_witnesses} "
                "witnesses cosigned it"
            )
        report.size = ctx.body.size
        names = ", ".join(report.witnesses) or "none"
        return f"size {ctx.body.size}, signed by {log_key.name}; witnesses: {names}"

    def binding() -> str:
        assert ctx.body is not None
        try:
            note = parse_signed_note(source.read(MANIFEST_NOTE))
        except Unreachable as exc:
            raise CouldNotRun(str(exc)) from exc
        except FetchError as exc:
            raise Failed(str(exc)) from exc
        except NoteProblem as exc:
            raise Failed(f"{MANIFEST_NOTE}: {exc}") from exc
        check_signed_by(note, log_key, MANIFEST_NOTE)
        root = base64.b64encode(ctx.body.root).decode("ascii")
        want = (
            f"{MANIFEST_NOTE_FORMAT}\norigin {log_key.name}\nsize {ctx.body.size}\n"
            f"root {root}\nsha256 {hashlib.sha256(ctx.manifest_raw).hexdigest()}\n"
        )
        if note.text != want:
            raise Failed(
                f"{MANIFEST_NOTE}: does not bind this manifest.json to the signed checkpoint"
            )
        return "manifest.json is bound to the checkpoint by the log key"

    def tiles() -> str:
        assert ctx.files is not None and ctx.body is not None
        ctx.tree, ctx.entries = read_entries(ctx.body.size, ctx.files.get)
        if ctx.tree.root() != ctx.body.root:
            raise Failed("tiles: the rebuilt tree root differs from the signed checkpoint root")
        return f"{ctx.body.size} entries rebuilt, root matches"

    def history() -> str:
        assert ctx.tree is not None and ctx.body is not None
        seen = _load_state(state, log_key.name)
        for old in seen:
            if old["size"] > ctx.body.size:
                raise Failed(
                    f"history: the log shrank from {old['size']} (seen before) to {ctx.body.size}"
                )
            if ctx.tree.root(old["size"]).hex() != old["root"]:
                raise Failed(
                    f"history: the log is not an extension of the checkpoint of size "
                    f"{old['size']} seen before (rewritten history or split view)"
                )
        for rel, old_body in ctx.older:
            if old_body.size > ctx.body.size or ctx.tree.root(old_body.size) != old_body.root:
                raise Failed(
                    f"{rel}: cosigns a checkpoint of size {old_body.size} that this log "
                    "does not extend (a fork or split view)"
                )
        older = f", {len(ctx.older)} older cosigned checkpoint(s)" if ctx.older else ""
        return f"consistent with {len(seen)} checkpoint(s) seen before{older}"

    def leaves() -> str:
        assert ctx.entries is not None
        ctx.record = read_record(ctx.entries)
        ctx.entries = None  # the record holds what later checks need
        if ctx.record.definition is None:
            raise Failed("log: no definition leaf")
        return f"{ctx.record.actas.height} acta versions, {len(ctx.record.bulletins)} bulletins"

    def definition() -> str:
        assert ctx.files is not None and ctx.record is not None
        assert ctx.record.definition is not None
        files = {p: ctx.files.get(p) for p in REQUIRED if p.startswith("definition/")}
        try:
            rebuilt, fingerprint = rebuild_definition(files, ctx.record.definition)
        except (
            ValueError,
            EscrutinioError,
            csv.Error,
            pl.exceptions.PolarsError,
            pl.exceptions.PanicException,
        ) as exc:
            raise Failed(f"definition/: does not rebuild: {_first(exc)}") from exc
        ctx.snapshots = Snapshots(rebuilt, fingerprint, ctx.record)
        return f"fingerprint {fingerprint[:16]}… matches the log"

    def actas() -> str:
        assert ctx.files is not None and ctx.record is not None
        _compare_bytes(
            "actas.csv", ctx.files.get("actas.csv"), expected.actas_csv(ctx.record.actas)
        )
        ctx.files.cache.pop("actas.csv", None)
        try:
            frame = pl.read_parquet(io.BytesIO(ctx.files.get("actas.parquet")))
            ctx.files.cache.pop("actas.parquet", None)
            bad = expected.actas_frame_matches(frame, ctx.record.actas)
        except (
            pl.exceptions.PolarsError,
            pl.exceptions.PanicException,
            OSError,
            ValueError,
        ) as exc:
            raise Failed(f"actas.parquet: not the expected Parquet table ({_first(exc)})") from exc
        if bad is not None:
            raise Failed(f"actas.parquet: differs from the acta leaves (row {bad})")
        return f"{ctx.record.actas.height} acta versions match their leaves"

    def results() -> str:
        assert ctx.files is not None and ctx.record is not None and ctx.body is not None
        assert ctx.snapshots is not None
        published = _json("results/results.json", ctx.files.get("results/results.json"))
        snap = ctx.snapshots.snapshot(
            ctx.record.counting_now(),
            ctx.snapshots.definition.info.official_source,
            ctx.body.size,
        )
        _compare_doc("results/results.json", snap, published)
        _compare_bytes(
            "results/results.json", ctx.files.get("results/results.json"), canonical_json_fast(snap)
        )
        _compare_bytes(
            "results/results.csv", ctx.files.get("results/results.csv"), expected.results_csv(snap)
        )
        return f"{len(snap['contests'])} contests recomputed from the actas"

    def bulletins() -> str:
        assert ctx.files is not None and ctx.record is not None and ctx.snapshots is not None
        for bulletin in ctx.record.bulletins:
            idx, leaf = bulletin.index, bulletin.leaf
            for name in ("sha256", "created_at"):
                if not isinstance(leaf.get(name), str):
                    raise Failed(f"log entry {idx}: bulletin field '{name}' is not text")
            rel = f"bulletins/{leaf['number']}.json"
            data = ctx.files.get(rel)
            if hashlib.sha256(data).hexdigest() != leaf["sha256"]:
                raise Failed(f"{rel}: SHA-256 differs from the bulletin's log leaf {idx}")
            doc = _json(rel, data)
            snap = ctx.snapshots.snapshot(bulletin.counting, leaf["source"], idx)
            want = {
                **snap,
                "number": leaf["number"],
                "created_at": leaf["created_at"],
                "source": leaf["source"],
            }
            _compare_doc(rel, want, doc)
            _compare_bytes(rel, data, canonical_json_fast(want))
            csv_rel = f"bulletins/{leaf['number']}.csv"
            _compare_bytes(csv_rel, ctx.files.get(csv_rel), expected.results_csv(want))
        _compare_bytes(
            "bulletins/index.csv",
            ctx.files.get("bulletins/index.csv"),
            expected.bulletin_index_csv(ctx.record.bulletins),
        )
        listed = {
            p for p in ctx.files.manifest if p.startswith("bulletins/") and p.endswith(".json")
        }
        extra = listed - {f"bulletins/{b.leaf['number']}.json" for b in ctx.record.bulletins}
        if extra:
            raise Failed(f"{sorted(extra)[0]}: a published bulletin that is not in the log")
        return f"{len(ctx.record.bulletins)} bulletins recomputed and match"

    def audits() -> str:
        assert ctx.record is not None and ctx.snapshots is not None
        return check_audit_draws(ctx.snapshots.definition, ctx.record).summary()

    def fields() -> str:
        assert ctx.files is not None
        _compare_bytes("fields.json", ctx.files.get("fields.json"), field_dictionary_json())
        return f"{len(FIELDS)} files described, rebuilt byte for byte"

    def coverage() -> str:
        covered = {"manifest.json", MANIFEST_NOTE, *ctx.manifest.get("files", {}), *ctx.covered}
        report.uncovered = [rel for rel in source.walk() if rel not in covered]
        if source.path is None:
            return "not listable over http(s)"
        if not report.uncovered:
            return "every file in the publication is covered by a check"
        shown = ", ".join(repr(p) for p in report.uncovered[:5])
        more = f" (+{len(report.uncovered) - 5} more)" if len(report.uncovered) > 5 else ""
        return f"{len(report.uncovered)} file(s) no check covers: {shown}{more}"

    steps: list[tuple[str, Callable[[], str]]] = [
        ("manifest", manifest),
        ("checkpoint", checkpoint),
        ("binding", binding),
        ("tiles", tiles),
        ("history", history),
        ("leaves", leaves),
        ("definition", definition),
        ("actas", actas),
        ("results", results),
        ("bulletins", bulletins),
        ("audits", audits),
        ("fields", fields),
        ("coverage", coverage),
    ]
    for name, step in steps:
        if not _run(report, name, step) and name in (
            "manifest",
            "checkpoint",
            "binding",
            "tiles",
            "leaves",
            "definition",
        ):
            break
    if report.ok and state is not None and ctx.body is not None:
        _save_state(state, log_key.name, _load_state(state, log_key.name), ctx.body)
    return report


def _check_published_keys(files: _Files, trusted: Sequence[PublicKey]) -> list[PublicKey]:
    by_name = {w.name: w for w in trusted}
    out: list[PublicKey] = []
    for rel in files.manifest:
        if not rel.startswith("keys/witnesses/"):
            continue
        data = files.get(rel)
        try:
            key = parse_key(data.decode("ascii"))
        except (UnicodeDecodeError, NoteProblem) as exc:
            raise Failed(f"{rel}: not a valid verifier key ({exc})") from exc
        if rel != f"keys/witnesses/{key.name}.vkey" or data != f"{key.key_string()}\n".encode():
            raise Failed(f"{rel}: key name or encoding does not match its file")
        if key.sig_type != 4:
            raise Failed(f"{rel}: not a cosignature (type 0x04) key")
        if key.name in by_name and by_name[key.name] != key:
            raise Failed(f"{rel}: differs from the trusted key of witness {key.name}")
        out.append(key)
    return out


def _first(exc: BaseException) -> str:
    """The first line of an exception's message, at most 200 characters."""
    text = str(exc).strip().split("\n", 1)[0]
    return text[:200] or type(exc).__name__


def _json(rel: str, data: bytes) -> Any:
    """``data`` parsed as JSON; `Failed` naming ``rel`` when it is not JSON."""
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise Failed(f"{rel}: nested too deep") from exc
    except ValueError as exc:  # includes UnicodeDecodeError
        raise Failed(f"{rel}: not valid JSON ({_first(exc)})") from exc


def _compare_bytes(name: str, actual: bytes, want: bytes) -> None:
    if actual == want:
        return
    a_lines, w_lines = actual.split(b"\n"), want.split(b"\n")
    for i, (a, w) in enumerate(zip(a_lines, w_lines, strict=False)):
        if a != w:
            raise Failed(f"{name}: line {i + 1} differs from the value recomputed from the log")
    raise Failed(f"{name}: has {len(a_lines)} lines, expected {len(w_lines)}")


def _compare_doc(name: str, want: Any, actual: Any) -> None:
    problems = diff(want, actual, rel_tol=0.0)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Failed(f"{name}: {problems[0]}{more}")


@dataclass
class ActaProof:
    """Where a party's acta copy is in the log, with its verified inclusion proof."""

    found: bool
    size: int
    root: str
    index: int | None = None
    version: int | None = None
    counting: bool | None = None
    leaf_hash: str | None = None
    proof: list[str] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return dict(self.__dict__)


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    try:
        return {
            "unit": str(doc["unit"]),
            "contest": str(doc["contest"]),
            "source": str(doc["source"]),
            "votes": {str(k): int(v) for k, v in doc["votes"].items()},
            "null": int(doc["null"]),
            "blank": None if doc.get("blank") is None else int(doc["blank"]),
            "voters": int(doc["voters"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"the acta file lacks a field or has a bad value ({exc})") from exc


def verify_acta(location: str | Path, log_key: PublicKey, acta: dict[str, Any]) -> ActaProof:
    """Find a party's copy of an acta in the publication and prove its inclusion.

    Verifies the checkpoint signature and rebuilds the tree from the tiles first; raises
    `ValueError` (or a subclass) when the publication itself does not verify and
    `Unreachable` when it cannot be reached.
    """
    source = Source(location)
    source.check_reachable()
    try:
        note = parse_signed_note(source.read("checkpoint"))
    except Unreachable:
        raise
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    body = check_log_signature(note, log_key)
    try:
        tree, entries = read_entries(body.size, source.read)
    except Unreachable:
        raise
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    if tree.root() != body.root:
        raise ValueError("the tiles do not match the signed checkpoint root")
    want = canonical_json_fast(_content(acta))
    wanted = _content(acta)
    proof = ActaProof(False, body.size, body.root.hex())
    for index, entry in enumerate(entries):
        if b'"kind":"acta"' not in entry:
            continue
        leaf = json.loads(entry)
        if canonical_json_fast(leaf["acta"]) == want:
            path = tree.inclusion(index)
            if not check_inclusion(index, body.size, hash_leaf(entry), path, body.root):
                raise ValueError(f"inclusion proof of entry {index} does not verify")
            proof.found = True
            proof.index = index
            proof.version = int(leaf["version"])
            proof.counting = _counting_now(entries, index, leaf)
            proof.leaf_hash = hash_leaf(entry).hex()
            proof.proof = [p.hex() for p in path]
            return proof
        a = leaf["acta"]
        if (a["unit"], a["contest"], a["source"]) == (
            wanted["unit"],
            wanted["contest"],
            wanted["source"],
        ):
            proof.others.append(
                {"index": index, "version": leaf["version"], "differences": diff(wanted, a)}
            )
    return proof


def _counting_now(entries: list[bytes], index: int, leaf: dict[str, Any]) -> bool:
    counting = bool(leaf["counting"])
    a = leaf["acta"]
    for entry in entries[index + 1 :]:
        if b'"kind":"adjudication"' in entry:
            adj = json.loads(entry)
            if (adj["unit"], adj["contest"], adj["source"]) == (
                a["unit"],
                a["contest"],
                a["source"],
            ):
                counting = adj["version"] == leaf["version"]
    return counting
