"""The rules an election definition's metadata must follow, one small function per rule:
unique identifiers, known alliances, parties and candidates, enough candidates for the
seats, option ids that are not acta columns, and actas small enough to be log entries."""

from __future__ import annotations

from collections.abc import Sequence

from escrutinio.model.definition_input import Contest, DefinitionMeta
from escrutinio.model.errors import Issue
from escrutinio.model.leaves import MAX_LEAF_BYTES

_COUNT_DIGITS = 19  # a 64-bit count
_ACTA_LEAF_FIXED = 512  # keys, punctuation, content hash, time, status and version
RESERVED_OPTION_IDS = ("unit", "contest", "source", "received_at", "voters", "null", "blank")
"""Acta column names no ballot option may take."""


def largest_acta_leaf(contest: Contest) -> int:
    """An upper bound on the bytes of an acta leaf of ``contest``: identifiers at their
    longest (128 characters), every count at 19 digits."""
    ids = 3 * 128  # contest, unit and source
    per_option = sum(len(o.id) + 4 + _COUNT_DIGITS for o in contest.options)
    return _ACTA_LEAF_FIXED + ids + 3 * _COUNT_DIGITS + per_option


def check_meta(meta: DefinitionMeta, file: str | None, issues: list[Issue]) -> None:
    """Add an issue for every broken rule of the metadata (everything but regions and units)."""
    check_unique(meta, file, issues)
    check_party_alliances(meta, file, issues)
    alliance_ids = {a.id for a in meta.alliances}
    party_ids = {p.id for p in meta.parties}
    for contest in meta.contests:
        check_contest(contest, alliance_ids, party_ids, file, issues)


def duplicates(ids: Sequence[str], what: str, file: str | None, issues: list[Issue]) -> None:
    """One issue per identifier seen before in ``ids``."""
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            issues.append(Issue(f"duplicate {what} id '{i}'", what, file))
        seen.add(i)


def check_unique(meta: DefinitionMeta, file: str | None, issues: list[Issue]) -> None:
    """Alliance, party, contest and region level identifiers are unique."""
    duplicates([a.id for a in meta.alliances], "alliances", file, issues)
    duplicates([p.id for p in meta.parties], "parties", file, issues)
    duplicates([c.id for c in meta.contests], "contests", file, issues)
    duplicates(list(meta.region_levels), "region_levels", file, issues)


def check_party_alliances(meta: DefinitionMeta, file: str | None, issues: list[Issue]) -> None:
    """Every alliance a party names is defined."""
    alliance_ids = {a.id for a in meta.alliances}
    for p in meta.parties:
        if p.alliance and p.alliance not in alliance_ids:
            issues.append(
                Issue(
                    f"party '{p.id}' names unknown alliance '{p.alliance}'",
                    f"parties.{p.id}.alliance",
                    file,
                )
            )


def check_contest(
    contest: Contest,
    alliance_ids: set[str],
    party_ids: set[str],
    file: str | None,
    issues: list[Issue],
) -> None:
    """Every rule of one contest, in the order its problems are reported."""
    where = f"contests.{contest.id}"
    check_leaf_size(contest, where, file, issues)
    duplicates([x.id for x in contest.candidates], f"{where}.candidates", file, issues)
    duplicates([o.id for o in contest.options], f"{where}.options", file, issues)
    check_candidate_alliances(contest, alliance_ids, where, file, issues)
    check_option_references(contest, party_ids, where, file, issues)
    check_seats(contest, where, file, issues)
    check_reserved_options(contest, where, file, issues)


def check_leaf_size(contest: Contest, where: str, file: str | None, issues: list[Issue]) -> None:
    """The contest's actas fit in a log entry."""
    if largest_acta_leaf(contest) > MAX_LEAF_BYTES:
        issues.append(
            Issue(
                f"contest '{contest.id}' has {len(contest.options)} ballot options: its actas "
                f"could not be published as log entries (at most {MAX_LEAF_BYTES:,} bytes each)",
                f"{where}.options",
                file,
            )
        )


def check_candidate_alliances(
    contest: Contest, alliance_ids: set[str], where: str, file: str | None, issues: list[Issue]
) -> None:
    """Every alliance a candidate names is defined."""
    for x in contest.candidates:
        if x.alliance and x.alliance not in alliance_ids:
            issues.append(
                Issue(
                    f"candidate '{x.id}' names unknown alliance '{x.alliance}'",
                    f"{where}.candidates.{x.id}.alliance",
                    file,
                )
            )


def check_option_references(
    contest: Contest, party_ids: set[str], where: str, file: str | None, issues: list[Issue]
) -> None:
    """Every ballot option names a candidate of the contest and, if any, a defined party."""
    cand_ids = {x.id for x in contest.candidates}
    for o in contest.options:
        if o.candidate not in cand_ids:
            issues.append(
                Issue(
                    f"option '{o.id}' names unknown candidate '{o.candidate}'",
                    f"{where}.options.{o.id}.candidate",
                    file,
                )
            )
        if o.party and o.party not in party_ids:
            issues.append(
                Issue(
                    f"option '{o.id}' names unknown party '{o.party}'",
                    f"{where}.options.{o.id}.party",
                    file,
                )
            )


def check_seats(contest: Contest, where: str, file: str | None, issues: list[Issue]) -> None:
    """A contest has at least as many candidates as seats."""
    if contest.seats > len(contest.candidates):
        issues.append(
            Issue(
                f"contest '{contest.id}' has {contest.seats} seats but only "
                f"{len(contest.candidates)} candidates",
                f"{where}.seats",
                file,
            )
        )


def check_reserved_options(
    contest: Contest, where: str, file: str | None, issues: list[Issue]
) -> None:
    """No ballot option takes the name of an acta column."""
    option_ids = {o.id for o in contest.options}
    for reserved in RESERVED_OPTION_IDS:
        if reserved in option_ids:
            issues.append(
                Issue(
                    f"option id '{reserved}' is reserved for an acta column",
                    f"{where}.options",
                    file,
                )
            )
