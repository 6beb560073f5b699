"""``escrutinio submit``: sign actas from CSV / JSON Lines files and send them to a
submission endpoint, keeping the receipts and a journal so a re-run resumes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from escrutinio.cli.common import EXIT_CANNOT_RUN, EXIT_REJECTED, console, fail

if TYPE_CHECKING:
    from escrutinio.submit_client.run import Rejection, Summary

DEFAULT_JOURNAL = Path("escrutinio-submit.jsonl")


def submit(
    files: Annotated[list[Path], typer.Argument(help="Acta files (.csv, .jsonl).")],
    server: Annotated[
        str, typer.Option("--server", help="Base URL of the endpoint, e.g. https://host/.")
    ],
    key: Annotated[Path, typer.Option("--key", help="The sender's secret key (SENDER.skey).")],
    images: Annotated[
        Path | None,
        typer.Option(
            "--images",
            help="Folder of acta images named <unit>_<contest>.<ext> or "
            "<unit>_<contest>_<n>.<ext> (jpg, jpeg, png, pdf).",
        ),
    ] = None,
    log_key: Annotated[
        Path | None,
        typer.Option("--log-key", help="The log's public key (LOG.vkey): verify every receipt."),
    ] = None,
    receipts: Annotated[
        Path | None,
        typer.Option("--receipts", help="Folder for the receipts (<envelope sha256>.json)."),
    ] = None,
    journal: Annotated[
        Path,
        typer.Option("--journal", help="The local journal of envelopes and receipts."),
    ] = DEFAULT_JOURNAL,
    parallel: Annotated[int, typer.Option(min=1, max=64, help="Requests at once.")] = 4,
    retries: Annotated[
        int, typer.Option(min=0, max=20, help="Retries on network errors, 5xx and 429.")
    ] = 5,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds per request.")] = 60.0,
) -> None:
    """Sign every acta of FILES with the sender's key and send it (with its images) to the
    server, in parallel, retrying network errors, 5xx and 429 with backoff. Receipts are
    checked, kept and journaled; a re-run sends only the actas without a receipt, as the same
    signed bytes. Exit 0 when every acta has a receipt, 1 when some were rejected, 2 when
    some could not be sent."""
    from escrutinio.ledger.keys import load_signer_key, load_verifier_key
    from escrutinio.model.errors import EscrutinioError
    from escrutinio.submit_client.actas import LocalReject, Outgoing, image_index, read_outgoing
    from escrutinio.submit_client.journal import Journal
    from escrutinio.submit_client.run import ImageFileError, Submitter, plan
    from escrutinio.submit_client.transport import Retrying

    if not server.startswith(("http://", "https://")):
        raise fail(f"--server must be an http:// or https:// URL, got {server!r}")
    if images is not None and not images.is_dir():
        raise fail(f"--images {images}: not a folder")
    try:
        signer = load_signer_key(key)
        verifier = load_verifier_key(log_key) if log_key is not None else None
    except (OSError, ValueError, EscrutinioError) as exc:
        raise fail(str(exc)) from None
    if receipts is not None:
        try:
            receipts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"--receipts {receipts}: cannot create ({exc.strerror})") from None
    found = list(read_outgoing(files, image_index(images)))
    items = [i for i in found if isinstance(i, Outgoing)]
    local = [
        Rejection(f"{r.file}:{r.line}", "", i.code or "invalid", i.field, i.message)
        for r in found
        if isinstance(r, LocalReject)
        for i in r.issues[:1]
    ]
    book = Journal.open(journal)
    try:
        planned = plan(items, signer, book)
    except ImageFileError as exc:
        raise fail(str(exc)) from None
    submitter = Submitter(
        server, book, receipts, verifier, Retrying(retries=retries), parallel, timeout
    )
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"sending as {signer.name}", total=len(planned))
        summary = submitter.run(planned, lambda n: bar.advance(task, n))
    summary.rejected[:0] = local
    _report(summary, summary.rejected, summary.unsent)
    if summary.unsent:
        raise typer.Exit(EXIT_CANNOT_RUN)
    if summary.rejected:
        raise typer.Exit(EXIT_REJECTED)


def _report(summary: Summary, rejected: list[Rejection], unsent: list[Rejection]) -> None:
    outcomes = summary.outcomes
    accepted = ", ".join(f"{outcomes.get(k, 0):,} {k}" for k in ("new", "conflicting", "duplicate"))
    console.print(
        f"{summary.sent:,} sent, {summary.already:,} already receipted (journal); "
        f"accepted: {accepted}; {summary.known:,} already on the server (original receipt); "
        f"{len(rejected):,} rejected, {len(unsent):,} not sent"
    )
    if rejected:
        table = Table("where", "acta", "code", "field", "detail", title="Rejected")
        for r in rejected:
            table.add_row(r.where, r.label, r.code, r.field or "", escape(r.detail))
        console.print(table)
    for r in unsent[:10]:
        console.print(f"[red]not sent[/] {r.where} {r.label}: {escape(r.detail)}")
    if len(unsent) > 10:
        console.print(f"[red]… and {len(unsent) - 10:,} more not sent[/]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(submit)
