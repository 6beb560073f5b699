"""The claims checker: sentences in Spanish or English about seats, races, votes, shares,
margins, turnout, voters, electorate and actas become readings, each with the figure a
results snapshot gives and a verdict (``accurate``, ``approximately_accurate``,
``inaccurate``, ``not_checkable``) pinned to a bulletin and a log checkpoint.

Pure: it reads the definition and results documents it is handed (``reads.claims`` builds
them from the store). Vocabulary, thresholds and rules: docs/claims.md.
"""

from escrutinio.claims.check import CheckedReading, ClaimCheck, check_assertions, check_claim
from escrutinio.claims.record import Checkpoint, Record, Snapshot, SnapshotKey

__all__ = [
    "CheckedReading",
    "Checkpoint",
    "ClaimCheck",
    "Record",
    "Snapshot",
    "SnapshotKey",
    "check_assertions",
    "check_claim",
]
