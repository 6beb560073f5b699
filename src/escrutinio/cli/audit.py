"""``escrutinio audit``: create, draw, retrieval, record, enter, status, report.

Every state-changing step (create, draw, record, conclusion) is one transparency-log leaf
stored with its rows; re-running a step with the same input changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from escrutinio.audit import workflow as wf
from escrutinio.audit.handcounts import HandCount, parse_hand_counts
from escrutinio.audit.workflow import AuditState, AuditStatus
from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.store import audits as store_audits

audit_app = typer.Typer(
    help="Post-election audits: risk-limiting table audits, full hand counts, fixed "
    "percentages. Steps: create → draw → retrieval → record/enter → status → report.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Audit name.")]


def _show_status(st: AuditStatus, risk_limit: float) -> None:
    table = Table(title=f"Round {st.round} — risk limit {risk_limit:g}")
    for col in ("contest", "tables", "drawn", "audited", "discrepancies", "risk", "confirmed"):
        table.add_column(col, justify="left" if col == "contest" else "right")
    table.add_column("next")
    for c in st.contests:
        nxt = "full hand count" if c.full_hand_count else (f"+{c.next_size}" if c.next_size else "")
        table.add_row(
            c.contest,
            str(c.tables),
            str(c.drawn),
            str(c.audited),
            str(len(c.discrepancies)),
            f"{c.risk:.4g}",
            "yes" if c.confirmed else "no",
            " ".join(x for x in (nxt, c.note) if x),
        )
    console.print(table)
    console.print(f"[bold]{st.conclusion}[/]")


@audit_app.command()
def create(
    name: NameArg,
    contest: Annotated[list[str] | None, typer.Option("--contest", "-c")] = None,
    all_contests: Annotated[bool, typer.Option("--all", help="Audit every contest.")] = False,
    method: Annotated[
        str, typer.Option(help="table-comparison, macro, full-hand-count or fixed-percentage.")
    ] = "table-comparison",
    risk_limit: Annotated[float, typer.Option("--risk-limit")] = 0.05,
    seed: Annotated[str, typer.Option(help="Public random seed, e.g. 20 dice digits.")] = "",
    percent: Annotated[
        float | None, typer.Option(help="Share of tables for fixed-percentage audits.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an audit (snapshot of the reported actas) and show sample-size estimates."""
    if not seed.strip():
        raise fail("give the public random seed with --seed")
    with open_store(db) as store:
        contests = list(store.definition().contests) if all_contests else list(contest or [])
        state, created = store_audits.create_audit(
            store, name, method, risk_limit, seed.strip(), contests, percent
        )
        console.print(
            f"audit {name} {'created' if created else 'already exists'}: {method}, "
            f"risk limit {risk_limit:g}, {len(contests)} contests, seed {seed.strip()}"
        )
        table = Table(title="Expected work before drawing (no discrepancies assumed)")
        for col in ("contest", "tables", "margin", "tables to retrieve", "ballots"):
            table.add_column(col, justify="left" if col == "contest" else "right")
        table.add_column("note")
        total_t = total_b = 0.0
        for e in wf.estimates(state):
            total_t += e.expected_tables
            total_b += e.expected_ballots
            table.add_row(
                e.contest,
                str(e.tables),
                f"{e.margin:.2%}",
                f"{e.expected_tables:,.0f}",
                f"{e.expected_ballots:,.0f}",
                e.note,
            )
        table.add_row("total", "", "", f"{total_t:,.0f}", f"{total_b:,.0f}", "")
        console.print(table)


