"""Election summary: seats by alliance for decided races, pending races, national votes.

Seats are counted only for decided races (final, or irreversible in the sense of
REFERENCES.md "Race calling": the leader's margin exceeds all outstanding registered
electors). Turnout counts each polling unit once, whatever the number of contests it
votes in: its voters are the largest ``voters`` among its counted actas, and the
denominator is the registered electors of units with at least one counted acta.

Keys of :meth:`Summary.to_dict`: ``election_id``, ``election_name``, ``seats``
{alliance: n}, ``seat_winners`` [{``contest_id``, ``candidate_id``, ``alliance``}],
``pending`` [contest names], ``pending_ids`` [contest ids], ``votes`` {alliance: n},
``vote_shares`` {alliance: % of valid}, ``valid``, ``turnout`` {``voters``, ``registered``,
``pct``}, ``actas_counted``, ``actas_expected``, ``contests_by_status`` {state: [contest ids]}.
Candidates and votes with no alliance go under ``"independent"``; zero entries are left out
of ``seats`` and ``votes``, and keys follow the definition's alliance order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from escrutinio.model.definition import Definition
from escrutinio.tally.counts import ContestCounts
from escrutinio.tally.results import STATES, ContestResult

INDEPENDENT = "independent"
"""Key for seats and votes of candidates and options outside every alliance."""


class SeatWinnerDoc(TypedDict):
    """JSON form of a :class:`SeatWinner`."""

    contest_id: str
    candidate_id: str
    alliance: str


class TurnoutDoc(TypedDict):
    """JSON form of a :class:`Turnout`."""

    voters: int
    registered: int
    pct: float | None


class SummaryDoc(TypedDict):
    """JSON form of a :class:`Summary` (keys in the module docstring)."""

    election_id: str
    election_name: str
    seats: dict[str, int]
    seat_winners: list[SeatWinnerDoc]
    pending: list[str]
    pending_ids: list[str]
    votes: dict[str, int]
    vote_shares: dict[str, float]
    valid: int
    turnout: TurnoutDoc
    actas_counted: int
    actas_expected: int
    contests_by_status: dict[str, list[str]]


@dataclass(frozen=True)
class SeatWinner:
    """A seat won in a decided race."""

    contest_id: str
    candidate_id: str
    alliance: str

    def to_dict(self) -> SeatWinnerDoc:
        """JSON-ready dict: contest_id, candidate_id, alliance."""
        return {
            "contest_id": self.contest_id,
            "candidate_id": self.candidate_id,
            "alliance": self.alliance,
        }


@dataclass(frozen=True)
class Turnout:
    """Voters over registered electors of the units with a counted acta (pct None if unknown)."""

    voters: int
    registered: int
    pct: float | None

    def to_dict(self) -> TurnoutDoc:
        """JSON-ready dict: voters, registered, pct."""
        return {"voters": self.voters, "registered": self.registered, "pct": self.pct}


@dataclass(frozen=True)
class Summary:
    """The state of the whole election at one moment."""

    election_id: str
    election_name: str
    seats: dict[str, int]
    seat_winners: tuple[SeatWinner, ...]
    pending: tuple[str, ...]
    pending_ids: tuple[str, ...]
    votes: dict[str, int]
    vote_shares: dict[str, float]
    valid: int
    turnout: Turnout
    actas_counted: int
    actas_expected: int
    contests_by_status: dict[str, list[str]]

    def to_dict(self) -> SummaryDoc:
        """JSON-ready dict with the keys listed in the module docstring."""
        return {
            "election_id": self.election_id,
            "election_name": self.election_name,
            "seats": dict(self.seats),
            "seat_winners": [w.to_dict() for w in self.seat_winners],
            "pending": list(self.pending),
            "pending_ids": list(self.pending_ids),
            "votes": dict(self.votes),
            "vote_shares": dict(self.vote_shares),
            "valid": self.valid,
            "turnout": self.turnout.to_dict(),
            "actas_counted": self.actas_counted,
            "actas_expected": self.actas_expected,
            "contests_by_status": {k: list(v) for k, v in self.contests_by_status.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        """Rebuild a summary from :meth:`to_dict` output (e.g. a stored bulletin)."""
        t = d["turnout"]
        return cls(
            election_id=d["election_id"],
            election_name=d["election_name"],
            seats=dict(d["seats"]),
            seat_winners=tuple(SeatWinner(**w) for w in d["seat_winners"]),
            pending=tuple(d["pending"]),
            pending_ids=tuple(d["pending_ids"]),
            votes=dict(d["votes"]),
            vote_shares=dict(d["vote_shares"]),
            valid=d["valid"],
            turnout=Turnout(t["voters"], t["registered"], t["pct"]),
            actas_counted=d["actas_counted"],
            actas_expected=d["actas_expected"],
            contests_by_status={k: list(v) for k, v in d["contests_by_status"].items()},
        )


def _ordered(definition: Definition, totals: dict[str, int]) -> dict[str, int]:
    order = [*definition.alliances, INDEPENDENT]
    rest = sorted(k for k in totals if k not in order)
    return {k: totals[k] for k in [*order, *rest] if totals.get(k)}


def unit_turnout(definition: Definition, counts: Iterable[ContestCounts]) -> Turnout:
    """Turnout over polling units, each counted once (voters = max over its counted actas)."""
    n = len(definition.units)
    voters = np.zeros(n, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    for c in counts:
        if c.units.size == 0:
            continue
        col = c.counts[:, -1]
        voters[c.units] = np.maximum(voters[c.units], col)
        seen[c.units] = True
    total_voters = int(voters.sum())
    registered = int(definition.units.registered[seen].sum())
    pct = (
        100.0 * total_voters / registered
        if definition.info.registered_known and registered > 0
        else None
    )
    return Turnout(total_voters, registered, pct)


def summarize(
    definition: Definition,
    results: Iterable[ContestResult],
    counts: Mapping[str, ContestCounts] | Iterable[ContestCounts],
) -> Summary:
    """Summarize whole-contest results (region rows are ignored) and the counts behind them."""
    overall = [r for r in results if r.region_id is None]
    seats: dict[str, int] = {}
    winners: list[SeatWinner] = []
    votes: dict[str, int] = {}
    by_status: dict[str, list[str]] = {s: [] for s in STATES}
    pending: list[ContestResult] = []
    for r in overall:
        state = r.status.state if r.status else "counting"
        by_status[state].append(r.contest_id)
        if state == "counting":
            pending.append(r)
        else:
            for cid in r.winners:
                alliance = definition.candidate_alliance(r.contest_id, cid) or INDEPENDENT
                seats[alliance] = seats.get(alliance, 0) + 1
                winners.append(SeatWinner(r.contest_id, cid, alliance))
        in_alliances = 0
        for a in r.alliances:
            votes[a.alliance_id] = votes.get(a.alliance_id, 0) + a.votes
            in_alliances += a.votes
        votes[INDEPENDENT] = votes.get(INDEPENDENT, 0) + r.valid - in_alliances
    valid = sum(r.valid for r in overall)
    ordered_votes = _ordered(definition, votes)
    count_list = list(counts.values()) if isinstance(counts, Mapping) else list(counts)
    return Summary(
        election_id=definition.info.id,
        election_name=definition.info.name,
        seats=_ordered(definition, seats),
        seat_winners=tuple(winners),
        pending=tuple(r.contest_name for r in pending),
        pending_ids=tuple(r.contest_id for r in pending),
        votes=ordered_votes,
        vote_shares={k: 100.0 * v / valid for k, v in ordered_votes.items()},
        valid=valid,
        turnout=unit_turnout(definition, count_list),
        actas_counted=sum(r.actas_counted for r in overall),
        actas_expected=sum(r.actas_expected for r in overall),
        contests_by_status=by_status,
    )
