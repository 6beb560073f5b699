"""Build a :class:`~escrutinio.model.definition_model.Definition` from checked input: the
metadata, region rows and unit rows, cross-referenced, one small function per rule, every
problem reported with its file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from escrutinio.model.definition_checks import check_meta
from escrutinio.model.definition_input import (
    MAX_REGISTERED,
    DefinitionMeta,
    RegionRow,
    UnitRow,
)
from escrutinio.model.definition_model import Definition, RegionTable, UnitTable
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.model.text import is_identifier, shown, text_problem


def build_definition(
    meta: DefinitionMeta,
    regions: Iterable[RegionRow],
    units: Iterable[UnitRow],
    *,
    meta_file: str | None = None,
    regions_file: str | None = None,
    units_file: str | None = None,
) -> Definition:
    """Check cross-references and build a :class:`Definition`.

    Raises :class:`DefinitionError` listing every problem with its file, line and field.
    """
    issues: list[Issue] = []
    check_meta(meta, meta_file, issues)
    region_table = _region_table(meta, regions, regions_file, issues)
    _check_scopes(meta, region_table, meta_file, issues)
    unit_table = _unit_table(meta, region_table, units, units_file, issues)
    if issues:
        raise DefinitionError(issues)
    return with_units(meta, region_table, unit_table, units_file)


def with_units(
    meta: DefinitionMeta, regions: RegionTable, units: UnitTable, units_file: str | None = None
) -> Definition:
    """The definition of these checked metadata, regions and polling units (identifiers,
    regions, electors and contest ids already checked), after checking that every contest a
    unit lists explicitly covers the unit's region. Raises :class:`DefinitionError`."""
    definition = Definition(meta, regions, units)
    issues: list[Issue] = []
    _check_explicit_scopes(definition, units_file, issues)
    if issues:
        raise DefinitionError(issues)
    return definition


def _check_id(
    value: str, what: str, file: str | None, line: int | None, issues: list[Issue]
) -> bool:
    if not is_identifier(value):
        issues.append(
            Issue(
                f"{shown(value)} is not a valid identifier (ASCII letters, digits and ._:+/- only, "
                "starting with a letter or digit)",
                field=what,
                file=file,
                line=line,
            )
        )
        return False
    return True


