"""The contests, parties and voters of an ERR v2 report in escrutinio's terms: each
``CandidateSelection`` is one ballot option (its one candidate on the card of its one
endorsing party), coalitions are alliances, ``BallotsCast`` gives the voters."""

from __future__ import annotations

from typing import Any

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.parse import Obj, many, one, refs, text, type_of
from escrutinio.interop.nist.read_common import (
    GpUnitInfo,
    Problems,
    escrutinio_id,
    native_id,
    whole,
)
from escrutinio.model.definition_input import Alliance, BallotOption, Candidate, Contest, Party


def selection_counts(
    selection: Obj, path: str, gpunits: dict[str, GpUnitInfo], problems: Problems
) -> dict[str, int]:
    totals: dict[str, int] = {}
    others: dict[str, int] = {}
    for j, vc in enumerate(many(selection, "VoteCounts"), start=1):
        where = f"{path}/VoteCounts[{j}]"
        gp = one(vc, "GpUnitId")
        if gp not in gpunits:
            problems.add(where + "/GpUnitId", f"unknown GpUnit '{str(gp)[:60]}'")
            continue
        n = whole(one(vc, "Count"), where + "/Count", problems)
        if n is None:
            continue
        bucket = totals if one(vc, "Type") == "total" else others
        bucket[gp] = bucket.get(gp, 0) + n
    return {**others, **totals}


def read_parties(
    report: Obj, problems: Problems
) -> tuple[list[Party], list[Alliance], dict[str, str]]:
    party_nodes: list[Obj] = []
    alliances: list[Alliance] = []
    member_of: dict[str, str] = {}
    alliance_ids: dict[str, str] = {}
    for party in many(report, "Party"):
        if type_of(party) == "Coalition":
            aid = escrutinio_id(party) or native_id(party["@id"], "coa-")
            alliance_ids[party["@id"]] = aid
            alliances.append(Alliance(id=aid, name=text(party, "Name") or aid))
            for member in refs(party, "PartyIds"):
                member_of.setdefault(member, aid)
        else:
            party_nodes.append(party)
    parties = [
        Party(
            id=escrutinio_id(p) or native_id(p["@id"], "par-"),
            name=text(p, "Name") or p["@id"],
            alliance=member_of.get(p["@id"]),
        )
        for p in party_nodes
    ]
    ids_by_object = {p["@id"]: q.id for p, q in zip(party_nodes, parties, strict=True)}
    return (
        parties,
        alliances,
        {**ids_by_object, **{k: "coalition:" + v for k, v in alliance_ids.items()}},
    )


def ballot_counts(
    election: Obj, gpunits: dict[str, GpUnitInfo], problems: Problems
) -> dict[tuple[str, str | None], int]:
    out: dict[tuple[str, str | None], int] = {}
    for i, bc in enumerate(many(election, "BallotCounts"), start=1):
        path = f"ElectionReport/Election[1]/BallotCounts[{i}]"
        gp = one(bc, "GpUnitId")
        cast = one(bc, "BallotsCast")
        if gp not in gpunits:
            problems.add(path + "/GpUnitId", f"unknown GpUnit '{str(gp)[:60]}'")
            continue
        if cast is None:
            continue
        n = whole(cast, path + "/BallotsCast", problems)
        if n is None:
            continue
        kind, other = one(bc, "Type"), one(bc, "OtherType")
        if kind == "total":
            out[(gp, None)] = n
        elif isinstance(other, str) and other.startswith("contest:"):
            out[(gp, other.removeprefix("contest:"))] = n
    return out


def read_contest(
    contest: Obj,
    path: str,
    gpunits: dict[str, GpUnitInfo],
    dropped: str | None,
    candidates: dict[Any, Obj],
    party_ids: dict[str, str],
    leaves: set[str],
    problems: Problems,
) -> tuple[Contest, dict[str, dict[str, int]], list[str], dict[str, tuple[int, int | None]]] | None:
    kind = type_of(contest)
    oid = str(contest.get("@id"))
    if kind != "CandidateContest":
        problems.add(
            path, f"a {kind or 'contest without xsi:type'} is not supported (only CandidateContest)"
        )
        return None
    cid = escrutinio_id(contest) or native_id(oid, "cc-")
    district = one(contest, "ElectionDistrictId")
    if district not in gpunits:
        problems.add(path + "/ElectionDistrictId", f"unknown GpUnit '{str(district)[:60]}'")
        return None
    scope = None if district == dropped else gpunits[district].native
    used: dict[str, Candidate] = {}
    options: list[BallotOption] = []
    per_leaf: dict[str, dict[str, int]] = {}
    for j, sel in enumerate(many(contest, "ContestSelection"), start=1):
        where = f"{path}/ContestSelection[{j}]"
        if type_of(sel) != "CandidateSelection":
            problems.add(
                where, f"a {type_of(sel) or 'selection'} is not supported (only CandidateSelection)"
            )
            continue
        cands = refs(sel, "CandidateIds")
        if len(cands) != 1:
            problems.add(where + "/CandidateIds", f"expected one candidate, found {len(cands)}")
            continue
        node = candidates.get(cands[0])
        if node is None:
            problems.add(where + "/CandidateIds", f"unknown Candidate '{cands[0][:60]}'")
            continue
        cand_id = escrutinio_id(node) or native_id(cands[0], f"can-{ids.encode(cid)}__")
        if cand_id not in used:
            alliance = party_ids.get(str(one(node, "PartyId")), "")
            used[cand_id] = Candidate(
                id=cand_id,
                name=text(node, "BallotName") or cand_id,
                alliance=alliance.removeprefix("coalition:")
                if alliance.startswith("coalition:")
                else None,
            )
        endorsed = refs(sel, "EndorsementPartyIds")
        if len(endorsed) > 1:
            problems.add(
                where + "/EndorsementPartyIds",
                "a selection endorsed by several parties is not supported (one card, one party)",
            )
            continue
        party = party_ids.get(endorsed[0]) if endorsed else None
        if endorsed and party is None:
            problems.add(where + "/EndorsementPartyIds", f"unknown Party '{endorsed[0][:60]}'")
            continue
        option_id = native_id(str(sel.get("@id")), f"cs-{ids.encode(cid)}__")
        options.append(
            BallotOption(
                id=option_id,
                candidate=cand_id,
                party=None if party is None or party.startswith("coalition:") else party,
            )
        )
        for gp, n in selection_counts(sel, where, gpunits, problems).items():
            if gp in leaves:
                per_leaf.setdefault(gp, {})[option_id] = n
    for votes in per_leaf.values():
        for option in options:
            votes.setdefault(option.id, 0)
    null_blank: dict[str, tuple[int, int | None]] = {}
    for j, oc in enumerate(many(contest, "OtherCounts"), start=1):
        gp = one(oc, "GpUnitId")
        if gp not in leaves:
            continue
        where = f"{path}/OtherCounts[{j}]"
        over, under = one(oc, "Overvotes"), one(oc, "Undervotes")
        null = 0 if over is None else whole(over, where + "/Overvotes", problems)
        blank = None if under is None else whole(under, where + "/Undervotes", problems)
        null_blank[gp] = (null or 0, blank)
    seats = one(contest, "NumberElected")
    try:
        native = Contest(
            id=cid,
            name=str(one(contest, "Name") or cid),
            scope=scope,
            seats=int(seats) if seats is not None else 1,
            candidates=list(used.values()),
            options=options,
        )
    except ValueError as exc:
        problems.add(path, f"cannot be an escrutinio contest: {str(exc).splitlines()[0]}")
        return None
    return native, per_leaf, [o.id for o in options], null_blank
