"""The same ``ElectionReport`` in Google's variant of the format, the one Google's
``civics-cdf-validator`` reads: NIST SP 1500-100 *version 1* spelling (no XML namespace,
``objectId`` attributes, an ``ExternalIdentifiers`` wrapper) with Google's additions
(``…Collection`` wrappers, ``BallotSelection``, ``VoteCountsCollection``), as documented in
Google's Civics Common Standard reference (developers.google.com/elections-data).

Content is what :mod:`escrutinio.interop.nist.report` writes, with the validator's
requirements met: every object carries a ``stable`` id (from its objectId); the root GpUnit
is the country (``Type`` country, OCD-ID ``ocd-division/country:<cc>``) and every other
GpUnit an OCD-style id below its parent's (``…/<level>:<escrutinio id>``, lower case);
every candidate has a ``Person``; a candidate is one ``CandidateSelection`` (its cards
summed, their parties as ``EndorsementPartyIds``: the validator refuses a candidate in two
selections); coalitions list their ``PartyIds``; voters, null and blank votes per GpUnit go
in the contest's ``SummaryCounts`` (``BallotsCast``, ``Overvotes``, ``Undervotes``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from escrutinio.interop.nist import ids, objects
from escrutinio.interop.nist.emit import Emitter, Intl, Node, Refs
from escrutinio.interop.nist.gpunits import UNIT_TYPE, ContestRows
from escrutinio.interop.nist.objects import CandidateObject, ReportInput

STABLE = "stable"
"""``ExternalIdentifier/OtherType`` of Google's stable identifiers."""

_OCD_UNSAFE = re.compile(r"[^\w.~-]")
_TYPE_UNSAFE = re.compile(r"[^\w-]")


def stable_id(object_id: str) -> str:
    """The stable id of an object: its objectId with ``.`` written ``_d`` (the validator
    takes ``[A-Za-z0-9_-]+``; objectIds hold no other character, and escrutinio identifiers
    never contain ``_``, so distinct objects keep distinct stable ids)."""
    return object_id.replace(".", "_d")


def _identifiers(object_id: str, escrutinio_id: str, *extra: Node, ocd: str | None = None) -> Node:
    """An ``ExternalIdentifiers`` wrapper: the stable id, the OCD-ID, the escrutinio id."""
    items: list[Node] = [objects.other_identifier(STABLE, stable_id(object_id))]
    if ocd is not None:
        items.append({"@type": "ExternalIdentifier", "Type": "ocd-id", "Value": ocd})
    items.append(objects.other_identifier(ids.ESCRUTINIO_ID, escrutinio_id))
    items.extend(extra)
    return {"@type": "ExternalIdentifiers", "ExternalIdentifier": items}


def person_id(contest: str, candidate: str) -> str:
    """ObjectId of the Person behind a candidate of a contest (Google's format names a
    Person for every Candidate)."""
    return ids.object_id("per", contest, candidate)


def country_ocd_id(country: str) -> str:
    """The OCD-ID of a country (ISO 3166-1 alpha-2 code)."""
    return f"ocd-division/country:{country.lower()}"


def ocd_child(parent: str, kind: str, ident: str) -> str:
    """An OCD-style id one level below ``parent``: ``<parent>/<kind>:<id>``, lower case, with
    characters OCD-IDs do not allow replaced by ``_``."""
    return f"{parent}/{_TYPE_UNSAFE.sub('_', kind.lower())}:{_OCD_UNSAFE.sub('_', ident.lower())}"


def write_google_report(inp: ReportInput, country: str, out: Emitter) -> None:
    """Write the whole ``ElectionReport`` in Google's variant (XML only: the variant has no
    JSON form); ``country`` is the ISO 3166-1 alpha-2 code of the root GpUnit."""
    d = inp.definition
    rows = objects.report_rows(inp)
    out.begin("ElectionReport", "ElectionReport")
    _election(inp, rows, out)
    out.item(
        "ExternalIdentifiers",
        {
            "@type": "ExternalIdentifiers",
            "ExternalIdentifier": [objects.other_identifier(k, v) for k, v in inp.identifiers],
        },
    )
    out.item("Format", "precinct-level" if inp.level is None else "summary-contest")
    out.item("GeneratedDate", inp.generated)
    out.begin("GpUnitCollection", "GpUnitCollection")
    _gpunits(inp, country, out)
    out.end()
    out.item("Issuer", inp.issuer)
    out.item("IssuerAbbreviation", inp.issuer_abbreviation)
    if d.parties or d.alliances:  # a collection holds at least one element
        out.begin("PartyCollection", "PartyCollection")
        for party in objects.parties(d):
            ident = ("ExternalIdentifiers", _identifiers(party.object_id, party.escrutinio_id))
            out.item("Party", objects.party_node(party, ident, inp.language, Refs((ids.ROOT_ID,))))
        out.end()
    out.begin("PersonCollection", "PersonCollection")
    _persons(inp, out)
    out.end()
    objects.write_trailer(inp, out)
    out.end()


