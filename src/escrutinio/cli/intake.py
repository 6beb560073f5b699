"""Commands that load the definition and actas and decide between acta versions."""

from __future__ import annotations

import codecs
import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from escrutinio import reads
from escrutinio.cli.common import (
    EXIT_REJECTED,
    DbOption,
    FormatOption,
    console,
    fail,
    open_store,
    write_out,
)
from escrutinio.interop.nist_convert import convert_nist
from escrutinio.io.acta_chunks import file_chunks
from escrutinio.io.actas_files import count_lines
from escrutinio.io.definition_files import load_definition
from escrutinio.io.mapping import convert as convert_mapped
from escrutinio.io.rejected_rows import rejected_rows
from escrutinio.model.errors import InputError
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import versions as store_versions


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def init(
    definition: Annotated[Path, typer.Argument(help="Election definition (.yaml or .toml).")],
    db: DbOption = None,
) -> None:
    """Load the election definition into the store (once; a different one is refused)."""
    try:
        loaded = load_definition(definition)
    except InputError as exc:
        raise fail(f"the definition has {len(exc.issues)} problem(s):\n{exc}") from None
    with open_store(db, create=True) as store:
        outcome = store_definitions.load_definition(store, loaded)
    console.print(
        f"definition [bold]{loaded.info.id}[/] {outcome}: {len(loaded.contests)} contests, "
        f"{len(loaded.regions):,} regions, {len(loaded.units):,} polling units, "
        f"{int(loaded.units.registered.sum()):,} registered electors "
        f"(fingerprint {loaded.fingerprint[:16]}…)"
    )


