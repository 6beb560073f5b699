"""An ERR v2 report (as read by :mod:`escrutinio.interop.nist.parse`) as escrutinio's own
definition, regions, polling units and actas.

Polling units are the leaf GpUnits (no ``ComposingGpUnitIds``); every other GpUnit is a
region, its level the ReportingUnit ``Type`` (or ``OtherType``) of its depth, except the
election's scope GpUnit when it is the single root with no polling unit directly below (it
is the election itself). Each ``CandidateSelection`` is one ballot option: its one
candidate, on the card of its one endorsing party. An acta is one leaf GpUnit's counts for
one contest: ``VoteCounts`` (type ``total``, else the sum of the types given), null from
``OtherCounts/Overvotes``, blank from ``OtherCounts/Undervotes``, voters from
``BallotCounts/BallotsCast`` (else options + null + blank). Every problem names the element
path (``ElectionReport/Election[1]/Contest[2]/...``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.parse import Obj, many, one, refs, text, type_of
from escrutinio.model.definition_input import (
    Alliance,
    BallotOption,
    Candidate,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    Party,
    RegionRow,
    UnitRow,
)
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import is_identifier

_UNESCAPE = {"_c": ":", "_p": "+", "_s": "/"}


def _unescape(encoded: str) -> str | None:
    out, i = [], 0
    while i < len(encoded):
        pair = encoded[i : i + 2]
        if encoded[i] == "_":
            if pair not in _UNESCAPE:
                return None
            out.append(_UNESCAPE[pair])
            i += 2
        else:
            out.append(encoded[i])
            i += 1
    return "".join(out)


def native_id(object_id: str, prefix: str = "") -> str:
    """The escrutinio identifier of an ObjectId: what :func:`ids.object_id` encoded when
    it carries ``prefix``, else the ObjectId with characters escrutinio does not allow
    replaced by ``-``."""
    if prefix and object_id.startswith(prefix):
        decoded = _unescape(object_id[len(prefix) :])
        if decoded is not None and is_identifier(decoded):
            return decoded
    cleaned = "".join(
        c if c.isascii() and (c.isalnum() or c in "._:+/-") else "-" for c in object_id
    )
    return cleaned if cleaned[:1].isalnum() else "x" + cleaned


class _Problems:
    def __init__(self, name: str) -> None:
        self.name = name
        self.issues: list[Issue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(Issue(message, field=path, file=self.name))

    def raise_any(self) -> None:
        if self.issues:
            raise InputError(self.issues)


def _escrutinio_id(node: Obj) -> str | None:
    for ext in many(node, "ExternalIdentifier"):
        if isinstance(ext, dict) and one(ext, "OtherType") == ids.ESCRUTINIO_ID:
            value = one(ext, "Value")
            if isinstance(value, str) and is_identifier(value):
                return value
    return None


def _ext_value(node: Obj, other_type: str) -> str | None:
    for ext in many(node, "ExternalIdentifier"):
        if isinstance(ext, dict) and one(ext, "OtherType") == other_type:
            value = one(ext, "Value")
            return value if isinstance(value, str) else None
    return None


def _int(value: Any, path: str, problems: _Problems) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.add(path, f"expected a count, got {str(value)[:60]!r}")
        return None
    if number < 0 or number != int(number):
        problems.add(path, f"expected a non-negative whole count, got {value}")
        return None
    return int(number)


@dataclass
class _GpUnit:
    object_id: str
    native: str
    name: str
    level: str
    children: list[str]
    registered: int | None
    path: str


@dataclass
class Converted:
    """A report as native files' content."""

    meta: DefinitionMeta
    regions: list[RegionRow]
    units: list[UnitRow]
    option_ids: list[str]
    actas: list[dict[str, object]] = field(default_factory=list)


def _gpunits(report: Obj, problems: _Problems) -> dict[str, _GpUnit]:
    out: dict[str, _GpUnit] = {}
    for i, gp in enumerate(many(report, "GpUnit"), start=1):
        path = f"ElectionReport/GpUnit[{i}]"
        oid = gp.get("@id") if isinstance(gp, dict) else None
        if not isinstance(oid, str):
            problems.add(path, "a GpUnit without an ObjectId")
            continue
        kind = one(gp, "Type") or "other"
        level = one(gp, "OtherType") if kind == "other" and one(gp, "OtherType") else kind
        registered = one(gp, "VotersRegistered")
        out[oid] = _GpUnit(
            oid,
            _escrutinio_id(gp) or native_id(oid, "ru-" if not oid.startswith("pu-") else "pu-"),
            text(gp, "Name") or oid,
            native_id(str(level)),
            refs(gp, "ComposingGpUnitIds"),
            None if registered is None else _int(registered, path + "/VotersRegistered", problems),
            path,
        )
    for gp in out.values():
        for child in gp.children:
            if child not in out:
                problems.add(gp.path + "/ComposingGpUnitIds", f"unknown GpUnit '{child[:60]}'")
    return out


