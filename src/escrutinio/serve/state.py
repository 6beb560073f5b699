"""The state of a publication folder that live clients care about: which checkpoint and
bulletin it shows, read from ``checkpoint``, ``manifest.note``, ``latest.json`` and the
bulletin files. A state is only taken when the folder holds a complete publication: the
signed manifest note, written last by ``escrutinio publish``, names the checkpoint's size
and root (it is small, unlike ``manifest.json`` of a large election)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from escrutinio.ledger.checkpoint import CheckpointError, parse_checkpoint
from escrutinio.serve.files import PublishedFiles

WATCHED = ("manifest.note", "checkpoint", "latest.json")
"""The files whose change means a new publication (or a new cosignature)."""

_NOTE_SIZE = re.compile(r"^size (\d+)$", re.MULTILINE)
_NOTE_ROOT = re.compile(r"^root (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class PublicationState:
    """One complete publication: checkpoint, bulletin and what changed since the previous
    bulletin, as announced to live clients."""

    origin: str
    tree_size: int
    root_hash: str
    checkpoint_sha256: str
    bulletin: int | None
    bulletin_time: str | None
    races_changed: tuple[str, ...]
    latest: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def event_id(self) -> str:
        """A short id that changes with the checkpoint (a new cosignature included)."""
        return f"{self.tree_size}-{self.checkpoint_sha256[:16]}"

    def to_event(self) -> dict[str, Any]:
        """The JSON data of the server-sent event announcing this state."""
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "checkpoint_sha256": self.checkpoint_sha256,
            "bulletin": self.bulletin,
            "bulletin_time": self.bulletin_time,
            "races_changed": list(self.races_changed),
        }


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def bulletin_index(files: PublishedFiles) -> list[dict[str, Any]]:
    """``bulletins/index.csv`` as the CLI's ``bulletins -f json`` rows (``log_idx``), oldest
    first; rows that do not parse are left out."""
    data = files.read("bulletins/index.csv")
    if data is None:
        return []
    rows: list[dict[str, Any]] = []
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        for row in reader:
            rows.append(
                {
                    "number": int(row["number"]),
                    "created_at": row["created_at"],
                    "source": row["source"],
                    "sha256": row["sha256"],
                    "log_idx": int(row["log_index"]),
                }
            )
    except (KeyError, ValueError, TypeError, UnicodeDecodeError, csv.Error):
        return rows
    return sorted(rows, key=lambda r: int(r["number"]))


def bulletin_doc(files: PublishedFiles, number: int) -> dict[str, Any] | None:
    """The stored bulletin ``number`` of the publication, or None."""
    doc = _json(files.read(f"bulletins/{number}.json"))
    return doc if isinstance(doc, dict) else None


def contest_fingerprint(contest: dict[str, Any]) -> str:
    """What makes two bulletins' results of one race equal (votes, counts and status)."""
    return json.dumps(
        [
            contest.get("candidates"),
            contest.get("actas_counted"),
            contest.get("voters"),
            contest.get("status"),
        ],
        sort_keys=True,
    )


def changed_races(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """Ids of the races whose results differ between two bulletins (all when no old one)."""
    if new is None:
        return []
    before = {c.get("contest_id"): contest_fingerprint(c) for c in (old or {}).get("contests", [])}
    return [
        str(c.get("contest_id"))
        for c in new.get("contests", [])
        if before.get(c.get("contest_id")) != contest_fingerprint(c)
    ]


def read_state(files: PublishedFiles) -> PublicationState | None:
    """The current complete publication in the folder, or None while there is none (no
    checkpoint yet, or the manifest does not match the checkpoint: a publish is running)."""
    note = files.read("checkpoint")
    sealed = files.read("manifest.note", 1 << 16)
    if note is None or sealed is None:
        return None
    try:
        text = note.decode("utf-8")
        body = text.split("\n\n", 1)[0] + "\n"
        checkpoint = parse_checkpoint(body)
    except (UnicodeDecodeError, CheckpointError):
        return None
    root = base64.b64encode(checkpoint.root_hash).decode("ascii")
    seal = sealed.decode("utf-8", "replace")
    size, seal_root = _NOTE_SIZE.search(seal), _NOTE_ROOT.search(seal)
    if size is None or seal_root is None:
        return None
    if int(size.group(1)) != checkpoint.size or seal_root.group(1) != root:
        return None
    latest = _json(files.read("latest.json"))
    latest = latest if isinstance(latest, dict) else None
    index = bulletin_index(files)
    number = index[-1]["number"] if index else None
    when = index[-1]["created_at"] if index else None
    races: list[str] | None = None
    if latest is not None:
        got = latest.get("races_changed", latest.get("changed"))
        if isinstance(got, list) and all(isinstance(r, str) for r in got):
            races = got
    if races is None and number is not None:
        prev = bulletin_doc(files, number - 1) if number > 1 else None
        races = changed_races(prev, bulletin_doc(files, number))
    return PublicationState(
        checkpoint.origin,
        checkpoint.size,
        root,
        hashlib.sha256(note).hexdigest(),
        number,
        when,
        tuple(races or ()),
        latest,
    )