@audit_app.command("draw")
def draw_cmd(
    name: NameArg,
    size: Annotated[
        int | None, typer.Option(help="Tables per contest (MACRO: draws) instead of the estimate.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Draw the next round from the public seed (consistent sampler) and store it."""
    with open_store(db) as store:
        state = store_audits.load_audit(store, name)
        st = wf.status(state)
        sizes = wf.next_round_sizes(state, st, size)
        if not sizes:
            reason = (
                f"round {st.round} still needs {st.pending} hand counts"
                if st.pending
                else st.conclusion
            )
            console.print(f"nothing to draw: {reason}")
            return
        draws = wf.draw(state, sizes)
        number = store_audits.add_round(store, state, draws)
        n = sum(len(set(v)) for v in draws.values())
        console.print(f"round {number} drawn: {n} tables")
        for key, units in draws.items():
            console.print(f"  {key}: {len(units)} draws", highlight=False)


@audit_app.command()
def retrieval(
    name: NameArg,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    show_reported: Annotated[
        bool, typer.Option(help="Print the acta's counts on the lists (default hidden).")
    ] = False,
    round_no: Annotated[
        int | None, typer.Option("--round", help="Only this round (default: the latest).")
    ] = None,
    all_rounds: Annotated[bool, typer.Option("--all-rounds", help="Every round.")] = False,
    db: DbOption = None,
) -> None:
    """Write retrieval lists (CSV), a printable page per table and a hand-count template."""
    with open_store(db) as store:
        state = store_audits.load_audit(store, name)
        if not state.rounds:
            raise fail("no round drawn yet: run 'escrutinio audit draw' first")
        from escrutinio.audit.documents import write_retrieval  # jinja2 only when needed

        chosen = None if all_rounds else (round_no or len(state.rounds))
        paths = write_retrieval(
            state, store.definition(), out, show_reported=show_reported, round_no=chosen
        )
        console.print(
            f"{len(paths) - 2} table pages, retrieval.csv, hand_counts_template.csv in {out}"
        )


@audit_app.command()
def record(
    name: NameArg,
    file: Annotated[Path, typer.Argument(help="CSV: unit,contest,option,votes[,reason].")],
    db: DbOption = None,
) -> None:
    """Import hand counts from a CSV (all rows or none; re-importing is a no-op)."""
    with open_store(db) as store:
        state = store_audits.load_audit(store, name)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc}") from None
        rows = parse_hand_counts(text, state, str(file))
        rep = store_audits.record_counts(store, state, rows, file.name)
        console.print(
            f"{file}: {rep.new} new hand counts, {rep.corrected} corrections, "
            f"{rep.unchanged} already recorded"
        )


def _ask_twice(prompt: str) -> int:
    while True:
        first = typer.prompt(prompt, type=int)
        second = typer.prompt(f"{prompt} (again)", type=int)
        if first == second and first >= 0:
            return int(first)
        console.print("[red]entries differ (or are negative): enter this count again[/]")


@audit_app.command()
def enter(
    name: NameArg,
    limit: Annotated[int | None, typer.Option(help="Stop after this many tables.")] = None,
    db: DbOption = None,
) -> None:
    """Type hand counts interactively, each twice (double entry); one table at a time."""
    with open_store(db) as store:
        state = store_audits.load_audit(store, name)
        pending = state.missing()
        if not pending:
            console.print("no hand counts pending")
            return
        for done, (unit, cid) in enumerate(pending):
            if limit is not None and done >= limit:
                break
            rc = state.reported[cid]
            console.print(f"[bold]table {unit}[/], {cid}")
            votes = tuple(_ask_twice(f"  {opt}") for opt in rc.option_ids)
            store_audits.record_counts(store, state, [HandCount(unit, cid, votes)], "interactive")
            console.print(f"  recorded {unit} ({cid})")


@audit_app.command("status")
def status_cmd(
    name: NameArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Measured risk per contest, discrepancies, and the next round's size if needed."""
    with open_store(db) as store:
        state = store_audits.load_audit(store, name)
        st = wf.status(state)
        if fmt == "json":
            write_out(json.dumps(st.to_dict(), indent=2))
            return
        _show_status(st, state.risk_limit)


@audit_app.command()
def report(
    name: NameArg,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    db: DbOption = None,
) -> None:
    """Record the conclusion (a log leaf) and write the final report (HTML and JSON)."""
    with open_store(db) as store:
        state: AuditState = store_audits.load_audit(store, name)
        st = wf.status(state)
        idx, new = store_audits.record_conclusion(store, state, st)
        info = store_audits.audit_info(store, name)
        from escrutinio.audit.documents import write_report

        paths = write_report(state, st, info, out)
        console.print(
            f"conclusion {'recorded' if new else 'already recorded'} as log entry {idx}: "
            f"{st.conclusion}"
        )
        console.print("written: " + ", ".join(str(p) for p in paths), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to the app."""
    app.add_typer(audit_app, name="audit")