def import_actas(
    files: Annotated[list[Path], typer.Argument(help="Acta files (.csv or .jsonl).")],
    source: Annotated[
        str | None,
        typer.Option(help="Source for rows without a 'source' column (default: official)."),
    ] = None,
    received_at: Annotated[
        str | None,
        typer.Option(help="Arrival time for rows without 'received_at' (default: now)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The files' text encoding, e.g. latin-1 (default: UTF-8, BOM or not)."),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
    show: Annotated[int, typer.Option(help="How many rejected rows to list.")] = 20,
) -> None:
    """Validate and store actas. Bad rows are reported and skipped (exit status 1 if any);
    a file that cannot be read stops the command before anything is stored (exit status 2)."""
    for path in files:
        if not path.is_file():
            raise fail(f"{path}: {'not a file' if path.exists() else 'file not found'}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise fail(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)") from None
    any_rejected = False
    reports = []
    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        for path in files:
            total = max(count_lines(path) - 1, 0)
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
                disable=fmt != "table",
            ) as progress:
                task = progress.add_task(path.name, total=total)

                def advance(n: int, task: TaskID = task, progress: Progress = progress) -> None:
                    progress.advance(task, n)

                try:
                    chunks = file_chunks(
                        path,
                        definition,
                        source=source,
                        received_at=received_at,
                        encoding=encoding,
                    )
                    report = store_intake.ingest_chunks(store, chunks, advance)
                except InputError as exc:
                    raise fail(str(exc)) from None
            try:
                kept = rejected_rows(path, report.issues, encoding)
            except InputError as exc:
                raise fail(str(exc)) from None
            store_intake.record_import(store, report, _file_sha256(path), kept)
            reports.append(report)
            any_rejected = any_rejected or report.rejected_rows > 0
    if fmt == "json":
        write_out(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            console.print(
                f"[bold]{report.file}[/]: {report.read:,} rows read, "
                f"[green]{report.accepted:,} accepted[/], {report.duplicates:,} identical "
                f"re-submissions (no-op), [yellow]{report.conflicts:,} conflicting versions[/], "
                f"[red]{report.rejected_rows:,} rejected[/]",
                highlight=False,
            )
            for issue in report.issues[:show]:
                console.print(f"  [red]✗[/] {escape(str(issue))}", highlight=False)
            if len(report.issues) > show:
                console.print(f"  … {len(report.issues) - show} more (use --show N or -f json)")
    if any_rejected:
        raise typer.Exit(EXIT_REJECTED)


def conflicts(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """List actas with conflicting versions that await a decision (`escrutinio adjudicate`)."""
    with open_store(db) as store:
        rows = reads.pending_conflicts(store, source)
    if fmt == "json":
        write_out(json.dumps(rows, indent=2))
        return
    if fmt == "csv":
        write_out(
            "unit,contest,source,versions\n"
            + "".join(f"{r['unit']},{r['contest']},{r['source']},{r['versions']}\n" for r in rows)
        )
        return
    table = Table("unit", "contest", "source", "versions", title="Pending conflicts")
    for r in rows:
        table.add_row(r["unit"], r["contest"], r["source"], str(r["versions"]))
    console.print(table if rows else "no pending conflicts")


def versions(
    unit: Annotated[str, typer.Argument(help="Polling unit id.")],
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Show every stored version of one acta, and which one counts."""
    with open_store(db) as store:
        found = reads.acta_versions(store, unit, contest, source)
    if not found:
        raise fail(f"no acta stored for unit '{unit}' in contest '{contest}'")
    docs = [reads.version_document(v) for v in found]
    if fmt != "table":
        write_out(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    options = list(found[0].acta.option_ids)
    table = Table(
        "source",
        "version",
        "status",
        "counts",
        *options,
        "null",
        "blank",
        "voters",
        "received",
        title=f"Acta {unit} / {contest}",
    )
    for v in found:
        a = v.acta
        table.add_row(
            a.source,
            str(v.version),
            v.status,
            "✓" if v.counting else "",
            *map(str, a.votes),
            str(a.null),
            "" if a.blank is None else str(a.blank),
            str(a.voters),
            a.received_at,
        )
    console.print(table)


def adjudicate(
    unit: Annotated[str, typer.Argument(help="Polling unit id.")],
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    reason: Annotated[str, typer.Option(help="Why (kept forever in the log).")],
    decided_by: Annotated[str, typer.Option("--by", help="Who decides (body or official).")],
    version: Annotated[int | None, typer.Option(help="The version that counts.")] = None,
    exclude: Annotated[
        bool, typer.Option("--exclude", help="Count no version of this acta.")
    ] = False,
    source: Annotated[str | None, typer.Option(help="Source (default: official).")] = None,
    db: DbOption = None,
) -> None:
    """Record, in the log, which version of an acta counts (or that none does)."""
    if (version is None) == (not exclude):
        raise fail("give exactly one of --version N or --exclude")
    with open_store(db) as store:
        src = source or store_definitions.read_definition(store).info.official_source
        idx = store_versions.adjudicate(
            store, unit, contest, src, None if exclude else version, reason, decided_by
        )
    what = "no version" if exclude else f"version {version}"
    console.print(f"recorded: {what} of {unit}/{contest}/{src} counts (log entry {idx})")


def convert(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="MAPPING.yaml FOREIGN.csv (a column mapping and its spreadsheet), or with "
            "--from nist one ERR v2 report (XML or JSON)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the native files.")],
    from_: Annotated[
        str, typer.Option("--from", help="Input kind: mapping (default) or nist.")
    ] = "mapping",
) -> None:
    """Convert foreign results into election.yaml, regions/units and actas CSV files: a
    spreadsheet through a column mapping, or a NIST SP 1500-100 v2 report."""
    if from_ == "nist":
        if len(files) != 1:
            raise fail("convert --from nist takes one report file (XML or JSON)")
        try:
            done = convert_nist(files[0], out)
        except InputError as exc:
            raise fail(str(exc)) from None
        console.print(
            f"{out}: {done.contests} contests, {done.regions:,} regions, {done.units:,} "
            f"units, {done.actas:,} actas from {files[0]}",
            highlight=False,
        )
        return
    if from_ != "mapping":
        raise fail(f"--from: expected mapping or nist, got '{from_}'")
    if len(files) != 2:
        raise fail("convert takes MAPPING.yaml FOREIGN.csv (or --from nist REPORT)")
    mapping, source_csv = files
    try:
        report = convert_mapped(mapping, source_csv, out)
    except InputError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"{out}: {report.rows_converted:,} of {report.rows_read:,} rows converted, "
        f"{report.regions:,} regions, {report.units:,} units; column sums: "
        + ", ".join(f"{c} {n:,}" for c, n in report.column_sums.items()),
        highlight=False,
    )
    for issue in report.rejected[:20]:
        console.print(f"  [red]✗[/] {escape(str(issue))}", highlight=False)
    if report.rejected:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(init)
    app.command()(convert)
    app.command("import")(import_actas)
    app.command()(conflicts)
    app.command()(versions)
    app.command()(adjudicate)
