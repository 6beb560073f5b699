"""Step ``checkpoint``: the log's signature, the published keys and the witness
cosignatures (k of n, C2SP tlog-cosignature), including copies in ``cosignatures/``."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from escrutinio.model.paths import path_problem
from escrutinio.verify.notes import (
    CheckpointBody,
    Note,
    NoteProblem,
    PublicKey,
    check_cosignature,
    check_every_signature,
    check_log_signature,
    parse_checkpoint_text,
    parse_key,
    parse_signed_note,
)
from escrutinio.verify.source import FetchError, Source, Unreachable
from escrutinio.verify.steps.context import Context, CouldNotRun, Failed, Files, need


def known_witnesses(
    trusted: Sequence[PublicKey], published: Sequence[PublicKey]
) -> list[PublicKey]:
    """The published witness keys, each replaced by the trusted key of the same name."""
    by_name = {w.name: w for w in published}
    by_name.update({w.name: w for w in trusted})
    return list(by_name.values())


def published_witness_keys(files: Files, trusted: Sequence[PublicKey]) -> list[PublicKey]:
    """The cosignature keys under ``keys/witnesses/``; `Failed` when one is malformed, is
    misnamed, is not a cosignature key or differs from the trusted key of that witness."""
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


def _read_copy(source: Source, rel: str) -> bytes | None:
    try:
        return source.read(rel)
    except Unreachable as exc:
        raise CouldNotRun(str(exc)) from exc
    except FetchError:
        return None


def _checked_copy(data: bytes, rel: str, log_key: PublicKey, w: PublicKey) -> Note:
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
    return extra


def witness_note(
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
        data = _read_copy(source, rel)
        if data is None:
            continue
        extra = _checked_copy(data, rel, log_key, w)
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


def check_checkpoint(ctx: Context) -> str:
    """The checkpoint is signed by the trusted log key, agrees with the manifest, and is
    cosigned by at least ``ctx.min_witnesses`` trusted witnesses.

    Needs ``ctx.files``; establishes ``ctx.note``, ``ctx.body``, ``ctx.cosigned``,
    ``ctx.size`` and the older cosigned checkpoints. Fatal."""
    files = need(ctx.files, "manifest")
    note = parse_signed_note(files.get("checkpoint"))
    ctx.note = note
    ctx.body = body = check_log_signature(note, ctx.log_key)
    root = base64.b64encode(body.root).decode("ascii")
    if (ctx.manifest.get("size"), ctx.manifest.get("root_hash")) != (body.size, root):
        raise Failed("manifest.json: size or root_hash differs from the signed checkpoint")
    published = files.get("keys/log.vkey")
    if published != (ctx.log_key.key_string() + "\n").encode("ascii"):
        raise Failed(
            "keys/log.vkey: not the trusted log key as published (the key line and a newline)"
        )
    published_witnesses = published_witness_keys(files, ctx.witnesses)
    check_every_signature(note, [ctx.log_key, *ctx.witnesses, *published_witnesses])
    known = known_witnesses(ctx.witnesses, published_witnesses)
    full = witness_note(ctx.source, note, ctx.log_key, known, ctx.covered, ctx.older)
    for w in ctx.witnesses:
        if check_cosignature(full, w) is not None:
            ctx.cosigned.append(w.name)
    if len(ctx.cosigned) < ctx.min_witnesses:
        raise Failed(
            f"checkpoint: {len(ctx.cosigned)} of the required {ctx.min_witnesses} "
            "witnesses cosigned it"
        )
    ctx.size = body.size
    names = ", ".join(ctx.cosigned) or "none"
    return f"size {body.size}, signed by {ctx.log_key.name}; witnesses: {names}"
