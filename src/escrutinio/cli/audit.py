"""``escrutinio audit``: create, draw, retrieval, record, enter, status, report.

Table methods audit polling tables against their actas; ballot methods (``ballot-polling``,
``ballot-comparison``, ``minerva``, ``providence``, ``hybrid``) draw ballots from a ballot manifest
(``--manifest``) and, for comparison, check them against cast vote records (``--cvrs``);
file formats in :mod:`escrutinio.audit.files.handcounts` and
:mod:`escrutinio.audit.files.ballot_files`. Parameter errors come from the audit package in
its own terms; this module names the flag.

Every state-changing step (create, draw, record, conclusion) is one transparency-log leaf
stored with its rows; re-running a step with the same input changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from escrutinio import reads
from escrutinio.audit.errors import AuditError, AuditParameterError
from escrutinio.audit.files.ballot_files import parse_ballot_readings, parse_manifest, parse_marks
from escrutinio.audit.files.handcounts import MAX_COUNT, parse_hand_counts
from escrutinio.audit.files.text import read_input
from escrutinio.audit.stats.sampling import in_manifest
from escrutinio.audit.stats.supermajority import parse_threshold
from escrutinio.audit.workflow import persist as audit_persist
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.registry import METHODS
from escrutinio.audit.workflow.state import AuditState, AuditStatus, HandCount
from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.model.definition import Definition
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import text_problem
from escrutinio.store import audits as store_audits
from escrutinio.store import definitions as store_definitions
from escrutinio.store.audit_records import AuditRecords

audit_app = typer.Typer(
    help="Post-election audits: risk-limiting table and ballot audits, full hand counts, "
    "fixed percentages. Steps: create → draw → retrieval → record/enter → status → report.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Audit name.")]

FLAGS = {
    "method": "--method",
    "risk_limit": "--risk-limit",
    "seed": "--seed",
    "contest": "--contest",
    "percent": "--percent",
    "test": "--test",
    "replacement": "--test",
    "manifest": "--manifest",
    "cvrs": "--cvrs",
    "threshold": "--threshold",
}
"""The flag of each audit parameter named by :class:`AuditParameterError`."""


@contextmanager
def audit_errors() -> Iterator[None]:
    """Turn the audit package's errors into a clean exit; a parameter error names its flag."""
    try:
        yield
    except AuditParameterError as exc:
        raise fail(f"{exc.message} ({FLAGS.get(exc.parameter, exc.parameter)})") from None
    except AuditError as exc:
        raise fail(str(exc)) from None


def _inputs(method: str) -> tuple[str, ...]:
    """The files the method takes besides the actas (an unknown method is refused later)."""
    known = METHODS.get(method)
    return known.inputs if known is not None else ()


def _ballot_level(method: str) -> bool:
    """Whether the method draws ballots from a manifest."""
    return "manifest" in _inputs(method)


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


