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

from collections.abc import Mapping

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.emit import Emitter, Intl, Node, Refs
from escrutinio.interop.nist.gpunits import ContestRows
from escrutinio.interop.nist.objects import (
    RACE_STATUS,
    RECOUNT_RANGE,
    STATUS_REASON,
    RaceState,
    ReportInput,
    candidates,
    count_status,
    gpunit_node,
    gpunits,
    other_identifier,
    parties,
    party_node,
    race_identifiers,
    report_rows,
    write_contest_tail,
    write_election_tail,
    write_trailer,
)

__all__ = [
    "RACE_STATUS",
    "RECOUNT_RANGE",
    "RESULTS_STATUSES",
    "STATUS_REASON",
    "RaceState",
    "ReportInput",
    "default_status",
    "write_report",
]

RESULTS_STATUSES = (
    "certified",
    "correction",
    "pre-election",
    "recount",
    "unofficial-complete",
    "unofficial-partial",
)
"""The standard's ``ResultsStatus`` values."""


def _escrutinio_id(value: str) -> Node:
    return other_identifier(ids.ESCRUTINIO_ID, value)


def default_status(races: Mapping[str, RaceState]) -> str:
    """``unofficial-complete`` when every race is final, else ``unofficial-partial``."""
    done = all(r.state == "final" for r in races.values())
    return "unofficial-complete" if races and done else "unofficial-partial"


def write_report(inp: ReportInput, out: Emitter) -> None:
    """Write the whole ``ElectionReport``."""
    rows = report_rows(inp)
    out.begin("ElectionReport", "ElectionReport")
    _election(inp, rows, out)
    out.item("ExternalIdentifier", [other_identifier(k, v) for k, v in inp.identifiers], many=True)
    out.item("Format", "precinct-level" if inp.level is None else "summary-contest")
    out.item("GeneratedDate", inp.generated)
    for unit in gpunits(inp, ("other", "election")):
        ident = ("ExternalIdentifier", [_escrutinio_id(unit.escrutinio_id)])
        out.item("GpUnit", gpunit_node(unit, ident, Intl(unit.name, inp.language)), many=True)
    out.item("Issuer", inp.issuer)
    out.item("IssuerAbbreviation", inp.issuer_abbreviation)
    for party in parties(inp.definition):
        ident = ("ExternalIdentifier", [_escrutinio_id(party.escrutinio_id)])
        out.item("Party", party_node(party, ident, inp.language), many=True)
    write_trailer(inp, out)
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
    for cand in candidates(inp):
        node: Node = {
            "@type": "Candidate",
            "@id": cand.object_id,
            "BallotName": Intl(cand.candidate.name, inp.language),
            "ExternalIdentifier": [_escrutinio_id(cand.candidate.id)],
        }
        if cand.alliance is not None:
            node["PartyId"] = ids.coalition_id(cand.alliance)
        if cand.status is not None:
            node["PostElectionStatus"] = cand.status
        out.item("Candidate", node, many=True)
    for seq, cid in enumerate(d.contests, start=1):
        _contest(inp, cid, seq, rows[cid], out)
    out.item("ElectionScopeId", ids.ROOT_ID)
    out.item("ExternalIdentifier", [_escrutinio_id(d.info.id)], many=True)
    write_election_tail(inp, out)
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
    out.item("CountStatus", count_status(race), many=True)
    out.item("ElectionDistrictId", rows.gpunits[0])
    out.item("ExternalIdentifier", [_escrutinio_id(cid), *race_identifiers(race)], many=True)
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
    write_contest_tail(inp, cid, out)
    out.end()
