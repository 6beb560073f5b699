"""``escrutinio audit draw``, ``retrieval``, ``status`` and ``report``: each round drawn,
its retrieval lists, the measured risk, the conclusion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from escrutinio import reads
from escrutinio.audit.workflow import persist as audit_persist
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.state import AuditState, AuditStatus
from escrutinio.cli.audit_common import NameArg, audit_errors, ballot_level
from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.store import audits as store_audits
from escrutinio.store import definitions as store_definitions
from escrutinio.store.audit_records import AuditRecords


def _show_status(st: AuditStatus, risk_limit: float) -> None:
    table = Table(title=f"Round {st.round} — risk limit {risk_limit:g}")
    unit = st.contests[0].unit if st.contests else "tables"
    for col in ("contest", unit, "drawn", "audited", "discrepancies", "risk", "confirmed"):
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


def draw_cmd(
    name: NameArg,
    size: Annotated[
        int | None, typer.Option(help="Tables per contest (MACRO: draws) instead of the estimate.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Draw the next round from the public seed (consistent sampler) and store it."""
    with open_store(db) as store, audit_errors():
        state = audit_persist.load_audit(AuditRecords(store), name)
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
        if not any(draws.values()):
            console.print("nothing to draw: every ballot has been drawn")
            return
        number = audit_persist.add_round(AuditRecords(store), state, draws)
        before = {u for r in state.rounds[:-1] for v in r.values() for u in v}
        n = len({u for v in draws.values() for u in v} - before)
        what = "distinct ballots" if ballot_level(state.method) else "tables"
        console.print(f"round {number} drawn: {n} {what}")
        for key, units in draws.items():
            console.print(f"  {key}: {len(units)} draws", highlight=False)


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
    with open_store(db) as store, audit_errors():
        state = audit_persist.load_audit(AuditRecords(store), name)
        if not state.rounds:
            raise fail("no round drawn yet: run 'escrutinio audit draw' first")
        chosen = None if all_rounds else (round_no or len(state.rounds))
        if ballot_level(state.method):
            from escrutinio.audit.files.ballot_documents import write_ballot_retrieval

            paths = write_ballot_retrieval(
                state, store_definitions.read_definition(store), out, round_no=chosen
            )
            console.print(
                f"{len(paths) - 2} batch pages, retrieval.csv, ballot_marks_template.csv in {out}"
            )
            return
        from escrutinio.audit.files.documents import write_retrieval  # jinja2 when needed

        paths = write_retrieval(
            state,
            store_definitions.read_definition(store),
            out,
            show_reported=show_reported,
            round_no=chosen,
        )
        console.print(
            f"{len(paths) - 2} table pages, retrieval.csv, hand_counts_template.csv in {out}"
        )


def status_cmd(
    name: NameArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Measured risk per contest, discrepancies, and the next round's size if needed."""
    with open_store(db) as store, audit_errors():
        state, st = reads.audit_status(store, name)
        if fmt == "json":
            write_out(json.dumps(st.to_dict(), indent=2))
            return
        _show_status(st, state.risk_limit)


def report(
    name: NameArg,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    db: DbOption = None,
) -> None:
    """Record the conclusion (a log leaf) and write the final report (HTML and JSON)."""
    with open_store(db) as store, audit_errors():
        state: AuditState = audit_persist.load_audit(AuditRecords(store), name)
        st = wf.status(state)
        idx, new = audit_persist.record_conclusion(AuditRecords(store), state, st)
        info = store_audits.audit_info(store, name)
        from escrutinio.audit.files.documents import write_report

        paths = write_report(state, st, info, out)
        console.print(
            f"conclusion {'recorded' if new else 'already recorded'} as log entry {idx}: "
            f"{st.conclusion}"
        )
        console.print("written: " + ", ".join(str(p) for p in paths), highlight=False)
