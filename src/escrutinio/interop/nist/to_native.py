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

from dataclasses import dataclass, field
from typing import Any

from escrutinio.interop.nist.parse import Obj, many, one, text
from escrutinio.interop.nist.read_common import (
    GpUnitInfo,
    Problems,
    escrutinio_id,
    native_id,
    read_gpunits,
)
from escrutinio.interop.nist.read_contests import ballot_counts, read_contest, read_parties
from escrutinio.model.definition_input import (
    Contest,
    DefinitionMeta,
    ElectionInfo,
    RegionRow,
    UnitRow,
)


@dataclass
class Converted:
    """A report as native files' content."""

    meta: DefinitionMeta
    regions: list[RegionRow]
    units: list[UnitRow]
    option_ids: list[str]
    actas: list[dict[str, object]] = field(default_factory=list)


def convert_report(report: Obj, name: str) -> Converted:
    """The definition, regions, units and actas of an ERR v2 report; an ``InputError``
    listing every problem (with its element path) when the report cannot be used."""
    problems = Problems(name)
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
    gpunits = read_gpunits(report, problems)
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

    regions_by_depth: dict[int, list[GpUnitInfo]] = {}
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
    parties, alliances, party_alliance = read_parties(report, problems)
    candidates = {c.get("@id"): c for c in many(election, "Candidate") if isinstance(c, dict)}
    contests: list[Contest] = []
    acta_counts: dict[tuple[str, str], dict[str, Any]] = {}
    all_options: list[str] = []
    ballots = ballot_counts(election, gpunits, problems)
    for i, contest in enumerate(many(election, "Contest"), start=1):
        path = f"ElectionReport/Election[1]/Contest[{i}]"
        built = read_contest(
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
        id=escrutinio_id(election) or native_id(str(election.get("@id") or "imported-election")),
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