def _region_table(
    meta: DefinitionMeta, regions: Iterable[RegionRow], file: str | None, issues: list[Issue]
) -> RegionTable:
    rows = _unique_regions(regions, file, issues)
    index = {row.id: i for i, row in enumerate(rows)}
    levels = {name: i for i, name in enumerate(meta.region_levels)}
    level_arr = np.zeros(len(rows), dtype=np.int32)
    parent_arr = np.full(len(rows), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        _check_region_name(row, file, issues)
        if not _check_level(row, meta, file, issues):
            continue
        level_arr[i] = levels[row.level]
        if row.parent:
            parent = _parent_index(row, index, file, issues)
            if parent is not None:
                parent_arr[i] = parent
    _check_parent_levels(rows, levels, parent_arr, file, issues)
    return RegionTable(
        ids=list(index),
        names=[row.name for row in rows],
        level=level_arr,
        parent=parent_arr,
        index=index,
    )


def _unique_regions(
    regions: Iterable[RegionRow], file: str | None, issues: list[Issue]
) -> list[RegionRow]:
    """The regions with a valid identifier seen for the first time."""
    rows: list[RegionRow] = []
    seen: set[str] = set()
    for row in regions:
        if not _check_id(row.id, "id", file, row.line, issues):
            continue
        if row.id in seen:
            issues.append(Issue(f"duplicate region id '{row.id}'", "id", file, row.line))
            continue
        seen.add(row.id)
        rows.append(row)
    return rows


def _check_region_name(row: RegionRow, file: str | None, issues: list[Issue]) -> None:
    """A region's name is free text that can enter the log."""
    problem = text_problem(row.name)
    if problem is not None:
        issues.append(Issue(problem, "name", file, row.line))


def _check_level(
    row: RegionRow, meta: DefinitionMeta, file: str | None, issues: list[Issue]
) -> bool:
    """A region's level is one of ``region_levels``."""
    if row.level in meta.region_levels:
        return True
    issues.append(
        Issue(
            f"unknown region level {shown(row.level)} (expected one of: "
            f"{', '.join(meta.region_levels)})",
            "level",
            file,
            row.line,
        )
    )
    return False


def _parent_index(
    row: RegionRow, index: dict[str, int], file: str | None, issues: list[Issue]
) -> int | None:
    """The index of a region's parent, which must be defined."""
    assert row.parent is not None
    if row.parent in index:
        return index[row.parent]
    issues.append(
        Issue(f"parent region {shown(row.parent)} is not defined", "parent", file, row.line)
    )
    return None


def _check_parent_levels(
    rows: list[RegionRow],
    levels: dict[str, int],
    parent: np.ndarray,
    file: str | None,
    issues: list[Issue],
) -> None:
    """A region's parent lies at a broader level."""
    for i, row in enumerate(rows):
        if row.level not in levels or parent[i] < 0:
            continue
        parent_row = rows[parent[i]]
        if parent_row.level in levels and levels[parent_row.level] >= levels[row.level]:
            issues.append(
                Issue(
                    f"parent '{parent_row.id}' is at level '{parent_row.level}', which is not "
                    f"above '{row.level}'",
                    "parent",
                    file,
                    row.line,
                )
            )


def _check_scopes(
    meta: DefinitionMeta, regions: RegionTable, file: str | None, issues: list[Issue]
) -> None:
    """Every contest's scope is a defined region."""
    for c in meta.contests:
        if c.scope is not None and c.scope not in regions.index:
            issues.append(
                Issue(
                    f"scope region '{c.scope}' of contest '{c.id}' is not defined",
                    f"contests.{c.id}.scope",
                    file,
                )
            )


@dataclass
class _Units:
    """Polling units accepted so far, column by column."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    region: list[int] = field(default_factory=list)
    registered: list[int] = field(default_factory=list)
    explicit: dict[int, frozenset[str]] = field(default_factory=dict)

    def add(self, row: UnitRow, region: int) -> None:
        self.index[row.id] = len(self.ids)
        if row.contests:
            self.explicit[len(self.ids)] = frozenset(row.contests)
        self.ids.append(row.id)
        self.region.append(region)
        self.registered.append(row.registered)


def _unit_table(
    meta: DefinitionMeta,
    regions: RegionTable,
    units: Iterable[UnitRow],
    file: str | None,
    issues: list[Issue],
) -> UnitTable:
    contest_ids = {c.id for c in meta.contests}
    accepted = _Units()
    for row in units:
        ok = _check_id(row.id, "id", file, row.line, issues)
        if ok and row.id in accepted.index:
            issues.append(Issue(f"duplicate polling unit id '{row.id}'", "id", file, row.line))
            ok = False
        region = regions.index.get(row.region)
        if region is None:
            issues.append(
                Issue(f"region {shown(row.region)} is not defined", "region", file, row.line)
            )
        ok = _check_registered(row, file, issues) and ok
        ok = _check_unit_contests(row, contest_ids, file, issues) and ok
        if ok and region is not None:
            accepted.add(row, region)
    return UnitTable(
        ids=accepted.ids,
        region=np.array(accepted.region, dtype=np.int32),
        registered=np.array(accepted.registered, dtype=np.int64),
        explicit_contests=accepted.explicit,
        index=accepted.index,
    )


def _check_registered(row: UnitRow, file: str | None, issues: list[Issue]) -> bool:
    """Registered electors lie between 0 and :data:`MAX_REGISTERED`."""
    if row.registered < 0:
        issues.append(
            Issue(
                f"registered electors must be >= 0, got {row.registered}",
                "registered",
                file,
                row.line,
            )
        )
        return False
    if row.registered > MAX_REGISTERED:
        issues.append(
            Issue(
                f"registered electors must be at most {MAX_REGISTERED:,}",
                "registered",
                file,
                row.line,
            )
        )
        return False
    return True


def _check_unit_contests(
    row: UnitRow, contest_ids: set[str], file: str | None, issues: list[Issue]
) -> bool:
    """Every contest a unit lists is defined."""
    ok = True
    for cid in row.contests:
        if cid not in contest_ids:
            issues.append(Issue(f"contest {shown(cid)} is not defined", "contests", file, row.line))
            ok = False
    return ok


def _check_explicit_scopes(
    definition: Definition, units_file: str | None, issues: list[Issue]
) -> None:
    """A unit that lists a contest lies inside that contest's scope."""
    for u, listed in definition.units.explicit_contests.items():
        for cid in sorted(listed):
            scope = definition.contests[cid].scope
            if scope is None:
                continue
            if not definition.region_contains(
                definition.regions.index[scope], int(definition.units.region[u])
            ):
                issues.append(
                    Issue(
                        f"unit '{definition.units.ids[u]}' lists contest '{cid}' but lies "
                        f"outside its scope '{scope}'",
                        "contests",
                        units_file,
                    )
                )