def _election(inp: ReportInput, rows: Mapping[str, ContestRows], out: Emitter) -> None:
    d = inp.definition
    election_id = ids.object_id("el", d.info.id)
    out.begin("Election", "Election", election_id)
    out.begin("CandidateCollection", "CandidateCollection")
    for cand in objects.candidates(inp):
        node: Node = {
            "@type": "Candidate",
            "@id": cand.object_id,
            "BallotName": Intl(cand.candidate.name, inp.language),
            "ExternalIdentifiers": _identifiers(cand.object_id, cand.candidate.id),
            "PartyId": _affiliation(inp, cand),
            "PersonId": person_id(cand.contest, cand.candidate.id),
        }
        if cand.status is not None:
            node["PostElectionStatus"] = cand.status
        out.item("Candidate", node)
    out.end()
    out.begin("ContestCollection", "ContestCollection")
    for seq, cid in enumerate(d.contests, start=1):
        _contest(inp, cid, seq, rows[cid], out)
    out.end()
    out.item("ElectionScopeId", ids.ROOT_ID)
    out.item("ExternalIdentifiers", _identifiers(election_id, d.info.id))
    objects.write_election_tail(inp, out)
    out.end()


def _contest(inp: ReportInput, cid: str, seq: int, rows: ContestRows, out: Emitter) -> None:
    d = inp.definition
    contest = d.contests[cid]
    race = inp.races.get(cid)
    k = len(contest.options)
    object_id = ids.contest_id(cid)
    out.begin("Contest", "CandidateContest", object_id)
    for j, cand in enumerate(contest.candidates):
        cards = [i for i, o in enumerate(contest.options) if o.candidate == cand.id]
        endorsing = [p for i in cards if (p := contest.options[i].party) is not None]
        votes = rows.counts[:, cards].sum(axis=1).tolist()
        out.begin("BallotSelection", "CandidateSelection", ids.selection_id(cid, cand.id))
        out.item("SequenceOrder", j + 1)
        out.begin("VoteCountsCollection", "VoteCountsCollection")
        for gp, n in zip(rows.gpunits, votes, strict=True):
            out.item(
                "VoteCounts", {"@type": "VoteCounts", "GpUnitId": gp, "Type": "total", "Count": n}
            )
        out.end()
        out.item("CandidateIds", Refs((ids.candidate_id(cid, cand.id),)))
        if endorsing:
            out.item("EndorsementPartyIds", Refs(tuple(ids.party_id(p) for p in endorsing)))
        out.end()
    out.item("BallotTitle", Intl(contest.name, inp.language))
    out.item("CountStatus", objects.count_status(race))
    out.item("ElectoralDistrictId", rows.gpunits[0])
    out.item("ExternalIdentifiers", _identifiers(object_id, cid, *objects.race_identifiers(race)))
    out.item("Name", contest.name)
    out.item("SequenceOrder", seq)
    out.item("SubUnitsReported", len(inp.counts[cid].units))
    for gp, null, blank, voters in zip(
        rows.gpunits,
        rows.counts[:, k].tolist(),
        rows.counts[:, k + 1].tolist(),
        rows.counts[:, -1].tolist(),
        strict=True,
    ):
        out.item(
            "SummaryCounts",
            {
                "@type": "SummaryCounts",
                "GpUnitId": gp,
                "Type": "total",
                "BallotsCast": voters,
                "Overvotes": null,
                "Undervotes": blank,
            },
        )
    objects.write_contest_tail(inp, cid, out)
    out.end()


def _gpunits(inp: ReportInput, country: str, out: Emitter) -> None:
    """The GpUnits with OCD-style ids: the root is the country, each region and table one
    level below its parent's."""
    root_ocd = country_ocd_id(country)
    ocd = _region_ocd_ids(inp, root_ocd)
    for unit in objects.gpunits(inp, ("country", None)):
        if unit.kind == "root":
            where = root_ocd
        elif unit.kind == "region":
            where = ocd[unit.region]
        else:
            above = ocd[unit.region] if unit.region >= 0 else root_ocd
            where = ocd_child(above, UNIT_TYPE, unit.escrutinio_id)
        ident = _identifiers(unit.object_id, unit.escrutinio_id, ocd=where)
        out.item("GpUnit", objects.gpunit_node(unit, ("ExternalIdentifiers", ident), unit.name))


def _region_ocd_ids(inp: ReportInput, root_ocd: str) -> list[str]:
    """Every region's OCD-style id, built down from the root (broadest level first)."""
    d = inp.definition
    regions = d.regions
    level = regions.level.tolist()
    parent = regions.parent.tolist()
    ocd = [""] * len(level)
    for r in np.argsort(regions.level, kind="stable").tolist():
        above = ocd[parent[r]] if parent[r] >= 0 else root_ocd
        ocd[r] = ocd_child(above, d.region_levels[level[r]], regions.ids[r])
    return ocd


def _affiliation(inp: ReportInput, cand: CandidateObject) -> list[str]:
    """The Party ids a candidate stands for: its alliance (a Coalition) if it has one,
    else the parties of its cards (none for an independent)."""
    if cand.alliance is not None:
        return [ids.coalition_id(cand.alliance)]
    options = inp.definition.contests[cand.contest].options
    return [ids.party_id(o.party) for o in options if o.candidate == cand.candidate.id and o.party]


def _persons(inp: ReportInput, out: Emitter) -> None:
    for cand in objects.candidates(inp):
        object_id = person_id(cand.contest, cand.candidate.id)
        out.item(
            "Person",
            {
                "@type": "Person",
                "@id": object_id,
                "ExternalIdentifiers": _identifiers(object_id, cand.candidate.id),
                "FullName": Intl(cand.candidate.name, inp.language),
                "PartyId": _affiliation(inp, cand),
            },
        )
