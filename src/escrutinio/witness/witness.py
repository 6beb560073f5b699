"""A witness that cosigns checkpoints of a published log (C2SP tlog-witness behaviour).

The witness fetches the latest checkpoint of a publication (directory or http(s) URL),
verifies the log's signature (C2SP signed-note), and, when it has cosigned an earlier
checkpoint of the same log (kept in its state directory), checks an RFC 9162 consistency
proof between the two computed from the published C2SP tlog-tiles.  Only then does it add its
C2SP tlog-cosignature and remember the new checkpoint.  A smaller tree or a proof that fails
(a fork or split view) is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from escrutinio.ledger.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from escrutinio.ledger.cosignature import CosignatureSigner, cosign
from escrutinio.ledger.merkle import ProofError, verify_consistency
from escrutinio.ledger.note import Ed25519Verifier, NoteError, parse_note
from escrutinio.ledger.tiled import TiledTree
from escrutinio.ledger.tiles import TileError
from escrutinio.model.paths import path_problem
from escrutinio.publish.outdir import PublishError, write_file
from escrutinio.verify.source import FetchError, Source


class WitnessRefusal(Exception):
    """The witness will not cosign: bad signature, rollback, or inconsistent history."""


@dataclass(frozen=True)
class Cosigned:
    """A checkpoint the witness cosigned: the cosigned note and the previous size it extends."""

    checkpoint: Checkpoint
    note: str
    previous_size: int | None
    written_to: Path | None


def _state_path(state_dir: Path, origin: str) -> Path:
    return state_dir / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.checkpoint"


def last_cosigned(state_dir: str | Path, origin: str) -> Checkpoint | None:
    """The last checkpoint of log ``origin`` this witness cosigned, if any."""
    path = _state_path(Path(state_dir), origin)
    if not path.exists():
        return None
    return parse_checkpoint(path.read_text(encoding="utf-8"))


def cosign_publication(
    location: str | Path,
    signer: CosignatureSigner,
    log_key: Ed25519Verifier,
    state_dir: str | Path,
    *,
    write: bool = True,
) -> Cosigned:
    """Check and cosign the latest checkpoint at ``location``; raise `WitnessRefusal`.

    With ``write`` and a directory location, the cosigned note is written to
    ``cosignatures/<witness name>.note`` inside the publication (never through a symbolic
    link to a folder; a witness name that would leave ``cosignatures/`` is refused). Every
    file is read confined and bounded (`escrutinio.verify.source`).
    """
    if signer.public_key == log_key.public_key:
        raise WitnessRefusal(
            "the witness key is the log's own key: a log cannot witness itself (create a "
            "witness key with `escrutinio witness init`)"
        )
    source = Source(location)
    try:
        raw = source.read("checkpoint").decode("utf-8")
        checkpoint = open_checkpoint(raw, log_key)
    except (FetchError, NoteError, UnicodeDecodeError, ValueError) as exc:
        raise WitnessRefusal(f"checkpoint does not verify with the log key: {exc}") from exc
    state = Path(state_dir)
    old = last_cosigned(state, checkpoint.origin)
    if old is not None:
        if checkpoint.size < old.size:
            raise WitnessRefusal(
                f"the log shrank from size {old.size} (cosigned before) to {checkpoint.size}"
            )
        try:
            proof = TiledTree(checkpoint.size, source.read).consistency_proof(
                old.size, checkpoint.size
            )
            verify_consistency(
                old.size, checkpoint.size, proof, old.root_hash, checkpoint.root_hash
            )
        except (ProofError, TileError, FetchError, IndexError) as exc:
            raise WitnessRefusal(
                f"checkpoint of size {checkpoint.size} is not consistent with the checkpoint of "
                f"size {old.size} cosigned before (fork or split view): {exc}"
            ) from exc
    log_only = parse_note(raw)
    kept = [s for s in log_only.signatures if s.name == log_key.name]
    base = log_only.text + "\n" + "".join(s.line() for s in kept)
    note = cosign(base, signer)
    written = None
    if write and source.path is not None:
        rel = f"cosignatures/{signer.name}.note"
        problem = path_problem(rel)
        if problem is not None:
            raise WitnessRefusal(f"cannot write the cosignature: {problem}")
        try:
            write_file(source.path, rel, note.encode("utf-8"))
        except PublishError as exc:
            raise WitnessRefusal(f"cannot write the cosignature: {exc}") from exc
        written = source.path / rel
    state.mkdir(parents=True, exist_ok=True)
    _state_path(state, checkpoint.origin).write_text(checkpoint.body(), encoding="utf-8")
    return Cosigned(checkpoint, note, None if old is None else old.size, written)
