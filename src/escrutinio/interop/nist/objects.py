"""The objects an ERR ``ElectionReport`` is made of, collected once for both writers: the
report's input, its GpUnits (the election, the regions shown, the tables), its parties and
coalitions, its candidates, and what a race's state says about a contest.

:mod:`escrutinio.interop.nist.report` (NIST SP 1500-100 v2) and
:mod:`escrutinio.interop.nist.google` (the version 1 spelling Google's
``civics-cdf-validator`` reads) lay these out each in its own spelling: the element that
holds identifiers, plain or internationalized names, Google's extra elements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.emit import Emitter, Intl, Node, Refs
from escrutinio.interop.nist.gpunits import (
    UNIT_TYPE,
    ContestRows,
    contest_rows,
    hierarchy,
    levels_shown,
    unit_type,
)
from escrutinio.model.definition import Candidate, Definition
from escrutinio.tally import ContestCounts

RACE_STATUS = "escrutinio-race-status"
RECOUNT_RANGE = "escrutinio-recount-range"
STATUS_REASON = "escrutinio-race-status-reason"


@dataclass(frozen=True)
class RaceState:
    """Where one race stands in escrutinio's terms."""

    state: str  # counting, irreversible, final
    recount_range: bool
    reason: str
    winners: tuple[str, ...]


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is written from: the definition, unit-level counts per contest,
    each race's state, and the report's header."""

    definition: Definition
    counts: Mapping[str, ContestCounts]
    races: Mapping[str, RaceState]
    generated: str
    status: str
    level: str | None = None
    issuer: str = "escrutinio"
    issuer_abbreviation: str = "escrutinio"
    vendor: str = "escrutinio"
    sequence: int = 1
    language: str = "es"
    identifiers: Sequence[tuple[str, str]] = field(default_factory=tuple)


def other_identifier(other_type: str, value: str) -> Node:
    """An ``ExternalIdentifier`` of type ``other`` (the standard's extension mechanism)."""
    return {"@type": "ExternalIdentifier", "Type": "other", "OtherType": other_type, "Value": value}


def report_rows(inp: ReportInput) -> dict[str, ContestRows]:
    """Each contest's counts summed per GpUnit it reports (tables when no level is asked)."""
    d = inp.definition
    return {
        cid: contest_rows(d, inp.counts[cid], inp.level, inp.level is None) for cid in d.contests
    }


def write_trailer(inp: ReportInput, out: Emitter) -> None:
    """The last elements of an ``ElectionReport``: sequence, status and vendor."""
    out.item("SequenceStart", inp.sequence)
    out.item("SequenceEnd", inp.sequence)
    out.item("Status", inp.status)
    out.item("VendorApplicationId", inp.vendor)


def write_election_tail(inp: ReportInput, out: Emitter) -> None:
    """The last elements of the ``Election``: its name, dates and type."""
    d = inp.definition
    out.item("Name", Intl(d.info.name, inp.language))
    out.item("StartDate", d.info.date)
    out.item("EndDate", d.info.date)
    out.item("Type", "general")


def write_contest_tail(inp: ReportInput, cid: str, out: Emitter) -> None:
    """The last elements of a ``CandidateContest``: its tables, variation and seats."""
    d = inp.definition
    out.item("TotalSubUnits", int(d.eligible_mask(cid).sum()))
    out.item("VoteVariation", "plurality")
    out.item("NumberElected", d.contests[cid].seats)
    out.item("VotesAllowed", 1)


@dataclass(frozen=True)
class GpUnit:
    """One ``ReportingUnit``: the election (``kind`` root), a region or a table (unit).

    ``region`` is the region's own index for a region, the table's region for a table
    (-1 when it has none) and -1 for the root; counts left ``None`` are not written.
    """

    kind: str
    object_id: str
    escrutinio_id: str
    name: str
    type: str
    other_type: str | None = None
    composing: tuple[str, ...] = ()
    reported: int | None = None
    total: int | None = None
    registered: int | None = None
    region: int = -1


def gpunits(inp: ReportInput, root_type: tuple[str, str | None]) -> Iterator[GpUnit]:
    """The report's GpUnits in document order: the root (of ``root_type``: Type and
    OtherType), the regions at the levels shown, then the tables when no level is asked."""
    d = inp.definition
    tables = inp.level is None
    reported = np.zeros(len(d.units), dtype=bool)
    for c in inp.counts.values():
        reported[c.units] = True
    h = hierarchy(d, reported, inp.level, tables)
    known = d.info.registered_known
    yield GpUnit(
        "root",
        ids.ROOT_ID,
        d.info.id,
        d.info.name,
        root_type[0],
        root_type[1],
        composing=tuple(h.root_children),
        reported=int(reported.sum()),
        total=len(d.units),
        registered=int(d.units.registered.sum()) if known else None,
    )
    shown = set(levels_shown(d, inp.level))
    levels = d.region_levels
    regions = d.regions
    for r, (rid, name, lvl) in enumerate(
        zip(regions.ids, regions.names, regions.level.tolist(), strict=True)
    ):
        if levels[lvl] not in shown:
            continue
        kind, other = unit_type(levels[lvl])
        yield GpUnit(
            "region",
            ids.region_id(rid),
            rid,
            name,
            kind,
            other,
            composing=tuple(h.children.get(r) or ()),
            reported=int(h.reported_below[r]),
            total=int(h.units_below[r]),
            registered=int(h.registered_below[r]) if known else None,
            region=r,
        )
    if not tables:
        return
    for uid, region, registered in zip(
        d.units.ids, d.units.region.tolist(), d.units.registered.tolist(), strict=True
    ):
        yield GpUnit(
            "unit",
            ids.unit_id(uid),
            uid,
            uid,
            UNIT_TYPE,
            registered=registered if known else None,
            region=region,
        )


def gpunit_node(unit: GpUnit, identifiers: tuple[str, Any], name: Any) -> Node:
    """A ``ReportingUnit`` element with its identifiers element (name, value) and name."""
    node: Node = {"@type": "ReportingUnit", "@id": unit.object_id}
    if unit.composing:
        node["ComposingGpUnitIds"] = Refs(unit.composing)
    node[identifiers[0]] = identifiers[1]
    node["Name"] = name
    if unit.reported is not None:
        node["SubUnitsReported"] = unit.reported
    if unit.total is not None:
        node["TotalSubUnits"] = unit.total
    node["Type"] = unit.type
    if unit.other_type is not None:
        node["OtherType"] = unit.other_type
    if unit.registered is not None:
        node["VotersRegistered"] = unit.registered
    return node


@dataclass(frozen=True)
class PartyObject:
    """A ``Party`` (an escrutinio party) or a ``Coalition`` (an alliance, with its parties)."""

    type: str
    object_id: str
    escrutinio_id: str
    name: str
    members: tuple[str, ...] = ()


def parties(definition: Definition) -> Iterator[PartyObject]:
    """Every party, then every alliance with the ids of its member parties."""
    for party in definition.parties.values():
        yield PartyObject("Party", ids.party_id(party.id), party.id, party.name)
    for alliance in definition.alliances.values():
        members = tuple(
            ids.party_id(p.id) for p in definition.parties.values() if p.alliance == alliance.id
        )
        yield PartyObject(
            "Coalition", ids.coalition_id(alliance.id), alliance.id, alliance.name, members
        )


def party_node(
    party: PartyObject, identifiers: tuple[str, Any], language: str, scope: Refs | None = None
) -> Node:
    """A ``Party``/``Coalition`` element with its identifiers element and, when given, its
    ``PartyScopeGpUnitIds``."""
    node: Node = {
        "@type": party.type,
        "@id": party.object_id,
        identifiers[0]: identifiers[1],
        "Name": Intl(party.name, language),
    }
    if scope is not None:
        node["PartyScopeGpUnitIds"] = scope
    if party.members:
        node["PartyIds"] = Refs(party.members)
    return node


@dataclass(frozen=True)
class CandidateObject:
    """A candidate of one contest, with its alliance and what its race says of it."""

    contest: str
    candidate: Candidate
    object_id: str
    alliance: str | None
    status: str | None  # PostElectionStatus: winner, projected-winner or none


def candidates(inp: ReportInput) -> Iterator[CandidateObject]:
    """Every candidate of every contest, in definition order."""
    d = inp.definition
    for cid, contest in d.contests.items():
        race = inp.races.get(cid)
        lay = d.layout(cid)
        for cand in contest.candidates:
            status = None
            if race is not None and race.state != "counting" and cand.id in race.winners:
                status = "winner" if race.state == "final" else "projected-winner"
            yield CandidateObject(
                cid,
                cand,
                ids.candidate_id(cid, cand.id),
                lay.candidate_alliance[lay.candidate_ids.index(cand.id)],
                status,
            )


def count_status(race: RaceState | None) -> Node:
    """A contest's ``CountStatus``: completed once its race is final."""
    complete = race is not None and race.state == "final"
    return {
        "@type": "CountStatus",
        "Status": "completed" if complete else "in-process",
        "Type": "total",
    }


def race_identifiers(race: RaceState | None) -> list[Node]:
    """A race's state, recount-range flag and reason as ``ExternalIdentifier`` elements."""
    if race is None:
        return []
    return [
        other_identifier(RACE_STATUS, race.state),
        other_identifier(RECOUNT_RANGE, "true" if race.recount_range else "false"),
        other_identifier(STATUS_REASON, race.reason),
    ]
