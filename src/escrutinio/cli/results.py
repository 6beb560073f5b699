"""Commands that show results and keep numbered bulletins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from escrutinio import reads
from escrutinio.cli.common import DbOption, FormatOption, console, fail, open_store, write_out
from escrutinio.cli.keys import load_secret_key
from escrutinio.cli.render import render_result, results_csv, summary_tables, to_json
from escrutinio.store import definitions as store_definitions
from escrutinio.store.checkpoints import sign_checkpoint_now
from escrutinio.tally import ContestResult, Summary


def _show(
    summary: Summary | None, results: list[ContestResult], fmt: str, *, extra: dict[str, Any]
) -> None:
    if fmt == "json":
        if summary is not None:
            write_out(json.dumps({**extra, **summary.to_dict()}, ensure_ascii=False, indent=2))
        else:
            write_out(to_json(results))
        return
    if fmt == "csv":
        write_out(results_csv(results))
        return
    if summary is not None:
        console.print(summary_tables(summary))
        return
    for result in results:
        console.print(render_result(result))
        console.print()


def results(
    contest: Annotated[
        list[str] | None, typer.Option("--contest", "-c", help="Only these contests.")
    ] = None,
    level: Annotated[
        str | None, typer.Option(help="Break down by this region level (e.g. state).")
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Election-wide summary: seats, pending, votes.")
    ] = False,
    source: Annotated[
        str | None, typer.Option(help="Whose actas to count (default: the official source).")
    ] = None,
    bulletin: Annotated[
        int | None, typer.Option(help="Show stored bulletin N instead of live results.")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Results per contest (overall or by region level) or the election summary."""
    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        unknown = [c for c in contest or [] if c not in definition.contests]
        if unknown:
            raise fail(f"unknown contest(s): {', '.join(unknown)}")
        if level is not None and level not in definition.region_levels:
            raise fail(
                f"unknown region level '{level}' (known: {', '.join(definition.region_levels)})"
            )
        if bulletin is not None:
            doc = reads.bulletin(store, bulletin)
            chosen = [
                ContestResult.from_dict(c)
                for c in doc["contests"]
                if not contest or c["contest_id"] in contest
            ]
            header = {"bulletin": doc["number"], "created_at": doc["created_at"]}
            if fmt == "table":
                console.print(
                    f"[bold]Bulletin {doc['number']}[/] of {doc['created_at']} "
                    f"(source {doc['source']}, log size {doc['log_size']})"
                )
            _show(Summary.from_dict(doc["summary"]) if summary else None, chosen, fmt, extra=header)
            return
        counts = reads.load_counts(store, source)
        overall = reads.contest_results(definition, counts)
        if summary:
            _show(reads.election_summary(definition, counts, overall), [], fmt, extra={})
            return
        if level is not None:
            shown = reads.regional_results(definition, counts, level, contest)
        else:
            shown = [r for r in overall if not contest or r.contest_id in contest]
        _show(None, shown, fmt, extra={})


def bulletin(
    source: Annotated[str | None, typer.Option(help="Whose actas (default: official).")] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            envvar="ESCRUTINIO_KEY",
            help="Log secret key: also sign a checkpoint of the log that includes this bulletin.",
        ),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Record a numbered, timestamped snapshot of the summary and every contest, forever
    (with --key, also a signed checkpoint of the log that contains it)."""
    signer = load_secret_key(key) if key is not None else None
    note = None
    with open_store(db) as store:
        number, doc = reads.record_bulletin(store, source)
        if signer is not None:
            note = sign_checkpoint_now(store, signer)
    if fmt == "json":
        write_out(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]Bulletin {number}[/] recorded at {doc['created_at']} (log size {doc['log_size']})"
    )
    console.print(summary_tables(Summary.from_dict(doc["summary"])))
    if note is not None:
        console.print(f"Signed checkpoint:\n{note}", highlight=False)
    if fmt == "csv":
        write_out(results_csv([ContestResult.from_dict(c) for c in doc["contests"]]))


def bulletins(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """List every bulletin recorded so far."""
    with open_store(db) as store:
        rows = reads.bulletins(store)
    if fmt == "json":
        write_out(json.dumps(rows, indent=2))
        return
    if fmt == "csv":
        write_out(
            "number,created_at,source,sha256,log_idx\n"
            + "".join(
                f"{r['number']},{r['created_at']},{r['source']},{r['sha256']},{r['log_idx']}\n"
                for r in rows
            )
        )
        return
    table = Table("number", "created at", "source", "sha256", "log entry", title="Bulletins")
    for r in rows:
        table.add_row(
            str(r["number"]),
            r["created_at"],
            r["source"],
            r["sha256"][:16] + "…",
            str(r["log_idx"]),
        )
    console.print(table if rows else "no bulletins yet")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(results)
    app.command()(bulletin)
    app.command()(bulletins)
