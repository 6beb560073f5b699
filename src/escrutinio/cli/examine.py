"""Commands that examine the numbers: statistical forensics and reconciliation of collections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from escrutinio import reads
from escrutinio.cli.common import DbOption, console, fail, open_store
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store


def _contests(store: Store, chosen: list[str] | None) -> list[str]:
    definition = store_definitions.read_definition(store)
    unknown = [c for c in chosen or [] if c not in definition.contests]
    if unknown:
        raise fail(f"unknown contest(s): {', '.join(unknown)}")
    return chosen or list(definition.contests)


def forensics(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the HTML reports.")],
    contest: Annotated[
        list[str] | None, typer.Option("--contest", "-c", help="Only these contests.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Whose actas (default: official).")] = None,
    resamples: Annotated[int, typer.Option(help="Binomial resamples per test.")] = 500,
    db: DbOption = None,
) -> None:
    """Statistical forensics per contest: fingerprints, integer percentages, digit tests and
    outliers, each with what it can and cannot show. No test proves fraud."""
    # imported here: SciPy and matplotlib would slow down every other command's start
    from escrutinio.forensics import UnitColumns, analyze
    from escrutinio.forensics import write_report as write_forensics_report

    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        chosen = _contests(store, contest)
        table = Table(
            "contest",
            "test",
            "status",
            "p-value",
            "units",
            "reason / reading",
            title="Forensic tests (report: index.html per contest)",
        )
        for cid in chosen:
            frame = reads.unit_frame(store, cid, source)
            if frame.height == 0:
                console.print(f"{cid}: no counted actas, skipped")
                continue
            columns = UnitColumns(
                options=tuple(definition.layout(cid).candidate_ids),
                unit="unit",
                regions=tuple(definition.region_levels),
                registered="registered" if definition.info.registered_known else None,
                voters="voters",
                null="null",
                received_at="log_idx",
            )
            result = analyze(frame, columns, n_resamples=resamples)
            report = write_forensics_report(
                result, out / cid, title=f"{definition.contests[cid].name}: forensic analysis"
            )
            for test in result.tests:
                table.add_row(
                    cid,
                    test.name,
                    test.status,
                    "" if test.p_value is None else f"{test.p_value:.3g}",
                    f"{test.n_used:,}",
                    test.reason or _reading(test.p_value, test.details),
                )
            console.print(f"{cid}: {len(result.outliers):,} outliers ranked; report {report}")
    console.print(table)
    console.print(
        "A small p-value says the numbers are unusual under the test's model of a "
        "clean count; it is never proof of fraud (see the notes in each report)."
    )


def _reading(p: float | None, details: dict[str, object]) -> str:
    if details.get("calibrated") is False:
        return "not calibrated: " + str(details.get("calibration_note", "see the report"))
    if p is None:
        return "descriptive (see report)"
    return "unusual at the 5% level" if p < 0.05 else "consistent with a clean count"


def _store_collection(store: Store, spec: str, contest: str) -> pl.DataFrame:
    known = {s for s, _ in reads.sources(store)}
    if spec not in known:
        raise fail(
            f"'{spec}' is neither a file nor a source in the store "
            f"(sources: {', '.join(sorted(known)) or 'none'})"
        )
    return reads.unit_frame(store, contest, spec)


def reconcile(
    a: Annotated[str, typer.Argument(help="Collection A: a source in the store or a CSV file.")],
    b: Annotated[str, typer.Argument(help="Collection B: a source in the store or a CSV file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the reports.")],
    contest: Annotated[
        list[str] | None, typer.Option("--contest", "-c", help="Only these contests (sources).")
    ] = None,
    counts: Annotated[
        str | None, typer.Option(help="Files: comma-separated count columns to compare.")
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option(
            help="Files: comma-separated region columns (broadest first); rows are "
            "matched within the finest one when there is no unit id."
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help="Files: the unit id column, if the files have one.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Compare two collections of actas unit by unit: identical, differing, only in A, only
    in B; the net effect on totals and margins; roll-ups and a map of where they differ."""
    from escrutinio.reconcile import reconcile as reconcile_collections
    from escrutinio.reconcile import write_report as write_reconcile_report

    if Path(a).is_file() and Path(b).is_file():
        _reconcile_files(Path(a), Path(b), out, counts, regions, unit)
        return
    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        summary = Table(
            "contest",
            "identical",
            "differing",
            f"only {a}",
            f"only {b}",
            f"margin {a}",
            f"margin {b}",
            title="Reconciliation",
        )
        top = definition.region_levels[0]
        for cid in _contests(store, contest):
            fa = _store_collection(store, a, cid)
            fb = _store_collection(store, b, cid)
            if fa.height == 0 and fb.height == 0:
                continue
            options = tuple(definition.layout(cid).candidate_ids)
            rec = reconcile_collections(
                fa, fb, counts=options, unit="unit", regions=tuple(definition.region_levels)
            )
            write_reconcile_report(rec, out / cid, label_a=a, label_b=b, state_column=top)
            status = rec.status_counts()
            margins = rec.margins()
            summary.add_row(
                cid,
                *(f"{status.get(k, 0):,}" for k in ("identical", "differing", "only_a", "only_b")),
                f"{margins.get('margin_a', '')}",
                f"{margins.get('margin_b', '')}",
            )
    console.print(summary)
    console.print(f"per-unit CSV, totals, roll-ups and map in {out}/<contest>/index.html")


def _reconcile_files(
    a: Path, b: Path, out: Path, counts: str | None, regions: str | None, unit: str | None
) -> None:
    from escrutinio.reconcile import reconcile as reconcile_collections
    from escrutinio.reconcile import write_report as write_reconcile_report

    if not counts:
        raise fail("comparing two files needs --counts (the count columns to compare)")
    count_cols = tuple(c.strip() for c in counts.split(",") if c.strip())
    region_cols = tuple(c.strip() for c in (regions or "").split(",") if c.strip())
    if unit is None and not region_cols:
        raise fail("give --unit (an id column) or --regions (columns to match within)")
    frames = []
    for path in (a, b):
        try:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        except pl.exceptions.PolarsError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise fail(f"{path}: cannot read as CSV: {first[:200]}") from None
        frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
        missing = [
            c
            for c in (*count_cols, *region_cols, *([unit] if unit else []))
            if c not in frame.columns
        ]
        if missing:
            raise fail(
                f"{path}: missing column(s) {', '.join(missing)} "
                f"(columns: {', '.join(frame.columns)})"
            )
        frames.append(
            frame.with_columns([pl.col(c).cast(pl.Int64, strict=False) for c in count_cols])
        )
    try:
        rec = reconcile_collections(
            frames[0], frames[1], counts=count_cols, unit=unit, regions=region_cols
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    write_reconcile_report(
        rec,
        out,
        label_a=a.name,
        label_b=b.name,
        state_column=region_cols[0] if region_cols else None,
    )
    console.print(f"{rec.status_counts()}; report in {out / 'index.html'}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(forensics)
    app.command()(reconcile)
