"""Input files of ballot-level audits: the ballot manifest and ballot marks (CVRs or the
audit board's reading of sampled ballots), with validation and line numbers.

Ballot manifest (SHANGRLA, Stark FC 2020; "phantoms to zombies", Bañuelos & Stark 2012):
UTF-8 CSV ``batch,ballots``, one row per batch (a table id or a box) with the number of paper
ballots in it. Ballot ids are ``batch:position`` with positions 1..ballots, the ids that
``stats.sampling.sample_ballots`` draws.

Ballot marks: UTF-8 CSV ``ballot_id,contest,option`` (optional ``reason`` column for
corrections of audited ballots), one row per mark; a row with an empty ``option`` records a
ballot with no vote (blank, or nothing readable) in that contest. Several rows for one
(ballot, contest) are several marks; more marks than seats is an overvote, which counts as
no vote when the risk is measured.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from escrutinio.audit.files.handcounts import count_problem
from escrutinio.audit.files.text import csv_rows
from escrutinio.audit.workflow.state import AuditState, HandCount
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import ID_MAX_LENGTH, shown, text_problem

MANIFEST_COLUMNS = ("batch", "ballots")
MARK_COLUMNS = ("ballot_id", "contest", "option")

MAX_BATCH_BALLOTS = 1_000_000
"""The most ballots one batch of a manifest may hold."""

Marks = dict[tuple[str, str], tuple[int, ...]]


def batch_problem(batch: str) -> str | None:
    """Why ``batch`` cannot be a manifest batch id, or None."""
    if not batch or ":" in batch:
        return "batch id must be non-empty, without ':'"
    if len(batch) > ID_MAX_LENGTH:
        return f"batch id has at most {ID_MAX_LENGTH} characters, got {len(batch)}"
    return text_problem(batch)


def parse_manifest(text: str, file: str = "<manifest>") -> dict[str, int]:
    """Parse a ballot manifest into batch id → ballots, in file order.

    Raises :class:`InputError` listing every problem with its line: empty or repeated batch
    id, a batch id containing ``:`` or a control character, a count that is not a
    non-negative integer (at most 1,000,000 per batch), no ballots.
    """
    issues: list[Issue] = []
    out: dict[str, int] = {}
    for line, clean in csv_rows(text, file, MANIFEST_COLUMNS):
        batch, raw = clean.get("batch", ""), clean.get("ballots", "")
        problem = batch_problem(batch)
        if problem:
            issues.append(Issue(problem, "batch", file, line))
            continue
        if batch in out:
            issues.append(Issue(f"batch '{batch}' repeated", "batch", file, line))
            continue
        problem = count_problem(raw, "ballots")
        if problem is None and int(raw) > MAX_BATCH_BALLOTS:
            problem = f"ballots must be at most {MAX_BATCH_BALLOTS:,} per batch, got {shown(raw)}"
        if problem:
            issues.append(Issue(problem, "ballots", file, line))
            continue
        out[batch] = int(raw)
    if not issues and sum(out.values()) == 0:
        issues.append(Issue("the manifest lists no ballots", file=file, code="empty"))
    if issues:
        raise InputError(issues)
    return out


def parse_marks(
    text: str,
    options: Mapping[str, Sequence[str]],
    *,
    accept: Callable[[str, str], str | None],
    file: str = "<marks>",
    skip: Collection[str] = (),
) -> tuple[Marks, dict[tuple[str, str], str]]:
    """Parse ballot marks into (ballot, contest) → 0/1 per option of the contest.

    ``options`` maps each audited contest to its ballot option ids, in contest order; rows
    of contests in ``skip`` (e.g. CVR rows of contests not audited) are ignored.
    ``accept(ballot_id, contest)`` returns an error message for a ballot that may not be
    recorded (not in the manifest, not in the sample), else None. Returns the marks and the
    ``reason`` given per (ballot, contest). Raises :class:`InputError` with every problem and
    its line: unaudited contest, rejected ballot, unknown option, an option marked twice, an
    empty option next to marks, a reason that cannot enter the log.
    """
    issues: list[Issue] = []
    marks: dict[tuple[str, str], set[str]] = {}
    blank: dict[tuple[str, str], int] = {}
    reasons: dict[tuple[str, str], str] = {}
    for line, clean in csv_rows(text, file, MARK_COLUMNS):
        ballot, cid, opt = (clean.get(c, "") for c in MARK_COLUMNS)
        if cid in skip and cid not in options:
            continue
        if cid not in options:
            issues.append(Issue(f"contest {shown(cid)} is not audited", "contest", file, line))
            continue
        problem = accept(ballot, cid)
        if problem:
            issues.append(Issue(problem, "ballot_id", file, line))
            continue
        reason = clean.get("reason", "")
        problem = text_problem(reason)
        if problem:
            issues.append(Issue(problem, "reason", file, line))
            continue
        key = (ballot, cid)
        chosen = marks.setdefault(key, set())
        if reason:
            reasons[key] = reason
        if not opt:
            if chosen:
                issues.append(Issue("empty option next to marks", "option", file, line))
            blank[key] = line
            continue
        if key in blank:
            issues.append(Issue("mark next to an empty option", "option", file, line))
            continue
        if opt not in options[cid]:
            issues.append(
                Issue(f"option {shown(opt)} is not on the {cid} ballot", "option", file, line)
            )
            continue
        if opt in chosen:
            issues.append(Issue(f"option '{opt}' repeated for {ballot}", "option", file, line))
            continue
        chosen.add(opt)
    if issues:
        raise InputError(issues)
    out: Marks = {
        key: tuple(int(o in chosen) for o in options[key[1]]) for key, chosen in marks.items()
    }
    return out, reasons


def parse_ballot_readings(
    text: str, state: AuditState, file: str = "<readings>"
) -> list[HandCount]:
    """Parse the audit board's readings of sampled ballots (marks format) as hand counts of
    one ballot each: 0/1 per option, ``unit`` the ballot id, ``reason`` for corrections.

    Raises :class:`InputError` for a ballot that is not in the sample (or a contest that is
    not on it) and every problem :func:`parse_marks` finds.
    """
    required = set(state.required())

    def accept(ballot: str, cid: str) -> str | None:
        if (ballot, cid) in required:
            return None
        return f"ballot {shown(ballot)} is not in the sample of {cid}"

    options = {c: state.reported[c].option_ids for c in state.contests}
    marks, reasons = parse_marks(text, options, accept=accept, file=file)
    return [HandCount(b, c, m, reasons.get((b, c), "")) for (b, c), m in marks.items()]