def _selection_counts(
    selection: Obj, path: str, gpunits: dict[str, _GpUnit], problems: _Problems
) -> dict[str, int]:
    totals: dict[str, int] = {}
    others: dict[str, int] = {}
    for j, vc in enumerate(many(selection, "VoteCounts"), start=1):
        where = f"{path}/VoteCounts[{j}]"
        gp = one(vc, "GpUnitId")
        if gp not in gpunits:
            problems.add(where + "/GpUnitId", f"unknown GpUnit '{str(gp)[:60]}'")
            continue
        n = _int(one(vc, "Count"), where + "/Count", problems)
        if n is None:
            continue
        bucket = totals if one(vc, "Type") == "total" else others
        bucket[gp] = bucket.get(gp, 0) + n
    return {**others, **totals}


def convert_report(report: Obj, name: str) -> Converted:
    """The definition, regions, units and actas of an ERR v2 report; an ``InputError``
    listing every problem (with its element path) when the report cannot be used."""
    problems = _Problems(name)
    elections = many(report, "Election")
    if len(elections) != 1:
        problems.add("ElectionReport/Election", f"expected one Election, found {len(elections)}")
        problems.raise_any()
    if one(report, "Format") == "summary-contest":
        problems.add(
            "ElectionReport/Format",
            "the report gives summary results only (summary-contest); actas need counts at "
            "the polling-unit level (precinct-level)",
        )
        problems.raise_any()
    election = elections[0]
    gpunits = _gpunits(report, problems)
    problems.raise_any()
    parent: dict[str, str] = {}
    for node in gpunits.values():
        for child in node.children:
            if child in parent:
                problems.add(node.path + "/ComposingGpUnitIds", f"GpUnit '{child}' has two parents")
            parent[child] = node.object_id
    problems.raise_any()
    leaves = {oid for oid, node in gpunits.items() if not node.children}
    roots = [oid for oid in gpunits if oid not in parent]
    scope = one(election, "ElectionScopeId")
    dropped = (
        scope
        if len(roots) == 1 and roots[0] == scope and not (set(gpunits[scope].children) & leaves)
        else None
    )

    def depth(oid: str) -> int:
        d = 0
        while oid in parent:
            oid = parent[oid]
            d += 1
            if d > len(gpunits):
                problems.add(gpunits[oid].path, "GpUnits form a cycle")
                problems.raise_any()
        return d

    regions_by_depth: dict[int, list[_GpUnit]] = {}
    for oid, node in gpunits.items():
        if oid in leaves or oid == dropped:
            continue
        regions_by_depth.setdefault(depth(oid), []).append(node)
    depths = sorted(regions_by_depth)
    level_names: list[str] = []
    level_of: dict[int, str] = {}
    for d in depths:
        names = {node.level for node in regions_by_depth[d]}
        chosen = names.pop() if len(names) == 1 else f"level-{d}"
        if chosen in level_names:
            chosen = f"{chosen}-{d}"
        level_names.append(chosen)
        level_of[d] = chosen
    regions = [
        RegionRow(
            node.native,
            node.name,
            level_of[d],
            gpunits[parent[node.object_id]].native
            if node.object_id in parent and parent[node.object_id] != dropped
            else None,
        )
        for d in depths
        for node in regions_by_depth[d]
    ]
    parties, alliances, party_alliance = _parties(report, problems)
    candidates = {c.get("@id"): c for c in many(election, "Candidate") if isinstance(c, dict)}
    contests: list[Contest] = []
    acta_counts: dict[tuple[str, str], dict[str, Any]] = {}
    all_options: list[str] = []
    ballots = _ballot_counts(election, gpunits, problems)
    for i, contest in enumerate(many(election, "Contest"), start=1):
        path = f"ElectionReport/Election[1]/Contest[{i}]"
        built = _contest(
            contest, path, gpunits, dropped, candidates, party_alliance, leaves, problems
        )
        if built is None:
            continue
        native, per_leaf, option_ids, null_blank = built
        contests.append(native)
        all_options.extend(option_ids)
        for gp, votes in per_leaf.items():
            null, blank = null_blank.get(gp, (0, None))
            voters = ballots.get((gp, contest.get("@id")), ballots.get((gp, None)))
            total = sum(votes.values()) + null + (blank or 0)
            if voters is None:
                voters = total
            elif voters < total:
                problems.add(
                    path,
                    f"GpUnit '{gp}': BallotsCast {voters} is less than the votes, overvotes "
                    f"and undervotes counted ({total})",
                )
            acta_counts[(gp, native.id)] = {
                "votes": votes,
                "null": null,
                "blank": blank,
                "voters": voters,
            }
    problems.raise_any()
    if contests and not acta_counts:
        problems.add(
            "ElectionReport/Election[1]/Contest",
            "no counts at leaf GpUnits (polling units): nothing to make actas of",
        )
    if not contests:
        problems.add("ElectionReport/Election[1]/Contest", "no CandidateContest to convert")
        problems.raise_any()
    order = {oid: i for i, oid in enumerate(gpunits)}
    most: dict[str, int] = {}
    for (gp, _), acta in acta_counts.items():
        most[gp] = max(most.get(gp, 0), acta["voters"])
    reported = sorted((g for g in leaves if g != dropped), key=order.__getitem__)
    known = all(gpunits[g].registered is not None for g in reported)
    units: list[UnitRow] = []
    for gp in reported:
        unit = gpunits[gp]
        region = parent.get(gp)
        if region is None or region == dropped:
            problems.add(
                unit.path, "a polling unit (leaf GpUnit) with counts but no region above it"
            )
            continue
        registered = unit.registered if known and unit.registered is not None else most.get(gp, 0)
        units.append(UnitRow(unit.native, gpunits[region].native, registered))
    problems.raise_any()
    generated = one(report, "GeneratedDate")
    actas = [
        {
            "unit": gpunits[gp].native,
            "contest": cid,
            "received_at": generated,
            "voters": a["voters"],
            "null": a["null"],
            "blank": a["blank"],
            **a["votes"],
        }
        for (gp, cid), a in acta_counts.items()
    ]
    info = ElectionInfo(
        id=_escrutinio_id(election) or native_id(str(election.get("@id") or "imported-election")),
        name=text(election, "Name") or "Imported election",
        date=str(one(election, "StartDate") or ""),
        registered_known=known,
    )
    meta = DefinitionMeta(
        election=info,
        region_levels=level_names or ["region"],
        alliances=alliances,
        parties=parties,
        contests=contests,
    )
    return Converted(meta, regions, units, list(dict.fromkeys(all_options)), actas)


