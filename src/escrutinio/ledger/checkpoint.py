"""Checkpoint note bodies: the signed tree head of the log.

Format from C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text is the
origin line, the tree size in ASCII decimal without leading zeroes, the standard base64
(RFC 4648 §4) of the RFC 9162 root hash, then optional non-empty extension lines; every line
ends in a newline.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from escrutinio.ledger.merkle import HASH_SIZE
from escrutinio.ledger.note import NoteSigner, NoteVerifier, open_note, sign_note

_MAX_SIZE = (1 << 64) - 1


class CheckpointError(ValueError):
    """A checkpoint body is malformed or has invalid fields."""


def _check_line(value: str, what: str) -> None:
    if not value:
        raise CheckpointError(f"{what} must not be empty")
    for ch in value:
        if ord(ch) < 0x20 or ch == "\x7f":
            raise CheckpointError(f"{what} contains control character {ch!r}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, 32-byte root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not 0 <= self.size <= _MAX_SIZE:
            raise CheckpointError(f"tree size {self.size} is outside 0..2^64-1")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(self.root_hash)}")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        """Return the checkpoint note text, ending in a newline."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse and validate a checkpoint note text (without signatures)."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(f"checkpoint needs at least 3 lines, got {len(lines)}")
    origin, size_text, root_text, *extensions = lines
    if not size_text.isascii() or not size_text.isdigit():
        raise CheckpointError(f"tree size {size_text!r} is not a decimal number")
    if size_text != str(int(size_text)):
        raise CheckpointError(f"tree size {size_text!r} has leading zeroes")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CheckpointError(f"root hash {root_text!r} is not valid base64") from exc
    if base64.b64encode(root).decode("ascii") != root_text:
        raise CheckpointError(f"root hash {root_text!r} is not canonical base64")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """Return the checkpoint as a signed note (the log's own key name should be the origin)."""
    return sign_note(checkpoint.body(), signers)


def open_checkpoint(
    note: str | bytes, log: NoteVerifier, *, origin: str | None = None
) -> Checkpoint:
    """Verify the log's signature on a checkpoint note and parse it.

    Other signatures (for example witness cosignatures) are ignored here; a bad signature by
    the log key raises `InvalidSignatureError`.  ``origin`` defaults to the log key name.
    """
    opened = open_note(note, [log])
    checkpoint = parse_checkpoint(opened.text)
    expected = log.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {expected!r}")
    return checkpoint
