"""``escrutinio claims``: check sentences about the results against bulletins or the final
count, each verdict pinned to a log checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from escrutinio.claims.check import ClaimCheck, check_assertions, check_claim
from escrutinio.claims.claimreview import claim_review
from escrutinio.claims.numbers import tokenize
from escrutinio.claims.page import report_files, write_report
from escrutinio.claims.record import SnapshotKey
from escrutinio.claims.structured import ClaimsFileError, read_claims_document
from escrutinio.claims.vocabulary import language
from escrutinio.cli.common import EXIT_REJECTED, DbOption, console, fail, open_store, write_out
from escrutinio.reads import bulletins as read_bulletins
from escrutinio.reads.claims import claim_record
from escrutinio.store.store import Store
from escrutinio.website.reports import Report

CLAIM_FORMATS = ("table", "json", "claimreview")
_STYLE = {
    "accurate": "green",
    "approximately_accurate": "yellow",
    "inaccurate": "red",
    "not_checkable": "dim",
}


def _read_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise fail(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None


def _roles(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        role, sep, who = v.partition("=")
        if not sep or role not in ("incumbent", "opposition") or not who:
            raise fail(f"--role expects incumbent=ID or opposition=ID, got '{v}'")
        out[role] = who
    return out


TABLE_ROWS = 8
"""Readings shown per claim in the table (``--format json`` has them all)."""


def _table(check: ClaimCheck) -> Table:
    table = Table(
        "verdict",
        "reading",
        "claimed",
        "actual",
        "bulletin",
        "checkpoint",
        title=f"“{check.claim}” → {check.verdict}",
        title_justify="left",
    )
    for r in check.readings[:TABLE_ROWS]:
        cp = r.checkpoint
        table.add_row(
            f"[{_STYLE[r.verdict]}]{r.verdict}[/]",
            r.spec.words(),
            f"{r.comparator} {r.claimed}" if r.comparator != "eq" else r.claimed,
            r.value_text or (r.reason or ""),
            str(r.snapshot),
            f"{cp['size']} {str(cp['root_hash'])[:12]}…" if cp else "",
        )
    notes = [check.problem] if check.problem else []
    if len(check.readings) > TABLE_ROWS:
        notes.append(f"{len(check.readings) - TABLE_ROWS} more readings: --format json")
    if notes:
        table.caption = "; ".join(notes)
    return table


def _check_all(
    store: Store,
    texts: list[str],
    file: Path | None,
    default: list[SnapshotKey],
    roles: dict[str, str],
) -> tuple[list[ClaimCheck], str]:
    """Check the sentences and the claims file against the store; also the election name."""
    doc = _read_file(file) if file is not None else None
    record = claim_record(store, default or ["final"], roles)
    checks: list[ClaimCheck] = []
    if doc is not None and file is not None:
        try:
            entries, file_roles = read_claims_document(doc, str(file), record.catalogue)
        except ClaimsFileError as exc:
            raise fail(str(exc)) from None
        record.roles = {**file_roles, **roles}
        for e in entries:
            if e.assertion is None:
                checks.append(check_claim(e.text, record))
            else:
                lang = language([t.text for t in tokenize(e.text)])
                checks.append(check_assertions(e.text, lang, (e.assertion,), record))
    checks += [check_claim(t, record) for t in texts]
    return checks, record.definition.info.name


def claims_report(file: Path, db: str | None) -> Report:
    """The claims page of a claims file, checked against the final count, as a report
    folder named ``claims`` for ``publish --claims``."""
    with open_store(db) as store:
        checks, election = _check_all(store, [], file, ["final"], {})
    files = report_files(checks, election)
    return Report(
        "claims",
        ((f"Claims checked: {election}", "index.html"),),
        tuple(sorted(files.items())),
    )


def claims(
    text: Annotated[list[str] | None, typer.Argument(help="Claims to check (sentences).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A YAML or JSON claims file.")] = None,
    bulletin: Annotated[
        list[int] | None,
        typer.Option("--bulletin", help="Check against stored bulletin N (repeatable)."),
    ] = None,
    all_bulletins: Annotated[
        bool,
        typer.Option("--all-bulletins", help="Check against every bulletin and the final count."),
    ] = False,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Who a role word stands for: incumbent=GPP, opposition=MUD."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the claims page (index.html, claims.json, claimreview.json) to "
            "this folder; include it in the site with publish --reports.",
        ),
    ] = None,
    db: DbOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: table, json or claimreview.")
    ] = "table",
) -> None:
    """Check claims about the results: every reading, its figure and verdict (accurate,
    approximately_accurate, inaccurate, not_checkable), pinned to a bulletin and checkpoint.
    Exits 1 when a claim is inaccurate."""
    if fmt not in CLAIM_FORMATS:
        raise fail(f"--format: expected one of {', '.join(CLAIM_FORMATS)}, got '{fmt}'")
    if not text and file is None:
        raise fail("give a claim to check, or --file claims.yaml")
    roles = _roles(role or [])
    with open_store(db) as store:
        numbers = [b["number"] for b in read_bulletins(store)]
        unknown = sorted(set(bulletin or []) - set(numbers))
        if unknown:
            raise fail(f"no bulletin {', '.join(map(str, unknown))} in this store")
        default: list[SnapshotKey] = list(bulletin or [])
        if all_bulletins:
            default = [*numbers, "final"]
        checks, election = _check_all(store, text or [], file, default, roles)
    if out is not None:
        try:
            write_report(checks, election, out)
        except OSError as exc:
            raise fail(f"cannot write the claims page to {out}: {exc}") from None
    if fmt == "json":
        write_out(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
    elif fmt == "claimreview":
        reviews = [claim_review(c, election) for c in checks]
        write_out(json.dumps(reviews, ensure_ascii=False, indent=2))
    else:
        for c in checks:
            console.print(_table(c))
    if any(c.verdict == "inaccurate" for c in checks):
        raise typer.Exit(EXIT_REJECTED)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(claims)
