"""Result records of a tally, with JSON-ready ``to_dict`` / ``from_dict``.

Keys of :meth:`ContestResult.to_dict` (stable; an independent verifier compares them):
``contest_id``, ``contest_name``, ``region_id``, ``region_name``, ``region_level`` (all three
null for the whole contest), ``options`` [{``option_id``, ``candidate_id``, ``party_id``,
``votes``}], ``candidates`` [{``candidate_id``, ``name``, ``alliance``, ``votes``, ``pct``}],
``parties`` [{``party_id``, ``name``, ``alliance``, ``votes``, ``pct``}], ``alliances``
[{``alliance_id``, ``name``, ``votes``, ``pct``}], ``valid``, ``null``, ``blank``, ``voters``,
``registered``, ``registered_counted``, ``turnout_pct``, ``actas_counted``, ``actas_expected``,
``reported_pct``, ``electors_reported_pct``, ``winners`` [candidate ids], ``margin_votes``,
``margin_pct`` and ``status`` (null for region rows, else {``state``, ``leaders``,
``margin_votes``, ``outstanding_electors``, ``actas_outstanding``, ``recount_range``, ``tie``,
``reason``}). Percentages are 0–100 floats; lists follow the definition's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, Literal, Self, TypedDict, TypeVar, cast

State = Literal["final", "irreversible", "counting"]
STATES: tuple[State, ...] = ("final", "irreversible", "counting")


class OptionResultDoc(TypedDict):
    """JSON form of an :class:`OptionResult`."""

    option_id: str
    candidate_id: str
    party_id: str | None
    votes: int


class CandidateResultDoc(TypedDict):
    """JSON form of a :class:`CandidateResult`."""

    candidate_id: str
    name: str
    alliance: str | None
    votes: int
    pct: float


class PartyResultDoc(TypedDict):
    """JSON form of a :class:`PartyResult`."""

    party_id: str
    name: str
    alliance: str | None
    votes: int
    pct: float


class AllianceResultDoc(TypedDict):
    """JSON form of an :class:`AllianceResult`."""

    alliance_id: str
    name: str
    votes: int
    pct: float


class RaceStatusDoc(TypedDict):
    """JSON form of a :class:`RaceStatus`."""

    state: State
    leaders: list[str]
    margin_votes: int | None
    outstanding_electors: int | None
    actas_outstanding: int
    recount_range: bool
    tie: bool
    reason: str


class ContestResultDoc(TypedDict):
    """JSON form of a :class:`ContestResult` (keys in the module docstring)."""

    contest_id: str
    contest_name: str
    region_id: str | None
    region_name: str | None
    region_level: str | None
    options: list[OptionResultDoc]
    candidates: list[CandidateResultDoc]
    parties: list[PartyResultDoc]
    alliances: list[AllianceResultDoc]
    valid: int
    null: int
    blank: int
    voters: int
    registered: int
    registered_counted: int
    turnout_pct: float | None
    actas_counted: int
    actas_expected: int
    reported_pct: float
    electors_reported_pct: float
    winners: list[str]
    margin_votes: int | None
    margin_pct: float | None
    status: RaceStatusDoc | None


Doc = TypeVar("Doc")
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
"""Field names of each :class:`FlatRecord` class, in declaration order."""


class FlatRecord(Generic[Doc]):
    """A record whose fields are all JSON values: ``to_dict`` lists them in field order (as
    the ``Doc`` it names) and ``from_dict`` is its inverse."""

    def to_dict(self) -> Doc:
        """JSON-ready dict of the fields, in declaration order."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:  # dataclasses.fields() per call is most of the cost
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return cast(Doc, {name: getattr(self, name) for name in names})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """Inverse of :meth:`to_dict`."""
        return cls(**{f.name: d[f.name] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class OptionResult(FlatRecord[OptionResultDoc]):
    """Votes for one ballot option (a candidate on a party card)."""

    option_id: str
    candidate_id: str
    party_id: str | None
    votes: int


@dataclass(frozen=True)
class CandidateResult(FlatRecord[CandidateResultDoc]):
    """A candidate's votes summed over every card they appear on."""

    candidate_id: str
    name: str
    alliance: str | None
    votes: int
    pct: float


@dataclass(frozen=True)
class PartyResult(FlatRecord[PartyResultDoc]):
    """Votes cast on one party's card in a contest."""

    party_id: str
    name: str
    alliance: str | None
    votes: int
    pct: float


@dataclass(frozen=True)
class AllianceResult(FlatRecord[AllianceResultDoc]):
    """Votes of the ballot options that belong to one alliance."""

    alliance_id: str
    name: str
    votes: int
    pct: float


@dataclass(frozen=True)
class RaceStatus:
    """Where a race stands and why, in numbers.

    ``leaders`` are the current winners; ``margin_votes`` is last winner minus strongest
    loser (None when every candidate wins); ``outstanding_electors`` is None when
    registered electors are unknown.
    """

    state: State
    leaders: tuple[str, ...]
    margin_votes: int | None
    outstanding_electors: int | None
    actas_outstanding: int
    recount_range: bool
    tie: bool
    reason: str

    @property
    def decided(self) -> bool:
        """True for final and irreversible races."""
        return self.state != "counting"

    def to_dict(self) -> RaceStatusDoc:
        """JSON-ready dict with the keys listed in the module docstring."""
        return {
            "state": self.state,
            "leaders": list(self.leaders),
            "margin_votes": self.margin_votes,
            "outstanding_electors": self.outstanding_electors,
            "actas_outstanding": self.actas_outstanding,
            "recount_range": self.recount_range,
            "tie": self.tie,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RaceStatus:
        """Inverse of :meth:`to_dict`."""
        state = d["state"]
        if state not in STATES:
            raise ValueError(f"unknown race state '{state}'")
        return cls(
            state=state,
            leaders=tuple(d["leaders"]),
            margin_votes=d["margin_votes"],
            outstanding_electors=d["outstanding_electors"],
            actas_outstanding=int(d["actas_outstanding"]),
            recount_range=bool(d["recount_range"]),
            tie=bool(d["tie"]),
            reason=d["reason"],
        )


@dataclass(frozen=True)
class ContestResult:
    """Totals of one contest, for the whole contest (region fields None) or one region."""

    contest_id: str
    contest_name: str
    region_id: str | None
    region_name: str | None
    region_level: str | None
    options: tuple[OptionResult, ...]
    candidates: tuple[CandidateResult, ...]
    parties: tuple[PartyResult, ...]
    alliances: tuple[AllianceResult, ...]
    valid: int
    null: int
    blank: int
    voters: int
    registered: int
    registered_counted: int
    turnout_pct: float | None
    actas_counted: int
    actas_expected: int
    reported_pct: float
    electors_reported_pct: float
    winners: tuple[str, ...]
    margin_votes: int | None
    margin_pct: float | None
    status: RaceStatus | None

    def candidate(self, candidate_id: str) -> CandidateResult:
        """The candidate's row; raises ``KeyError`` when absent."""
        for c in self.candidates:
            if c.candidate_id == candidate_id:
                return c
        raise KeyError(candidate_id)

    def ranked(self) -> list[CandidateResult]:
        """Candidates by votes, most first (ties keep the definition order)."""
        return sorted(self.candidates, key=lambda c: -c.votes)

    def to_dict(self) -> ContestResultDoc:
        """JSON-ready dict with the keys listed in the module docstring."""
        return {
            "contest_id": self.contest_id,
            "contest_name": self.contest_name,
            "region_id": self.region_id,
            "region_name": self.region_name,
            "region_level": self.region_level,
            "options": [o.to_dict() for o in self.options],
            "candidates": [c.to_dict() for c in self.candidates],
            "parties": [p.to_dict() for p in self.parties],
            "alliances": [a.to_dict() for a in self.alliances],
            "valid": self.valid,
            "null": self.null,
            "blank": self.blank,
            "voters": self.voters,
            "registered": self.registered,
            "registered_counted": self.registered_counted,
            "turnout_pct": self.turnout_pct,
            "actas_counted": self.actas_counted,
            "actas_expected": self.actas_expected,
            "reported_pct": self.reported_pct,
            "electors_reported_pct": self.electors_reported_pct,
            "winners": list(self.winners),
            "margin_votes": self.margin_votes,
            "margin_pct": self.margin_pct,
            "status": self.status.to_dict() if self.status else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ContestResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            contest_id=d["contest_id"],
            contest_name=d["contest_name"],
            region_id=d["region_id"],
            region_name=d["region_name"],
            region_level=d["region_level"],
            options=tuple(OptionResult.from_dict(x) for x in d["options"]),
            candidates=tuple(CandidateResult.from_dict(x) for x in d["candidates"]),
            parties=tuple(PartyResult.from_dict(x) for x in d["parties"]),
            alliances=tuple(AllianceResult.from_dict(x) for x in d["alliances"]),
            valid=int(d["valid"]),
            null=int(d["null"]),
            blank=int(d["blank"]),
            voters=int(d["voters"]),
            registered=int(d["registered"]),
            registered_counted=int(d["registered_counted"]),
            turnout_pct=d["turnout_pct"],
            actas_counted=int(d["actas_counted"]),
            actas_expected=int(d["actas_expected"]),
            reported_pct=float(d["reported_pct"]),
            electors_reported_pct=float(d["electors_reported_pct"]),
            winners=tuple(d["winners"]),
            margin_votes=d["margin_votes"],
            margin_pct=d["margin_pct"],
            status=RaceStatus.from_dict(d["status"]) if d["status"] else None,
        )
