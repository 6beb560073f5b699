"""The read seam: the one way the CLI, the publisher and the coming website and API read the
record — results (overall and by region level), the election summary, snapshots and
bulletins, acta versions with their decisions, pending conflicts, per-unit frames, audit
status and signed checkpoints.

Everything here reads; the one write is :func:`record_bulletin`, which keeps a snapshot
forever.  Documents are typed (:mod:`escrutinio.reads.documents`) and print as the JSON the
CLI and the publication have always printed.
"""

from escrutinio.audit.workflow.state import AuditStatusDoc
from escrutinio.reads.actas import acta_versions, pending_conflicts, version_document
from escrutinio.reads.audits import audit_state, audit_status, audit_status_document
from escrutinio.reads.checkpoints import checkpoints, cosignatures, latest_checkpoint
from escrutinio.reads.documents import (
    SNAPSHOT_FORMAT,
    ActaVersionDoc,
    BulletinDoc,
    BulletinEntry,
    ConflictDoc,
    SnapshotDoc,
)
from escrutinio.reads.frames import rejected_frame, sources, unit_frame
from escrutinio.reads.results import (
    bulletin,
    bulletin_bodies,
    bulletins,
    contest_results,
    election_summary,
    load_counts,
    record_bulletin,
    regional_results,
    snapshot,
    snapshot_of,
)
from escrutinio.tally.results import ContestResultDoc
from escrutinio.tally.summary import SummaryDoc

__all__ = [
    "SNAPSHOT_FORMAT",
    "ActaVersionDoc",
    "AuditStatusDoc",
    "BulletinDoc",
    "BulletinEntry",
    "ConflictDoc",
    "ContestResultDoc",
    "SnapshotDoc",
    "SummaryDoc",
    "acta_versions",
    "audit_state",
    "audit_status",
    "audit_status_document",
    "bulletin",
    "bulletin_bodies",
    "bulletins",
    "checkpoints",
    "contest_results",
    "cosignatures",
    "election_summary",
    "latest_checkpoint",
    "load_counts",
    "pending_conflicts",
    "record_bulletin",
    "regional_results",
    "rejected_frame",
    "snapshot",
    "snapshot_of",
    "sources",
    "unit_frame",
    "version_document",
]
