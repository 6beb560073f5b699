"""What an audit has recorded and what it reports: the state types every method shares.

An audit draws *units*: polling tables (table methods) or ballots ``batch:position`` of a
ballot manifest (ballot methods). ``rounds[r][key]`` lists the units drawn in round r+1 under
``key``: a contest id, or :data:`POOLED` when one sample serves every contest (MACRO and the
ballot methods, with repeats when sampling with replacement).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.workflow.reported import ReportedContest

POOLED = "*"  # draw key of a sample shared by all contests (MACRO, ballot methods)

IntArray = NDArray[np.int64]


class DiscrepancyDoc(TypedDict):
    """JSON form of a :class:`Discrepancy` in a status document."""

    unit: str
    difference: list[int]


class ContestStatusDoc(TypedDict):
    """JSON form of a :class:`ContestStatus`."""

    contest: str
    tables: int
    drawn: int
    audited: int
    risk: float
    confirmed: bool
    discrepancies: list[DiscrepancyDoc]
    next_size: int
    full_hand_count_required: bool
    reported_totals: list[int]
    corrected_totals: list[int] | None
    outcome_changed: bool | None
    note: str
    unit: str


class AuditStatusDoc(TypedDict):
    """JSON form of an :class:`AuditStatus` (``audit status -f json``, the report's status)."""

    round: int
    pending_hand_counts: int
    conclusion: str
    contests: list[ContestStatusDoc]


@dataclass
class AuditState:
    """Everything an audit has recorded: definition of the audit, rounds and hand counts.

    ``rounds[r][contest]`` lists the tables drawn for that contest in round r+1 (MACRO: key
    ``"*"``, with repeats). ``counts[(unit, contest)]`` is the latest hand count per option.
    Ballot methods draw ballot ids ``batch:position`` under key ``"*"`` from ``manifest``
    (batch → ballots); ``counts[(ballot, contest)]`` is then the hand reading, 0/1 per
    option, and ``cvrs[ballot][contest]`` the CVR in the same form. ``test`` is ``bravo``,
    ``alpha`` or ``kaplan-markov``; ``table_batches`` are the manifest's batches that are
    polling tables of the election; ``threshold`` the share of the valid votes the winner
    needs (supermajority assertions; None: plurality); ``draws`` the draw scheme recorded
    with the audit (``ppeb-without-replacement``: a ``table-comparison`` audit created before
    that method drew with replacement, run as ``table-comparison-wor``; "": the method's own).
    """

    name: str
    method: str
    risk_limit: float
    seed: str
    contests: tuple[str, ...]
    reported: dict[str, ReportedContest]
    percent: float | None = None
    rounds: list[dict[str, list[str]]] = field(default_factory=list)
    counts: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    manifest: dict[str, int] = field(default_factory=dict)
    cvrs: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    test: str = ""
    replacement: bool = True
    table_batches: frozenset[str] = frozenset()
    threshold: float | None = None
    draws: str = ""

    def drawn(self, contest: str) -> list[str]:
        """All tables drawn for a contest so far, in draw order (a pooled table sample: the
        draws that fall in the contest; ballots are not tables and are not listed)."""
        members: set[str] | None = None
        out: list[str] = []
        for r in self.rounds:
            out.extend(r.get(contest, []))
            pooled = r.get(POOLED)
            if pooled:
                if members is None:
                    members = set(self.reported[contest].units)
                out.extend(u for u in pooled if u in members)
        return out

    def contests_of(self, unit: str) -> list[str]:
        """Audited contests in which the table voted."""
        return [c for c in self.contests if unit in self.reported[c].position]

    def required(self) -> list[tuple[str, str]]:
        """(unit, contest) pairs that need a hand count, in draw order, without repeats: a
        contest's own draws for that contest; a pooled draw for the contests it carries
        (a table: :meth:`contests_of`; a ballot of the manifest: its batch's contests)."""
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, str]] = []
        pooled = ballot_contest_lookup(self) if self.manifest else self.contests_of
        for r in self.rounds:
            for key, units in r.items():
                for u in units:
                    for cid in pooled(u) if key == POOLED else [key]:
                        if (u, cid) not in seen:
                            seen.add((u, cid))
                            out.append((u, cid))
        return out

    def missing(self) -> list[tuple[str, str]]:
        """Drawn (unit, contest) pairs still without a hand count."""
        return [k for k in self.required() if k not in self.counts]


def ballot_contest_lookup(state: AuditState) -> Callable[[str], list[str]]:
    """The audited contests to read on a ballot ``batch:position``: when its batch is a
    polling table, the audited contests of that table (maybe none); otherwise every audited
    contest. The table → contests map is built once."""
    by_table: dict[str, list[str]] = {b: [] for b in state.table_batches}
    for c in state.contests:
        for u in state.reported[c].units:
            by_table.setdefault(u, []).append(c)
    every = list(state.contests)

    def lookup(ballot_id: str) -> list[str]:
        return by_table.get(ballot_id.rpartition(":")[0], every)

    return lookup


@dataclass(frozen=True)
class HandCount:
    """The hand count of one unit in one contest, votes per option in contest order (a
    ballot's reading: 0/1 per option)."""

    unit: str
    contest: str
    votes: tuple[int, ...]
    reason: str = ""


@dataclass(frozen=True)
class Estimate:
    """Sample-size estimate of one contest before drawing (or the attained risk, fixed %)."""

    contest: str
    tables: int
    margin: float
    expected_tables: float
    expected_ballots: float
    note: str


@dataclass(frozen=True)
class Discrepancy:
    """Hand count minus acta (ballot methods: minus CVR), per option, of one audited unit."""

    unit: str
    contest: str
    difference: tuple[int, ...]


@dataclass
class ContestStatus:
    """Where one contest stands after the hand counts recorded so far."""

    contest: str
    tables: int
    drawn: int
    audited: int
    risk: float
    confirmed: bool
    discrepancies: list[Discrepancy]
    next_size: int = 0
    full_hand_count: bool = False
    corrected_totals: tuple[int, ...] | None = None
    reported_totals: tuple[int, ...] = ()
    outcome_changed: bool | None = None
    note: str = ""
    unit: str = "tables"

    def to_dict(self) -> ContestStatusDoc:
        """JSON-ready form."""
        return {
            "contest": self.contest,
            "tables": self.tables,
            "drawn": self.drawn,
            "audited": self.audited,
            "risk": self.risk,
            "confirmed": self.confirmed,
            "discrepancies": [
                {"unit": d.unit, "difference": list(d.difference)} for d in self.discrepancies
            ],
            "next_size": self.next_size,
            "full_hand_count_required": self.full_hand_count,
            "reported_totals": list(self.reported_totals),
            "corrected_totals": (
                list(self.corrected_totals) if self.corrected_totals is not None else None
            ),
            "outcome_changed": self.outcome_changed,
            "note": self.note,
            "unit": self.unit,
        }


@dataclass
class AuditStatus:
    """Status of every contest, the pending hand counts and the overall conclusion."""

    round: int
    contests: list[ContestStatus]
    pending: int
    conclusion: str

    def to_dict(self) -> AuditStatusDoc:
        """JSON-ready form."""
        return {
            "round": self.round,
            "pending_hand_counts": self.pending,
            "conclusion": self.conclusion,
            "contests": [c.to_dict() for c in self.contests],
        }
