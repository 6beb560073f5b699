"""``escrutinio audit record`` and ``enter``: hand counts or ballot readings from a CSV file
or typed twice (double entry)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escrutinio.audit.files.ballot_files import parse_ballot_readings
from escrutinio.audit.files.handcounts import MAX_COUNT, parse_hand_counts
from escrutinio.audit.workflow import persist as audit_persist
from escrutinio.audit.workflow.state import HandCount
from escrutinio.cli.audit_common import NameArg, audit_errors, ballot_level, read_file
from escrutinio.cli.common import DbOption, console, open_store
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import text_problem
from escrutinio.store.audit_records import AuditRecords


def record(
    name: NameArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: unit,contest,option,votes[,reason] (table methods) or "
            "ballot_id,contest,option[,reason] (ballot methods)."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Import hand counts or ballot readings from a CSV (all rows or none; re-importing is a
    no-op)."""
    with open_store(db) as store, audit_errors():
        state = audit_persist.load_audit(AuditRecords(store), name)
        text = read_file(file)
        if ballot_level(state.method):
            rows = parse_ballot_readings(text, state, str(file))
        else:
            rows = parse_hand_counts(text, state, str(file))
        problem = text_problem(file.name)
        if problem:
            raise InputError(
                [Issue(f"the file name cannot enter the log: {problem}", file=str(file))]
            )
        rep = audit_persist.record_counts(AuditRecords(store), state, rows, file.name)
        what = "ballot readings" if ballot_level(state.method) else "hand counts"
        console.print(
            f"{file}: {rep.new} new {what}, {rep.corrected} corrections, "
            f"{rep.unchanged} already recorded",
            soft_wrap=True,
        )


def _ask_twice(prompt: str) -> int:
    while True:
        first = typer.prompt(prompt, type=int)
        second = typer.prompt(f"{prompt} (again)", type=int)
        if first == second and 0 <= first <= MAX_COUNT:
            return int(first)
        console.print("[red]entries differ (or are out of range): enter this count again[/]")


def _ask_marks_twice(options: tuple[str, ...]) -> set[str]:
    while True:
        first = typer.prompt("  marked option(s), comma-separated, '-' for none")
        second = typer.prompt("  marked option(s) (again)")
        a, b = _split_marks(first), _split_marks(second)
        if a == b and a <= set(options):
            return a
        console.print("[red]entries differ (or name unknown options): enter this ballot again[/]")


def _split_marks(text: str) -> set[str]:
    return {x.strip() for x in text.split(",") if x.strip() and x.strip() != "-"}


def enter(
    name: NameArg,
    limit: Annotated[int | None, typer.Option(help="Stop after this many tables.")] = None,
    db: DbOption = None,
) -> None:
    """Type hand counts (ballot methods: marked options) interactively, each twice (double
    entry); one table or ballot at a time."""
    with open_store(db) as store, audit_errors():
        state = audit_persist.load_audit(AuditRecords(store), name)
        pending = state.missing()
        if not pending:
            console.print("no hand counts pending")
            return
        for done, (unit, cid) in enumerate(pending):
            if limit is not None and done >= limit:
                break
            rc = state.reported[cid]
            if ballot_level(state.method):
                console.print(f"[bold]ballot {unit}[/], {cid}: options {', '.join(rc.option_ids)}")
                chosen = _ask_marks_twice(rc.option_ids)
                marks = tuple(int(o in chosen) for o in rc.option_ids)
                audit_persist.record_counts(
                    AuditRecords(store), state, [HandCount(unit, cid, marks)], "interactive"
                )
                console.print(f"  recorded {unit} ({cid})")
                continue
            console.print(f"[bold]table {unit}[/], {cid}")
            votes = tuple(_ask_twice(f"  {opt}") for opt in rc.option_ids)
            audit_persist.record_counts(
                AuditRecords(store), state, [HandCount(unit, cid, votes)], "interactive"
            )
            console.print(f"  recorded {unit} ({cid})")
