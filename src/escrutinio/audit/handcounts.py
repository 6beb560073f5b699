"""Hand counts of audited tables: the CSV format and its validation.

Format (UTF-8 CSV with a header): ``unit,contest,option,votes`` and an optional ``reason``
column, one row per ballot option of each audited (table, contest); every option of the
contest must be present. ``reason`` is required only when a table already has a different
recorded hand count (a correction becomes a new version; nothing is overwritten).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from escrutinio.audit.workflow import AuditState
from escrutinio.model.errors import InputError, Issue

COLUMNS = ("unit", "contest", "option", "votes")


@dataclass(frozen=True)
class HandCount:
    """The hand count of one table in one contest, votes per option in contest order."""

    unit: str
    contest: str
    votes: tuple[int, ...]
    reason: str = ""


def parse_hand_counts(text: str, state: AuditState, file: str = "<input>") -> list[HandCount]:
    """Parse and validate a hand-count CSV against the audit's sample.

    Raises :class:`InputError` listing every problem with its line number: unknown table or
    contest, a table not in the sample, an unknown, repeated or missing option, a vote that is
    not a non-negative integer.
    """
    issues: list[Issue] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [c for c in COLUMNS if c not in header]
    if absent:
        raise InputError([Issue(f"missing column(s): {', '.join(absent)}", file=file, line=1)])
    sample = set(state.required())
    known_units = {u for rc in state.reported.values() for u in rc.units}
    found: dict[tuple[str, str], dict[str, int]] = {}
    first_line: dict[tuple[str, str], int] = {}
    reasons: dict[tuple[str, str], str] = {}
    for line, row in enumerate(reader, start=2):
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        unit, cid, opt, raw = (clean.get(c, "") for c in COLUMNS)
        if not any(clean.values()):
            continue
        if cid not in state.reported:
            issues.append(Issue(f"contest '{cid}' is not audited", "contest", file, line))
            continue
        if unit not in known_units:
            issues.append(Issue(f"unknown table '{unit}'", "unit", file, line))
            continue
        if (unit, cid) not in sample:
            issues.append(
                Issue(f"table '{unit}' is not in the sample of {cid}", "unit", file, line)
            )
            continue
        rc = state.reported[cid]
        if opt not in rc.option_ids:
            issues.append(Issue(f"option '{opt}' is not on the {cid} ballot", "option", file, line))
            continue
        try:
            votes = int(raw)
            if votes < 0 or not raw.lstrip("+").isdigit():
                raise ValueError(raw)
        except ValueError:
            issues.append(
                Issue(f"votes must be a non-negative integer, got '{raw}'", "votes", file, line)
            )
            continue
        key = (unit, cid)
        first_line.setdefault(key, line)
        options = found.setdefault(key, {})
        if opt in options:
            issues.append(Issue(f"option '{opt}' repeated for {unit}", "option", file, line))
            continue
        options[opt] = votes
        if clean.get("reason"):
            reasons[key] = clean["reason"]
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
