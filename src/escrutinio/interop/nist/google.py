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
from escrutinio.interop.nist.report import (
    RACE_STATUS,
    RECOUNT_RANGE,
    STATUS_REASON,
    ReportInput,
)

STABLE = "stable"
"""``ExternalIdentifier/OtherType`` of Google's stable identifiers."""

_OCD_UNSAFE = re.compile(r"[^\w.~-]")
_TYPE_UNSAFE = re.compile(r"[^\w-]")


def _ext(other_type: str, value: str) -> Node:
    return {"@type": "ExternalIdentifier", "Type": "other", "OtherType": other_type, "Value": value}


def stable_id(object_id: str) -> str:
    """The stable id of an object: its objectId with ``.`` written ``_d`` (the validator
    takes ``[A-Za-z0-9_-]+``; objectIds hold no other character, and escrutinio identifiers
    never contain ``_``, so distinct objects keep distinct stable ids)."""
    return object_id.replace(".", "_d")


def _identifiers(object_id: str, escrutinio_id: str, *extra: Node, ocd: str | None = None) -> Node:
    """An ``ExternalIdentifiers`` wrapper: the stable id, the OCD-ID, the escrutinio id."""
    items: list[Node] = [_ext(STABLE, stable_id(object_id))]
    if ocd is not None:
        items.append({"@type": "ExternalIdentifier", "Type": "ocd-id", "Value": ocd})
    items.append(_ext(ids.ESCRUTINIO_ID, escrutinio_id))
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
    tables = inp.level is None
    rows = {cid: contest_rows(d, inp.counts[cid], inp.level, tables) for cid in d.contests}
    out.begin("ElectionReport", "ElectionReport")
    _election(inp, rows, out)
    out.item(
        "ExternalIdentifiers",
        {
            "@type": "ExternalIdentifiers",
            "ExternalIdentifier": [_ext(k, v) for k, v in inp.identifiers],
        },
    )
    out.item("Format", "precinct-level" if tables else "summary-contest")
    out.item("GeneratedDate", inp.generated)
    out.begin("GpUnitCollection", "GpUnitCollection")
    _gpunits(inp, country, out)
    out.end()
    out.item("Issuer", inp.issuer)
    out.item("IssuerAbbreviation", inp.issuer_abbreviation)
    if d.parties or d.alliances:  # a collection holds at least one element
        out.begin("PartyCollection", "PartyCollection")
        _parties(inp, out)
        out.end()
    out.begin("PersonCollection", "PersonCollection")
    _persons(inp, out)
    out.end()
    out.item("SequenceStart", inp.sequence)
    out.item("SequenceEnd", inp.sequence)
    out.item("Status", inp.status)
    out.item("VendorApplicationId", inp.vendor)
    out.end()


def _election(inp: ReportInput, rows: Mapping[str, ContestRows], out: Emitter) -> None:
    d = inp.definition
    election_id = ids.object_id("el", d.info.id)
    out.begin("Election", "Election", election_id)
    out.begin("CandidateCollection", "CandidateCollection")
    for cid, contest in d.contests.items():
        race = inp.races.get(cid)
        for cand in contest.candidates:
            object_id = ids.candidate_id(cid, cand.id)
            node: Node = {
                "@type": "Candidate",
                "@id": object_id,
                "BallotName": Intl(cand.name, inp.language),
                "ExternalIdentifiers": _identifiers(object_id, cand.id),
            }
            node["PartyId"] = _affiliation(inp, cid, cand.id)
            node["PersonId"] = person_id(cid, cand.id)
            if race is not None and race.state != "counting" and cand.id in race.winners:
                node["PostElectionStatus"] = (
                    "winner" if race.state == "final" else "projected-winner"
                )
            out.item("Candidate", node)
    out.end()
    out.begin("ContestCollection", "ContestCollection")
    for seq, cid in enumerate(d.contests, start=1):
        _contest(inp, cid, seq, rows[cid], out)
    out.end()
    out.item("ElectionScopeId", ids.ROOT_ID)
    out.item("ExternalIdentifiers", _identifiers(election_id, d.info.id))
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
    object_id = ids.contest_id(cid)
    out.begin("Contest", "CandidateContest", object_id)
    for j, cand in enumerate(contest.candidates):
        cards = [i for i, o in enumerate(contest.options) if o.candidate == cand.id]
        parties = [p for i in cards if (p := contest.options[i].party) is not None]
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
        if parties:
            out.item("EndorsementPartyIds", Refs(tuple(ids.party_id(p) for p in parties)))
        out.end()
    out.item("BallotTitle", Intl(contest.name, inp.language))
    complete = race is not None and race.state == "final"
    out.item(
        "CountStatus",
        {
            "@type": "CountStatus",
            "Status": "completed" if complete else "in-process",
            "Type": "total",
        },
    )
    out.item("ElectoralDistrictId", rows.gpunits[0])
    extra: list[Node] = []
    if race is not None:
        extra = [
            _ext(RACE_STATUS, race.state),
            _ext(RECOUNT_RANGE, "true" if race.recount_range else "false"),
            _ext(STATUS_REASON, race.reason),
        ]
    out.item("ExternalIdentifiers", _identifiers(object_id, cid, *extra))
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
    out.item("TotalSubUnits", int(d.eligible_mask(cid).sum()))
    out.item("VoteVariation", "plurality")
    out.item("NumberElected", contest.seats)
    out.item("VotesAllowed", 1)
    out.end()


