"""Hand counts of audited tables: the CSV format and its validation.

Format (UTF-8 CSV with a header): ``unit,contest,option,votes`` and an optional ``reason``
column, one row per ballot option of each audited (table, contest); every option of the
contest must be present. ``reason`` is required only when a table already has a different
recorded hand count (a correction becomes a new version; nothing is overwritten).

A table the board cannot find is one row with option ``*`` and votes ``not found``: it is
recorded as the worst case for the reported winners (its acta's ballots plus one, all on the
reported runner-up: more ballots than the acta, which every table method scores at the
table's full error bound; Bañuelos & Stark 2012).
"""

from __future__ import annotations

from escrutinio.audit.files.text import csv_rows
from escrutinio.audit.workflow.state import AuditState, HandCount
from escrutinio.audit.workflow.tables import unretrievable_count
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import shown, text_problem

COLUMNS = ("unit", "contest", "option", "votes")

NOT_FOUND = "not found"
"""The votes value of a ``*`` row: the table could not be retrieved."""

MAX_COUNT = 999_999_999
"""The largest count accepted in an audit file (nine digits)."""


def count_problem(raw: str, what: str) -> str | None:
    """Why ``raw`` is not a count (ASCII digits, optional ``+``, 0..MAX_COUNT), or None."""
    digits = raw.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        return f"{what} must be a non-negative integer, got {shown(raw)}"
    if len(digits.lstrip("0")) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        return f"{what} must be at most {MAX_COUNT:,}, got {shown(raw)}"
    return None


def parse_hand_counts(text: str, state: AuditState, file: str = "<input>") -> list[HandCount]:
    """Parse and validate a hand-count CSV against the audit's sample.

    Raises :class:`InputError` listing every problem with its line number: unknown table or
    contest, a table not in the sample, an unknown, repeated or missing option, a vote that is
    not a non-negative integer, a reason that cannot enter the log.
    """
    issues: list[Issue] = []
    sample = set(state.required())
    known_units = {u for rc in state.reported.values() for u in rc.units}
    found: dict[tuple[str, str], dict[str, int]] = {}
    first_line: dict[tuple[str, str], int] = {}
    reasons: dict[tuple[str, str], str] = {}
    for line, clean in csv_rows(text, file, COLUMNS):
        unit, cid, opt, raw = (clean.get(c, "") for c in COLUMNS)
        if cid not in state.reported:
            issues.append(Issue(f"contest {shown(cid)} is not audited", "contest", file, line))
            continue
        if unit not in known_units:
            issues.append(Issue(f"unknown table {shown(unit)}", "unit", file, line))
            continue
        if (unit, cid) not in sample:
            issues.append(
                Issue(f"table '{unit}' is not in the sample of {cid}", "unit", file, line)
            )
            continue
        rc = state.reported[cid]
        if opt == "*" and raw.strip().casefold() == NOT_FOUND:
            key = (unit, cid)
            if key in found:
                issues.append(
                    Issue(f"table '{unit}' has counts and 'not found'", "votes", file, line)
                )
                continue
            first_line.setdefault(key, line)
            found[key] = dict(zip(rc.option_ids, unretrievable_count(rc, unit), strict=True))
            reasons[key] = clean.get("reason", "") or "not found"
            continue
        if opt not in rc.option_ids:
            issues.append(
                Issue(f"option {shown(opt)} is not on the {cid} ballot", "option", file, line)
            )
            continue
        problem = count_problem(raw, "votes")
        if problem:
            issues.append(Issue(problem, "votes", file, line))
            continue
        reason = clean.get("reason", "")
        problem = text_problem(reason)
        if problem:
            issues.append(Issue(problem, "reason", file, line))
            continue
        key = (unit, cid)
        first_line.setdefault(key, line)
        options = found.setdefault(key, {})
        if opt in options:
            issues.append(Issue(f"option '{opt}' repeated for {unit}", "option", file, line))
            continue
        options[opt] = int(raw)
        if reason:
            reasons[key] = reason
    out: list[HandCount] = []
    for key, options in found.items():
        rc = state.reported[key[1]]
        missing = [o for o in rc.option_ids if o not in options]
        if missing:
            issues.append(
                Issue(
                    f"table '{key[0]}' ({key[1]}) lacks option(s) {', '.join(missing)}",
                    "option",
                    file,
                    first_line[key],
                )
            )
            continue
        out.append(
            HandCount(
                key[0], key[1], tuple(options[o] for o in rc.option_ids), reasons.get(key, "")
            )
        )
    if issues:
        raise InputError(issues)
    return out


def template_rows(state: AuditState) -> list[dict[str, str]]:
    """Empty hand-count rows (``votes`` blank) for every drawn table still to be counted."""
    rows = []
    for unit, cid in state.missing():
        for opt in state.reported[cid].option_ids:
            rows.append({"unit": unit, "contest": cid, "option": opt, "votes": ""})
    return rows