def _parties(
    report: Obj, problems: _Problems
) -> tuple[list[Party], list[Alliance], dict[str, str]]:
    party_nodes: list[Obj] = []
    alliances: list[Alliance] = []
    member_of: dict[str, str] = {}
    alliance_ids: dict[str, str] = {}
    for party in many(report, "Party"):
        if type_of(party) == "Coalition":
            aid = _escrutinio_id(party) or native_id(party["@id"], "coa-")
            alliance_ids[party["@id"]] = aid
            alliances.append(Alliance(id=aid, name=text(party, "Name") or aid))
            for member in refs(party, "PartyIds"):
                member_of.setdefault(member, aid)
        else:
            party_nodes.append(party)
    parties = [
        Party(
            id=_escrutinio_id(p) or native_id(p["@id"], "par-"),
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


def _ballot_counts(
    election: Obj, gpunits: dict[str, _GpUnit], problems: _Problems
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
        n = _int(cast, path + "/BallotsCast", problems)
        if n is None:
            continue
        kind, other = one(bc, "Type"), one(bc, "OtherType")
        if kind == "total":
            out[(gp, None)] = n
        elif isinstance(other, str) and other.startswith("contest:"):
            out[(gp, other.removeprefix("contest:"))] = n
    return out


def _contest(
    contest: Obj,
    path: str,
    gpunits: dict[str, _GpUnit],
    dropped: str | None,
    candidates: dict[Any, Obj],
    party_ids: dict[str, str],
    leaves: set[str],
    problems: _Problems,
) -> tuple[Contest, dict[str, dict[str, int]], list[str], dict[str, tuple[int, int | None]]] | None:
    kind = type_of(contest)
    oid = str(contest.get("@id"))
    if kind != "CandidateContest":
        problems.add(
            path, f"a {kind or 'contest without xsi:type'} is not supported (only CandidateContest)"
        )
        return None
    cid = _escrutinio_id(contest) or native_id(oid, "cc-")
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
        cand_id = _escrutinio_id(node) or native_id(cands[0], f"can-{ids.encode(cid)}__")
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
        for gp, n in _selection_counts(sel, where, gpunits, problems).items():
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
        null = 0 if over is None else _int(over, where + "/Overvotes", problems)
        blank = None if under is None else _int(under, where + "/Undervotes", problems)
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


def option_columns(converted: Converted) -> Iterable[str]:
    """Every option id of every contest, in contest order (the actas CSV columns)."""
    return converted.option_ids
