"""``escrutinio audit create``: snapshot the reported actas, read a ballot audit's manifest
and cast vote records, and show the expected work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from escrutinio.audit.files.ballot_files import parse_manifest, parse_marks
from escrutinio.audit.stats.sampling import in_manifest
from escrutinio.audit.stats.supermajority import parse_threshold
from escrutinio.audit.workflow import persist as audit_persist
from escrutinio.audit.workflow import rounds as wf
from escrutinio.cli.audit_common import (
    NameArg,
    audit_errors,
    ballot_level,
    method_inputs,
    read_file,
)
from escrutinio.cli.common import DbOption, console, fail, open_store
from escrutinio.model.definition import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store.audit_records import AuditRecords


def create(
    name: NameArg,
    contest: Annotated[list[str] | None, typer.Option("--contest", "-c")] = None,
    all_contests: Annotated[bool, typer.Option("--all", help="Audit every contest.")] = False,
    method: Annotated[
        str,
        typer.Option(
            help="table-comparison (PPEB with replacement, betting), table-comparison-wor "
            "(without replacement), macro, full-hand-count, fixed-percentage, ballot-polling, "
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
        unit = "batches" if ballot_level(method) else "tables"
        pop = "ballots" if ballot_level(method) else "tables"
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


def _ballot_inputs(
    definition: Definition,
    method: str,
    contests: list[str],
    manifest: Path | None,
    cvrs: Path | None,
) -> dict[str, Any]:
    """Parsed ``--manifest`` and ``--cvrs`` of a ballot-level audit (empty otherwise)."""
    if not ballot_level(method):
        if manifest or cvrs:
            raise fail("--manifest and --cvrs are for the ballot methods")
        return {}
    if manifest is None:
        raise fail(f"a {method} audit needs --manifest FILE.csv (batch,ballots)")
    batches = parse_manifest(read_file(manifest), str(manifest))
    out: dict[str, Any] = {"manifest": batches}
    if "cvrs" in method_inputs(method):
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
            read_file(cvrs), options, accept=accept, file=str(cvrs), skip=set(definition.contests)
        )
        per: dict[str, dict[str, tuple[int, ...]]] = {}
        for (b, c), m in marks.items():
            per.setdefault(b, {})[c] = m
        out["cvrs"] = per
    return out