def _gpunits(inp: ReportInput, country: str, out: Emitter) -> None:
    d = inp.definition
    tables = inp.level is None
    reported = np.zeros(len(d.units), dtype=bool)
    for c in inp.counts.values():
        reported[c.units] = True
    h = hierarchy(d, reported, inp.level, tables)
    known = d.info.registered_known
    root_ocd = country_ocd_id(country)

    root: Node = {"@type": "ReportingUnit", "@id": ids.ROOT_ID}
    if h.root_children:
        root["ComposingGpUnitIds"] = Refs(h.root_children)
    root["ExternalIdentifiers"] = _identifiers(ids.ROOT_ID, d.info.id, ocd=root_ocd)
    root["Name"] = d.info.name
    root["SubUnitsReported"] = int(reported.sum())
    root["TotalSubUnits"] = len(d.units)
    root["Type"] = "country"
    if known:
        root["VotersRegistered"] = int(d.units.registered.sum())
    out.item("GpUnit", root)
    shown = set(levels_shown(d, inp.level))
    levels = d.region_levels
    regions = d.regions
    ocd = _region_ocd_ids(inp, root_ocd)
    for r, (rid, name, lvl) in enumerate(
        zip(regions.ids, regions.names, regions.level.tolist(), strict=True)
    ):
        if levels[lvl] not in shown:
            continue
        object_id = ids.region_id(rid)
        node: Node = {"@type": "ReportingUnit", "@id": object_id}
        if h.children.get(r):
            node["ComposingGpUnitIds"] = Refs(h.children[r])
        node["ExternalIdentifiers"] = _identifiers(object_id, rid, ocd=ocd[r])
        node["Name"] = name
        node["SubUnitsReported"] = int(h.reported_below[r])
        node["TotalSubUnits"] = int(h.units_below[r])
        kind, other = unit_type(levels[lvl])
        node["Type"] = kind
        if other is not None:
            node["OtherType"] = other
        if known:
            node["VotersRegistered"] = int(h.registered_below[r])
        out.item("GpUnit", node)
    if not tables:
        return
    for uid, region, registered in zip(
        d.units.ids, d.units.region.tolist(), d.units.registered.tolist(), strict=True
    ):
        object_id = ids.unit_id(uid)
        node = {
            "@type": "ReportingUnit",
            "@id": object_id,
            "ExternalIdentifiers": _identifiers(
                object_id,
                uid,
                ocd=ocd_child(ocd[region] if region >= 0 else root_ocd, UNIT_TYPE, uid),
            ),
            "Name": uid,
            "Type": UNIT_TYPE,
        }
        if known:
            node["VotersRegistered"] = registered
        out.item("GpUnit", node)


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


def _parties(inp: ReportInput, out: Emitter) -> None:
    d = inp.definition
    for party in d.parties.values():
        object_id = ids.party_id(party.id)
        out.item(
            "Party",
            {
                "@type": "Party",
                "@id": object_id,
                "ExternalIdentifiers": _identifiers(object_id, party.id),
                "Name": Intl(party.name, inp.language),
                "PartyScopeGpUnitIds": Refs((ids.ROOT_ID,)),
            },
        )
    for alliance in d.alliances.values():
        object_id = ids.coalition_id(alliance.id)
        node: Node = {
            "@type": "Coalition",
            "@id": object_id,
            "ExternalIdentifiers": _identifiers(object_id, alliance.id),
            "Name": Intl(alliance.name, inp.language),
            "PartyScopeGpUnitIds": Refs((ids.ROOT_ID,)),
        }
        members = [ids.party_id(p.id) for p in d.parties.values() if p.alliance == alliance.id]
        if members:
            node["PartyIds"] = Refs(members)
        out.item("Party", node)


def _affiliation(inp: ReportInput, contest: str, candidate: str) -> list[str]:
    """The Party ids a candidate stands for: its alliance (a Coalition) if it has one,
    else the parties of its cards (none for an independent)."""
    d = inp.definition
    lay = d.layout(contest)
    alliance = lay.candidate_alliance[lay.candidate_ids.index(candidate)]
    if alliance is not None:
        return [ids.coalition_id(alliance)]
    options = d.contests[contest].options
    return [ids.party_id(o.party) for o in options if o.candidate == candidate and o.party]


def _persons(inp: ReportInput, out: Emitter) -> None:
    for cid, contest in inp.definition.contests.items():
        for cand in contest.candidates:
            object_id = person_id(cid, cand.id)
            out.item(
                "Person",
                {
                    "@type": "Person",
                    "@id": object_id,
                    "ExternalIdentifiers": _identifiers(object_id, cand.id),
                    "FullName": Intl(cand.name, inp.language),
                    "PartyId": _affiliation(inp, cid, cand.id),
                },
            )
