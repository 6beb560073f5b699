"""Acta validation rules. Each rule yields an :class:`Issue` naming the field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from escrutinio.model.acta import Acta, utc_timestamp
from escrutinio.model.definition import Definition
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import IDENTIFIER_RULE, identifier_problem, is_identifier, shown

RawCount = str | int | None
INT64_MAX = 2**63 - 1
"""The largest count the store holds (counts are kept as signed 64-bit integers)."""
BLANKS = " \t"
"""What is stripped around a CSV cell or a count given as text (never a newline or another
control character, which stay part of the value)."""
TOO_LARGE = f"count too large: the store holds counts up to {INT64_MAX}"


@dataclass(frozen=True, slots=True)
class RawActa:
    """An acta as read from a file, before validation. Counts may still be text."""

    unit: str | None
    contest: str | None
    source: str | None
    received_at: str | None
    voters: RawCount
    null: RawCount
    blank: RawCount
    votes: Mapping[str, RawCount]


def parse_count(value: RawCount, field: str, issues: list[Issue]) -> int | None:
    """Parse a vote count: a non-negative integer up to 2**63 - 1 given as int or decimal
    digits (ASCII, blanks around them ignored)."""
    if isinstance(value, bool):
        issues.append(
            Issue(f"expected a non-negative integer, got {value!r}", field, code="not_integer")
        )
        return None
    if isinstance(value, int):
        if value < 0:
            got = value if value >= -INT64_MAX else "a huge negative number"
            issues.append(Issue(f"count must not be negative, got {got}", field, code="negative"))
            return None
        if value > INT64_MAX:
            issues.append(Issue(TOO_LARGE, field, code="too_large"))
            return None
        return value
    if value is None:
        issues.append(Issue("missing count", field, code="missing"))
        return None
    text = value.strip(BLANKS) if isinstance(value, str) else value
    if not isinstance(text, str):
        issues.append(
            Issue(f"expected a non-negative integer, got {value!r}", field, code="not_integer")
        )
        return None
    if text == "":
        issues.append(Issue("missing count", field, code="missing"))
        return None
    if text.isdigit() and text.isascii():
        digits = text.lstrip("0")
        if len(digits) > 19 or int(digits or "0") > INT64_MAX:
            issues.append(Issue(TOO_LARGE, field, code="too_large"))
            return None
        return int(digits or "0")
    if text.startswith("-") and text[1:].isdigit() and text.isascii():
        issues.append(
            Issue(f"count must not be negative, got {shown(text)[1:-1]}", field, code="negative")
        )
    else:
        issues.append(
            Issue(f"expected a non-negative integer, got {shown(text)}", field, code="not_integer")
        )
    return None


def _default_time(value: str | None) -> str:
    """The received time given for a whole import, normalised to UTC (now when not given)."""
    if value is None:
        return utc_timestamp()
    try:
        return utc_timestamp(value)
    except (ValueError, OverflowError):
        raise InputError(
            [
                Issue(
                    f"the default received time {shown(value)} is not an ISO 8601 time",
                    "received_at",
                )
            ]
        ) from None


class ActaValidator:
    """Checks raw actas against an election definition."""

    def __init__(
        self,
        definition: Definition,
        *,
        default_source: str | None = None,
        default_received_at: str | None = None,
    ) -> None:
        self.definition = definition
        self.default_source = default_source or definition.info.official_source
        self.default_received_at = _default_time(default_received_at)
        if not is_identifier(self.default_source):
            raise InputError(
                [
                    Issue(
                        f"the default source {shown(self.default_source)} is not a valid "
                        f"source name ({IDENTIFIER_RULE})",
                        "source",
                    )
                ]
            )
        self.tolerance = definition.info.registered_tolerance
        self._options = {
            cid: tuple(o.id for o in c.options) for cid, c in definition.contests.items()
        }
        self._all_options = {o for opts in self._options.values() for o in opts}

    def validate(self, raw: RawActa) -> Acta | list[Issue]:
        """Return the validated :class:`Acta`, or every issue that prevents accepting it."""
        issues: list[Issue] = []
        d = self.definition
        unit_idx: int | None = None
        if not raw.unit:
            issues.append(Issue("missing polling unit id", "unit", code="missing"))
        else:
            unit_idx = d.units.index.get(raw.unit)
            if unit_idx is None:
                issues.append(
                    Issue(f"unknown polling unit {shown(raw.unit)}", "unit", code="unknown_unit")
                )
        options: tuple[str, ...] | None = None
        if not raw.contest:
            issues.append(Issue("missing contest id", "contest", code="missing"))
        else:
            options = self._options.get(raw.contest)
            if options is None:
                issues.append(
                    Issue(
                        f"unknown contest {shown(raw.contest)}", "contest", code="unknown_contest"
                    )
                )
        if (
            unit_idx is not None
            and options is not None
            and raw.contest
            and not d.unit_votes_in(unit_idx, raw.contest)
        ):
            scope = d.contests[raw.contest].scope
            issues.append(
                Issue(
                    f"unit '{raw.unit}' does not vote in contest '{raw.contest}' "
                    f"(outside its scope '{scope}')",
                    "unit",
                    code="out_of_scope",
                )
            )

        source = raw.source or self.default_source
        problem = identifier_problem(source)
        if problem is not None:
            issues.append(Issue(f"not a valid source name: {problem}", "source", code="invalid"))
        received_at = self.default_received_at
        if raw.received_at:
            try:
                received_at = utc_timestamp(raw.received_at)
            except (ValueError, OverflowError):
                issues.append(
                    Issue(
                        f"expected an ISO 8601 time, got {shown(raw.received_at)}",
                        "received_at",
                        code="invalid",
                    )
                )

        voters = parse_count(raw.voters, "voters", issues)
        null = parse_count(raw.null, "null", issues)
        blank = None
        if raw.blank is not None and raw.blank != "":
            blank = parse_count(raw.blank, "blank", issues)

        votes: list[int] = []
        if options is not None:
            for opt in options:
                n = parse_count(raw.votes.get(opt), opt, issues)
                votes.append(n if n is not None else 0)
            known = set(options)
            for key, value in raw.votes.items():
                if key in known or value is None:
                    continue
                if isinstance(value, str) and not value.strip(BLANKS):
                    continue
                where = "another contest" if key in self._all_options else "no contest"
                issues.append(
                    Issue(
                        f"{shown(key)} is not a ballot option of contest '{raw.contest}' "
                        f"(it belongs to {where}; expected: {', '.join(options)})",
                        key,
                        code="unknown_option",
                    )
                )

        if not issues and voters is not None and null is not None:
            cast = sum(votes) + null + (blank or 0)
            if cast > voters:
                issues.append(
                    Issue(
                        f"options ({sum(votes)}) + null ({null}) + blank ({blank or 0}) = {cast} "
                        f"exceeds voters ({voters})",
                        "voters",
                        code="over_voters",
                    )
                )
            if unit_idx is not None:
                registered = int(d.units.registered[unit_idx])
                if voters > registered + self.tolerance:
                    issues.append(
                        Issue(
                            f"voters ({voters}) exceed the unit's registered electors "
                            f"({registered}) by more than the tolerance ({self.tolerance})",
                            "voters",
                            code="over_registered",
                        )
                    )
        if issues:
            return issues
        assert raw.unit and raw.contest and options is not None
        assert voters is not None and null is not None
        return Acta(
            unit=raw.unit,
            contest=raw.contest,
            source=source,
            option_ids=options,
            votes=tuple(votes),
            null=null,
            blank=blank,
            voters=voters,
            received_at=received_at,
        )


def unterminated_issue(acta: Acta) -> Issue | None:
    """Why a file's last line, read without a final newline, may have been cut: accepted
    only when options + null + blank == voters exactly (a cut number rarely keeps that)."""
    cast = sum(acta.votes) + acta.null + (acta.blank or 0)
    if cast == acta.voters:
        return None
    return Issue(
        f"possibly truncated (no final newline): options ({sum(acta.votes)}) + null "
        f"({acta.null}) + blank ({acta.blank or 0}) = {cast}, not voters ({acta.voters}); "
        "a last line without a final newline is accepted only when they are equal",
        "voters",
        code="truncated",
    )
