"""An escrutinio election as one ERR v2 ``ElectionReport``, written through an
:class:`~escrutinio.interop.nist.emit.Emitter` (XML or JSON) chunk by chunk.

What maps to what (docs/interop.md has the full table): regions and polling units →
``ReportingUnit`` GpUnits below one election GpUnit; parties → ``Party``; alliances →
``Coalition``; candidates → ``Candidate`` (one per contest and candidate); contests →
``CandidateContest``; each ballot option (a candidate on one party's card) → one
``CandidateSelection`` with ``CandidateIds`` = the candidate and ``EndorsementPartyIds`` = the
card's party, so per-card votes survive and a reader sums selections by candidate; votes →
``VoteCounts`` of type ``total`` per GpUnit; null → ``OtherCounts/Overvotes``; blank →
``OtherCounts/Undervotes``; voters → ``Election/BallotCounts/BallotsCast``; actas counted /
expected → ``SubUnitsReported``/``TotalSubUnits``. escrutinio's race status (counting,
irreversible, final), its recount-range flag and its reason go in ``ExternalIdentifier``
elements of type ``other`` (the standard's extension mechanism), each escrutinio identifier
in one with ``OtherType`` ``escrutinio-id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
from escrutinio.model.definition import Definition
from escrutinio.tally import ContestCounts

RESULTS_STATUSES = (
    "certified",
    "correction",
    "pre-election",
    "recount",
    "unofficial-complete",
    "unofficial-partial",
)
"""The standard's ``ResultsStatus`` values."""

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


def _ext(other_type: str, value: str) -> Node:
    return {"@type": "ExternalIdentifier", "Type": "other", "OtherType": other_type, "Value": value}


def _escrutinio_id(value: str) -> Node:
    return _ext(ids.ESCRUTINIO_ID, value)


def default_status(races: Mapping[str, RaceState]) -> str:
    """``unofficial-complete`` when every race is final, else ``unofficial-partial``."""
    done = all(r.state == "final" for r in races.values())
    return "unofficial-complete" if races and done else "unofficial-partial"


def write_report(inp: ReportInput, out: Emitter) -> None:
    """Write the whole ``ElectionReport``."""
    d = inp.definition
    tables = inp.level is None
    rows = {cid: contest_rows(d, inp.counts[cid], inp.level, tables) for cid in d.contests}
    out.begin("ElectionReport", "ElectionReport")
    _election(inp, rows, out)
    out.item("ExternalIdentifier", [_ext(k, v) for k, v in inp.identifiers], many=True)
    out.item("Format", "precinct-level" if tables else "summary-contest")
    out.item("GeneratedDate", inp.generated)
    _gpunits(inp, out)
    out.item("Issuer", inp.issuer)
    out.item("IssuerAbbreviation", inp.issuer_abbreviation)
    _parties(inp, out)
    out.item("SequenceStart", inp.sequence)
    out.item("SequenceEnd", inp.sequence)
    out.item("Status", inp.status)
    out.item("VendorApplicationId", inp.vendor)
    out.end()


def _ballot_counts(inp: ReportInput, rows: Mapping[str, ContestRows], out: Emitter) -> None:
    """Voters per GpUnit: type ``total`` where a GpUnit reports one contest, otherwise one
    entry per contest of type ``other`` named ``contest:<ObjectId>``."""
    seen: dict[str, int] = {}
    for r in rows.values():
        for gp in r.gpunits:
            seen[gp] = seen.get(gp, 0) + 1
    for cid, r in rows.items():
        voters = r.counts[:, -1].tolist()
        for gp, n in zip(r.gpunits, voters, strict=True):
            node: Node = {"@type": "BallotCounts", "GpUnitId": gp}
            if seen[gp] == 1:
                node["Type"] = "total"
            else:
                node["Type"] = "other"
                node["OtherType"] = "contest:" + ids.contest_id(cid)
            node["BallotsCast"] = n
            out.item("BallotCounts", node, many=True)


def _election(inp: ReportInput, rows: Mapping[str, ContestRows], out: Emitter) -> None:
    d = inp.definition
    out.begin("Election", "Election", many=True)
    _ballot_counts(inp, rows, out)
    for cid, contest in d.contests.items():
        race = inp.races.get(cid)
        lay = d.layout(cid)
        for cand in contest.candidates:
            node: Node = {
                "@type": "Candidate",
                "@id": ids.candidate_id(cid, cand.id),
                "BallotName": Intl(cand.name, inp.language),
                "ExternalIdentifier": [_escrutinio_id(cand.id)],
            }
            alliance = lay.candidate_alliance[lay.candidate_ids.index(cand.id)]
            if alliance is not None:
                node["PartyId"] = ids.coalition_id(alliance)
            if race is not None and race.state != "counting" and cand.id in race.winners:
                node["PostElectionStatus"] = (
                    "winner" if race.state == "final" else "projected-winner"
                )
            out.item("Candidate", node, many=True)
    for seq, cid in enumerate(d.contests, start=1):
        _contest(inp, cid, seq, rows[cid], out)
    out.item("ElectionScopeId", ids.ROOT_ID)
    out.item("ExternalIdentifier", [_escrutinio_id(d.info.id)], many=True)
    out.item("Name", Intl(d.info.name, inp.language))
    out.item("StartDate", d.info.date)
    out.item("EndDate", d.info.date)
    out.item("Type", "general")
    out.end()


