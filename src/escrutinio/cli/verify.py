"""The verify command: check a publication, an acta in it, or submission receipts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from escrutinio.cli.common import console, fail, write_out
from escrutinio.cli.keys import public_key
from escrutinio.verify.acta import verify_receipt
from escrutinio.verify.notes import PublicKey
from escrutinio.verify.source import MAX_FILE_BYTES, Unreachable
from escrutinio.verify.submissions import SubmissionProblem
from escrutinio.verify.verifier import Report, verify_acta, verify_publication


def _print_report(report: Report) -> None:
    table = Table(title=f"verify {report.location}")
    table.add_column("check")
    table.add_column("")
    table.add_column("detail")
    for c in report.checks:
        mark = "[green]✓[/]" if c.ok else "[bold red]✗[/]"
        table.add_row(c.name, mark, c.detail)
    console.print(table)
    for rel in report.uncovered:
        console.print(f"[yellow]warning:[/] {rel!r} is in the folder but no check covers it")
    if report.could_not_run:
        console.print("[bold red]COULD NOT RUN[/]")
        return
    verdict = "[bold green]VERIFIED[/]" if report.ok else "[bold red]FAILED[/]"
    console.print(verdict)


def _verify_receipts(location: str, log: PublicKey, paths: list[Path], as_json: bool) -> None:
    """Check each receipt against the publication; exit 1 unless every one is included."""
    results: list[dict[str, Any]] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise fail(f"{path}: cannot read the receipt ({exc.strerror})") from None
        try:
            check = verify_receipt(location, log, data)
        except Unreachable as exc:
            raise fail(str(exc), code=2) from None
        except SubmissionProblem as exc:
            results.append({"receipt": str(path), "status": "invalid", "detail": str(exc)})
            continue
        except ValueError as exc:
            raise fail(f"{location}: the publication does not verify: {exc}", code=1) from None
        results.append({"receipt": str(path), **check.__dict__})
    if as_json:
        write_out(json.dumps(results, indent=2))
    else:
        for r in results:
            mark = "[green]✓[/]" if r["status"] == "included" else "[bold red]✗[/]"
            if r["status"] == "pending":
                mark = "[yellow]…[/]"
            console.print(f"{mark} {r['receipt']}: {r['detail']}", highlight=False)
    if any(r["status"] != "included" for r in results):
        raise typer.Exit(1)


def verify(
    location: Annotated[str, typer.Argument(help="Published directory or http(s) URL.")],
    log_key: Annotated[Path, typer.Option(help="The log's verifier key file (trusted).")],
    witness_key: Annotated[
        list[Path] | None, typer.Option(help="Trusted witness verifier key files.")
    ] = None,
    min_witnesses: Annotated[int, typer.Option(help="Cosignatures required (k of n).")] = 0,
    state: Annotated[
        Path | None, typer.Option(help="Directory remembering checkpoints seen before.")
    ] = None,
    acta: Annotated[
        Path | None, typer.Option(help="A party's copy of an acta (JSON) to look up.")
    ] = None,
    receipt: Annotated[
        list[Path] | None,
        typer.Option(help="A receipt from the submission endpoint to check (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: Annotated[
        int, typer.Option(help="Largest published data file read, in bytes.", min=1)
    ] = MAX_FILE_BYTES,
) -> None:
    """Independently verify a publication, prove that an acta is in it (--acta), or check
    receipts of the submission endpoint against it (--receipt).

    Exit status: 0 verified, 1 a check failed, 2 could not run (bad options or key files,
    the publication folder or server unreachable)."""
    log = public_key(log_key)
    witnesses = [public_key(p) for p in witness_key or []]
    if min_witnesses > len(witnesses):
        raise fail(f"--min-witnesses {min_witnesses} needs at least that many --witness-key")
    if receipt:
        _verify_receipts(location, log, receipt, as_json)
        return
    if acta is not None:
        try:
            doc = json.loads(acta.read_text(encoding="utf-8"))
            proof = verify_acta(location, log, doc)
        except Unreachable as exc:
            raise fail(str(exc), code=2) from None
        except (OSError, ValueError, RecursionError) as exc:
            raise fail(f"{acta}: {exc}", code=1) from None
        if as_json:
            write_out(json.dumps(proof.to_dict(), indent=2))
        elif proof.found:
            console.print(
                f"[green]✓[/] the acta is log entry {proof.index} (version {proof.version}, "
                f"{'counting' if proof.counting else 'not counting'}), unchanged; inclusion "
                f"proof of {len(proof.proof)} hashes verified against the signed root of size "
                f"{proof.size}",
                highlight=False,
            )
            for h in proof.proof:
                console.print(f"  {h}", highlight=False)
        else:
            console.print("[bold red]✗[/] this acta is NOT in the log", highlight=False)
            for other in proof.others:
                console.print(
                    f"  log entry {other['index']} (version {other['version']}) has the same "
                    f"unit/contest/source but differs: {'; '.join(other['differences'])}",
                    highlight=False,
                )
        if not proof.found:
            raise typer.Exit(1)
        return
    report = verify_publication(location, log, witnesses, min_witnesses, state, max_file_size)
    if as_json:
        write_out(
            json.dumps(
                {
                    "ok": report.ok,
                    "size": report.size,
                    "witnesses": report.witnesses,
                    "could_not_run": report.could_not_run,
                    "uncovered": report.uncovered,
                    "checks": [c.__dict__ for c in report.checks],
                },
                indent=2,
            )
        )
    else:
        _print_report(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add the verify command."""
    app.command("verify")(verify)
