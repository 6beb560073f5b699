"""Totalization: contest results overall and by region, race status, election summary.

Pure NumPy over unit-level counts; no database, CLI or I/O here.
"""

from escrutinio.tally.compare import diff
from escrutinio.tally.contest import tally_contest, tally_regions
from escrutinio.tally.counts import ContestCounts, check_counts, counts_from_actas
from escrutinio.tally.results import (
    AllianceResult,
    CandidateResult,
    ContestResult,
    OptionResult,
    PartyResult,
    RaceStatus,
)
from escrutinio.tally.running import RunningTally
from escrutinio.tally.summary import INDEPENDENT, Summary, summarize, unit_turnout
from escrutinio.tally.totals import Totals

__all__ = [
    "INDEPENDENT",
    "AllianceResult",
    "CandidateResult",
    "ContestCounts",
    "ContestResult",
    "OptionResult",
    "PartyResult",
    "RaceStatus",
    "RunningTally",
    "Summary",
    "Totals",
    "check_counts",
    "counts_from_actas",
    "diff",
    "summarize",
    "tally_contest",
    "tally_regions",
    "unit_turnout",
]