@audit_app.command()
def create(
    name: NameArg,
    contest: Annotated[list[str] | None, typer.Option("--contest", "-c")] = None,
    all_contests: Annotated[bool, typer.Option("--all", help="Audit every contest.")] = False,
    method: Annotated[
        str,
        typer.Option(
            help="table-comparison, macro, full-hand-count, fixed-percentage, ballot-polling, "
            "ballot-comparison, minerva, providence or hybrid."
        ),
    ] = "table-comparison",
    risk_limit: Annotated[float, typer.Option("--risk-limit")] = 0.05,
    seed: Annotated[str, typer.Option(help="Public random seed, e.g. 20 dice digits.")] = "",
    percent: Annotated[
        float | None, typer.Option(help="Share of tables for fixed-percentage audits.")
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="Ballot manifest CSV (batch,ballots): ballot methods.")
    ] = None,
    cvrs: Annotated[
        Path | None,
        typer.Option(
            help="Cast vote records CSV (ballot_id,contest,option): ballot-comparison; hybrid "
            "(the tables with CVRs form the comparison stratum)."
        ),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            help="Share of the valid votes the winner needs, e.g. 2/3 (supermajority "
            "assertion; ballot-polling and ballot-comparison with ALPHA, table-comparison)."
        ),
    ] = None,
    test: Annotated[
        str | None,
        typer.Option(help="bravo|alpha (ballot-polling), alpha|kaplan-markov (comparison)."),
    ] = None,
    without_replacement: Annotated[
        bool, typer.Option("--without-replacement", help="Sample ballots without replacement.")
    ] = False,
    pending: Annotated[
        bool,
        typer.Option(
            "--pending",
            help="Audit even if some tables have no counting acta: their registered electors "
            "count as ballots against the reported winners.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Create an audit (snapshot of the reported actas) and show sample-size estimates."""
    if not seed.strip():
        raise fail("give the public random seed with --seed")
    share = None
    if threshold is not None:
        try:
            share = parse_threshold(threshold)
        except ValueError as exc:
            raise fail(f"{exc} (--threshold)") from None
    with open_store(db) as store, audit_errors():
        definition = store_definitions.read_definition(store)
        contests = list(definition.contests) if all_contests else list(contest or [])
        ballot_args = _ballot_inputs(definition, method, contests, manifest, cvrs)
        state, created = audit_persist.create_audit(
            AuditRecords(store),
            name,
            method,
            risk_limit,
            seed.strip(),
            contests,
            percent,
            test=test,
            replacement=not without_replacement,
            pending=pending,
            threshold=share,
            **ballot_args,
        )
        console.print(
            f"audit {name} {'created' if created else 'already exists'}: {method}, "
            f"risk limit {risk_limit:g}, {len(contests)} contests, seed {seed.strip()}"
            + (f", winner needs more than {threshold} of the valid votes" if threshold else "")
        )
        table = Table(title="Expected work before drawing (no discrepancies assumed)")
        unit = "batches" if _ballot_level(method) else "tables"
        pop = "ballots" if _ballot_level(method) else "tables"
        for col in ("contest", pop, "margin", f"{unit} to retrieve", "ballots"):
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


def _read(path: Path) -> str:
    """The file's text (UTF-8, bounded); an :class:`InputError` says why it cannot be read."""
    return read_input(path)


def _ballot_inputs(
    definition: Definition,
    method: str,
    contests: list[str],
    manifest: Path | None,
    cvrs: Path | None,
) -> dict[str, Any]:
    """Parsed ``--manifest`` and ``--cvrs`` of a ballot-level audit (empty otherwise)."""
    if not _ballot_level(method):
        if manifest or cvrs:
            raise fail("--manifest and --cvrs are for the ballot methods")
        return {}
    if manifest is None:
        raise fail(f"a {method} audit needs --manifest FILE.csv (batch,ballots)")
    batches = parse_manifest(_read(manifest), str(manifest))
    out: dict[str, Any] = {"manifest": batches}
    if "cvrs" in _inputs(method):
        if cvrs is None:
            raise fail(f"a {method} audit needs --cvrs FILE.csv")
        missing = [c for c in contests if c not in definition.contests]
        if missing:
            raise fail(f"unknown contest(s): {', '.join(missing)}")
        options = {c: tuple(definition.layout(c).option_ids) for c in contests}

        def accept(ballot: str, cid: str) -> str | None:
            ok = in_manifest(batches, ballot)
            return None if ok else f"ballot '{ballot}' is not in the manifest"

        marks, _ = parse_marks(
            _read(cvrs), options, accept=accept, file=str(cvrs), skip=set(definition.contests)
        )
        per: dict[str, dict[str, tuple[int, ...]]] = {}
        for (b, c), m in marks.items():
            per.setdefault(b, {})[c] = m
        out["cvrs"] = per
    return out


@audit_app.command("draw")
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
        n = sum(len(set(v)) for v in draws.values())
        what = "distinct ballots" if _ballot_level(state.method) else "tables"
        console.print(f"round {number} drawn: {n} {what}")
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
    with open_store(db) as store, audit_errors():
        state = audit_persist.load_audit(AuditRecords(store), name)
        if not state.rounds:
            raise fail("no round drawn yet: run 'escrutinio audit draw' first")
        chosen = None if all_rounds else (round_no or len(state.rounds))
        if _ballot_level(state.method):
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


@audit_app.command()
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
        text = _read(file)
        if _ballot_level(state.method):
            rows = parse_ballot_readings(text, state, str(file))
        else:
            rows = parse_hand_counts(text, state, str(file))
        problem = text_problem(file.name)
        if problem:
            raise InputError(
                [Issue(f"the file name cannot enter the log: {problem}", file=str(file))]
            )
        rep = audit_persist.record_counts(AuditRecords(store), state, rows, file.name)
        what = "ballot readings" if _ballot_level(state.method) else "hand counts"
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


@audit_app.command()
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
            if _ballot_level(state.method):
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


@audit_app.command("status")
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


@audit_app.command()
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


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to the app."""
    app.add_typer(audit_app, name="audit")
