"""Tally a contest: overall (with race status) and by region level."""

from __future__ import annotations

from escrutinio.model.definition import Definition
from escrutinio.tally.build import build_result
from escrutinio.tally.counts import ContestCounts, check_counts
from escrutinio.tally.results import ContestResult
from escrutinio.tally.totals import contest_totals, region_totals


def tally_contest(definition: Definition, counts: ContestCounts) -> ContestResult:
    """The whole-contest result, with winners, margin and race status."""
    return build_result(definition, counts.contest_id, contest_totals(definition, counts))


def tally_regions(definition: Definition, counts: ContestCounts, level: str) -> list[ContestResult]:
    """One result per region at ``level`` that has units voting in the contest (no status).

    Raises ``KeyError`` for an unknown level.
    """
    definition.level_index(level)
    check_counts(definition, counts)
    return [
        build_result(definition, counts.contest_id, totals, region=region)
        for region, totals in region_totals(definition, counts, level, check=False)
    ]