def _contest(inp: ReportInput, cid: str, seq: int, rows: ContestRows, out: Emitter) -> None:
    d = inp.definition
    contest = d.contests[cid]
    race = inp.races.get(cid)
    k = len(contest.options)
    out.begin("Contest", "CandidateContest", ids.contest_id(cid), many=True)
    out.item("BallotTitle", Intl(contest.name, inp.language))
    for j, option in enumerate(contest.options):
        out.begin(
            "ContestSelection", "CandidateSelection", ids.selection_id(cid, option.id), many=True
        )
        out.item("SequenceOrder", j + 1)
        for gp, n in zip(rows.gpunits, rows.counts[:, j].tolist(), strict=True):
            out.item(
                "VoteCounts",
                {"@type": "VoteCounts", "GpUnitId": gp, "Type": "total", "Count": n},
                many=True,
            )
        out.item("CandidateIds", Refs((ids.candidate_id(cid, option.candidate),)))
        if option.party is not None:
            out.item("EndorsementPartyIds", Refs((ids.party_id(option.party),)))
        out.end()
    complete = race is not None and race.state == "final"
    out.item(
        "CountStatus",
        {
            "@type": "CountStatus",
            "Status": "completed" if complete else "in-process",
            "Type": "total",
        },
        many=True,
    )
    out.item("ElectionDistrictId", rows.gpunits[0])
    extra = [_escrutinio_id(cid)]
    if race is not None:
        extra += [
            _ext(RACE_STATUS, race.state),
            _ext(RECOUNT_RANGE, "true" if race.recount_range else "false"),
            _ext(STATUS_REASON, race.reason),
        ]
    out.item("ExternalIdentifier", extra, many=True)
    out.item("Name", contest.name)
    for gp, null, blank in zip(
        rows.gpunits, rows.counts[:, k].tolist(), rows.counts[:, k + 1].tolist(), strict=True
    ):
        out.item(
            "OtherCounts",
            {"@type": "OtherCounts", "GpUnitId": gp, "Overvotes": null, "Undervotes": blank},
            many=True,
        )
    out.item("SequenceOrder", seq)
    counted = len(inp.counts[cid].units)
    out.item("SubUnitsReported", counted)
    out.item("TotalSubUnits", int(d.eligible_mask(cid).sum()))
    out.item("VoteVariation", "plurality")
    out.item("NumberElected", contest.seats)
    out.item("VotesAllowed", 1)
    out.end()


def _gpunits(inp: ReportInput, out: Emitter) -> None:
    d = inp.definition
    tables = inp.level is None
    reported = np.zeros(len(d.units), dtype=bool)
    for c in inp.counts.values():
        reported[c.units] = True
    h = hierarchy(d, reported, inp.level, tables)
    known = d.info.registered_known

    root: Node = {"@type": "ReportingUnit", "@id": ids.ROOT_ID}
    if h.root_children:
        root["ComposingGpUnitIds"] = Refs(h.root_children)
    root["ExternalIdentifier"] = [_escrutinio_id(d.info.id)]
    root["Name"] = Intl(d.info.name, inp.language)
    root["SubUnitsReported"] = int(reported.sum())
    root["TotalSubUnits"] = len(d.units)
    root["Type"] = "other"
    root["OtherType"] = "election"
    if known:
        root["VotersRegistered"] = int(d.units.registered.sum())
    out.item("GpUnit", root, many=True)
    shown = set(levels_shown(d, inp.level))
    levels = d.region_levels
    regions = d.regions
    for r, (rid, name, lvl) in enumerate(
        zip(regions.ids, regions.names, regions.level.tolist(), strict=True)
    ):
        if levels[lvl] not in shown:
            continue
        node: Node = {"@type": "ReportingUnit", "@id": ids.region_id(rid)}
        if h.children.get(r):
            node["ComposingGpUnitIds"] = Refs(h.children[r])
        node["ExternalIdentifier"] = [_escrutinio_id(rid)]
        node["Name"] = Intl(name, inp.language)
        node["SubUnitsReported"] = int(h.reported_below[r])
        node["TotalSubUnits"] = int(h.units_below[r])
        kind, other = unit_type(levels[lvl])
        node["Type"] = kind
        if other is not None:
            node["OtherType"] = other
        if known:
            node["VotersRegistered"] = int(h.registered_below[r])
        out.item("GpUnit", node, many=True)
    if not tables:
        return
    for uid, registered in zip(d.units.ids, d.units.registered.tolist(), strict=True):
        node = {
            "@type": "ReportingUnit",
            "@id": ids.unit_id(uid),
            "ExternalIdentifier": [_escrutinio_id(uid)],
            "Name": Intl(uid, inp.language),
            "Type": UNIT_TYPE,
        }
        if known:
            node["VotersRegistered"] = registered
        out.item("GpUnit", node, many=True)


def _parties(inp: ReportInput, out: Emitter) -> None:
    d = inp.definition
    for party in d.parties.values():
        out.item(
            "Party",
            {
                "@type": "Party",
                "@id": ids.party_id(party.id),
                "ExternalIdentifier": [_escrutinio_id(party.id)],
                "Name": Intl(party.name, inp.language),
            },
            many=True,
        )
    for alliance in d.alliances.values():
        node: Node = {
            "@type": "Coalition",
            "@id": ids.coalition_id(alliance.id),
            "ExternalIdentifier": [_escrutinio_id(alliance.id)],
            "Name": Intl(alliance.name, inp.language),
        }
        members = [ids.party_id(p.id) for p in d.parties.values() if p.alliance == alliance.id]
        if members:
            node["PartyIds"] = Refs(members)
        out.item("Party", node, many=True)
