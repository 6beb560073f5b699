"""``escrutinio export nist``: results in the NIST SP 1500-100 v2 format (XML or JSON) or
Google's variant of it (XML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.common import DbOption, console, fail, open_store
from escrutinio.interop.nist_export import FLAVORS, FORMATS, export_nist

export_app = typer.Typer(help="Export results in other systems' formats.", no_args_is_help=True)


def nist(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="xml or json.")] = "xml",
    bulletin: Annotated[
        int | None, typer.Option(help="Export stored bulletin N instead of live results.")
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(help="Narrowest region level to include (default: down to every table)."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="ResultsStatus to declare (default: unofficial-partial, or "
            "unofficial-complete when every race is final)."
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Whose actas to count (live results only).")
    ] = None,
    flavor: Annotated[
        str,
        typer.Option(
            help="nist (NIST SP 1500-100 v2, default) or google (the variant Google's "
            "civics-cdf-validator reads; XML only, needs --country)."
        ),
    ] = "nist",
    country: Annotated[
        str | None,
        typer.Option(help="ISO 3166-1 alpha-2 code of the country (google flavor's root)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """An ElectionReport (NIST SP 1500-100 v2, or with --flavor google the variant Google's
    civics-cdf-validator reads): GpUnits down to the tables, parties, coalitions,
    candidates, contests, counts by GpUnit and report status."""
    if fmt not in FORMATS:
        raise fail(f"--format: expected xml or json, got '{fmt}'")
    if flavor not in FLAVORS:
        raise fail(f"--flavor: expected nist or google, got '{flavor}'")
    if flavor == "google" and fmt != "xml":
        raise fail("--flavor google writes XML only (Google's variant has no JSON form)")
    if flavor == "google" and country is None:
        raise fail("--flavor google needs --country (ISO 3166-1 alpha-2 code, e.g. ve)")
    if bulletin is not None and source is not None:
        raise fail("--source applies to live results only (a bulletin names its own source)")
    with open_store(db) as store:
        summary = export_nist(
            store,
            out,
            fmt,
            bulletin=bulletin,
            level=level,
            status=status,
            source=source,
            flavor=flavor,
            country=country,
        )
    what = f"bulletin {summary.bulletin}" if summary.bulletin is not None else "live results"
    kind = "ERR v2" if flavor == "nist" else "Google CDF"
    console.print(
        f"{out}: {kind} {fmt.upper()} of {what}, {summary.contests} contests, status "
        f"{summary.status}, log size {summary.log_size}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    export_app.command()(nist)
    app.add_typer(export_app, name="export")
