"""The typed documents the read seam hands out: snapshots, bulletins, the bulletin index,
acta versions and pending conflicts.

They are plain JSON objects (``TypedDict``), so ``json.dumps`` of one prints exactly what the
CLI and the publication have always printed; the key order of each class is the order of the
JSON object.  The nested ``summary`` and ``contests`` values are the tally's own typed JSON
forms (:class:`~escrutinio.tally.summary.SummaryDoc`,
:class:`~escrutinio.tally.results.ContestResultDoc`).
"""

from __future__ import annotations

from typing import TypedDict

from escrutinio.tally.results import ContestResultDoc
from escrutinio.tally.summary import SummaryDoc

SNAPSHOT_FORMAT = "escrutinio-bulletin/1"
"""The ``format`` field of every snapshot and bulletin."""


class SnapshotDoc(TypedDict):
    """Results at one log size: the election summary and every contest's overall result."""

    format: str
    election: str
    definition_fingerprint: str
    log_size: int
    summary: SummaryDoc
    contests: list[ContestResultDoc]


class BulletinDoc(SnapshotDoc):
    """A snapshot kept forever: its number, when it was recorded and whose actas it counts."""

    number: int
    created_at: str
    source: str


class BulletinEntry(TypedDict):
    """One row of the bulletin index: number, time, source, SHA-256 of its body, log index."""

    number: int
    created_at: str
    source: str
    sha256: str
    log_idx: int


class ActaVersionDoc(TypedDict):
    """One stored version of an acta: its content, status, whether it counts, its hash and
    its position in the log."""

    unit: str
    contest: str
    source: str
    votes: dict[str, int]
    null: int
    blank: int | None
    voters: int
    version: int
    status: str
    counting: bool
    received_at: str
    content_hash: str
    log_index: int


class ConflictDoc(TypedDict):
    """An acta slot with several versions and no decision since the newest one."""

    unit: str
    contest: str
    source: str
    versions: int
