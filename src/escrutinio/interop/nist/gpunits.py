"""The GpUnit hierarchy of a report and the counts of each contest summed per GpUnit.

The election is one ReportingUnit (``ru-election``); regions hang below it level by level
down to the narrowest level asked for, and at polling-unit level the tables below their
regions. A contest reports its district (its scope region, or the election) and every
region and table inside it that has at least one counted acta.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from escrutinio.interop.nist import ids
from escrutinio.model.definition import Definition
from escrutinio.tally import ContestCounts

UNIT_TYPE = "precinct"
"""ReportingUnitType of a polling unit (table, *mesa*): the smallest unit voters are assigned
to and results are reported by."""

_LEVEL_TYPES = {"centre": "polling-place", "center": "polling-place", "centro": "polling-place"}
_STANDARD_TYPES = frozenset(
    (
        "ballot-batch",
        "ballot-style-area",
        "borough",
        "city",
        "city-council",
        "combined-precinct",
        "congressional",
        "country",
        "county",
        "county-council",
        "drop-box",
        "judicial",
        "municipality",
        "polling-place",
        "precinct",
        "school",
        "special",
        "split-precinct",
        "state",
        "state-house",
        "state-senate",
        "town",
        "township",
        "utility",
        "village",
        "vote-center",
        "ward",
        "water",
    )
)


def unit_type(level: str) -> tuple[str, str | None]:
    """ReportingUnitType (and OtherType when ``other``) for a region level name."""
    if level in _STANDARD_TYPES:
        return level, None
    if level.lower() in _LEVEL_TYPES:
        return _LEVEL_TYPES[level.lower()], None
    return "other", level


@dataclass(frozen=True)
class ContestRows:
    """One contest's counts by GpUnit: ObjectIds and the summed counts rows (options…, null,
    blank, voters), district first, then regions level by level, then tables."""

    gpunits: list[str]
    counts: npt.NDArray[np.int64]


def levels_shown(definition: Definition, level: str | None) -> list[str]:
    """Region levels written, from the broadest to ``level`` (all when ``level`` is None),
    and at least down to the level of the narrowest contest scope (every contest's district
    is a GpUnit of the report)."""
    levels = definition.region_levels
    if level is None:
        return levels
    regions = definition.regions
    scopes = [
        int(regions.level[regions.index[c.scope]])
        for c in definition.contests.values()
        if c.scope is not None
    ]
    return levels[: max([definition.level_index(level), *scopes]) + 1]


def contest_rows(
    definition: Definition, counts: ContestCounts, level: str | None, tables: bool
) -> ContestRows:
    """The counts of one contest summed per GpUnit of its district."""
    contest = definition.contests[counts.contest_id]
    matrix = counts.counts
    width = len(contest.options) + 3
    if contest.scope is None:
        district, first_level = ids.ROOT_ID, 0
    else:
        district = ids.region_id(contest.scope)
        first_level = int(definition.regions.level[definition.regions.index[contest.scope]]) + 1
    gp: list[str] = [district]
    blocks = [matrix.sum(axis=0, dtype=np.int64).reshape(1, width)]
    units = counts.units
    for name in levels_shown(definition, level)[first_level:]:
        regions = definition.unit_regions_at(name)[units]
        keep = regions >= 0
        uniq, inverse = np.unique(regions[keep], return_inverse=True)
        sums = np.zeros((len(uniq), width), dtype=np.int64)
        np.add.at(sums, inverse, matrix[keep])
        gp.extend(ids.region_id(definition.regions.ids[r]) for r in uniq.tolist())
        blocks.append(sums)
    if tables:
        order = np.argsort(units, kind="stable")
        gp.extend(ids.unit_id(definition.units.ids[u]) for u in units[order].tolist())
        blocks.append(matrix[order])
    return ContestRows(gp, np.concatenate(blocks) if blocks else np.zeros((0, width), np.int64))


@dataclass(frozen=True)
class Hierarchy:
    """Per region: child ObjectIds, polling units below, those with a counted acta, and
    registered electors below."""

    children: dict[int, list[str]]
    root_children: list[str]
    units_below: npt.NDArray[np.int64]
    reported_below: npt.NDArray[np.int64]
    registered_below: npt.NDArray[np.int64]


def hierarchy(
    definition: Definition, reported: npt.NDArray[np.bool_], level: str | None, tables: bool
) -> Hierarchy:
    """The composition of every region shown and its sub-unit tallies (``reported`` marks
    the polling units with at least one counted acta)."""
    shown = set(levels_shown(definition, level))
    regions = definition.regions
    narrowest = max(definition.level_index(name) for name in shown)
    children: dict[int, list[str]] = {}
    root_children: list[str] = []
    for rid, lvl, parent in zip(
        regions.ids, regions.level.tolist(), regions.parent.tolist(), strict=True
    ):
        if lvl > narrowest:
            continue
        (children.setdefault(parent, []) if parent >= 0 else root_children).append(
            ids.region_id(rid)
        )
    if tables:
        for uid, r in zip(definition.units.ids, definition.units.region.tolist(), strict=True):
            children.setdefault(r, []).append(ids.unit_id(uid))
    n = len(regions)
    units_below = np.zeros(n, dtype=np.int64)
    reported_below = np.zeros(n, dtype=np.int64)
    registered_below = np.zeros(n, dtype=np.int64)
    for name in definition.region_levels:
        at = definition.unit_regions_at(name)
        ok = at >= 0
        units_below += np.bincount(at[ok], minlength=n)
        reported_below += np.bincount(at[ok], weights=reported[ok], minlength=n).astype(np.int64)
        registered_below += np.bincount(
            at[ok], weights=definition.units.registered[ok], minlength=n
        ).astype(np.int64)
    return Hierarchy(children, root_children, units_below, reported_below, registered_below)
