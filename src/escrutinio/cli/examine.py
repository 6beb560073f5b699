"""Commands that examine the numbers: statistical forensics and reconciliation of collections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.table import Table

from escrutinio import reads
from escrutinio.cli.common import DbOption, console, fail, open_store
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store

if TYPE_CHECKING:
    from escrutinio.forensics import TestResult, UnitColumns


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
    counts: Annotated[
        Path | None,
        typer.Option(
            "--counts",
            help="Analyse this CSV file (one row per acta) instead of the store; "
            "name its columns with --options, --regions, --unit, --registered, --voters, "
            "--null.",
        ),
    ] = None,
    options: Annotated[
        str | None, typer.Option(help="File: comma-separated vote count columns (options).")
    ] = None,
    regions: Annotated[
        str | None, typer.Option(help="File: comma-separated region columns, broadest first.")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="File: the unit id column, if any.")] = None,
    registered: Annotated[
        str | None, typer.Option(help="File: registered electors column (turnout tests).")
    ] = None,
    voters: Annotated[
        str | None, typer.Option(help="File: voters column (default: valid + null).")
    ] = None,
    null: Annotated[str | None, typer.Option(help="File: null votes column.")] = None,
    db: DbOption = None,
) -> None:
    """Statistical forensics per contest: fingerprints, integer percentages, digit tests and
    outliers, each with what it can and cannot show. No test proves fraud."""
    # imported here: SciPy and matplotlib would slow down every other command's start
    from escrutinio.forensics import UnitColumns, analyze
    from escrutinio.forensics import write_report as write_forensics_report

    if counts is not None:
        columns = UnitColumns(
            options=_column_list(options, "--options"),
            unit=unit,
            regions=_column_list(regions, None),
            registered=registered,
            voters=voters,
            null=null,
            received_at=None,
        )
        _forensics_file(counts, columns, out, resamples)
        return
    stray = [n for n, v in (("--options", options), ("--regions", regions)) if v]
    if stray:
        raise fail(f"{', '.join(stray)} describe a --counts file; give --counts FILE.csv too")
    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        chosen = _contests(store, contest)
        table = _tests_table()
        rejected = reads.rejected_frame(store)
        if rejected.height:
            console.print(
                f"{rejected.height:,} rows rejected at intake: listed in each report as a "
                "flagged group of their own, outside every test"
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
                result,
                out / cid,
                title=f"{definition.contests[cid].name}: forensic analysis",
                rejected=rejected,
            )
            _add_rows(table, cid, result.tests)
            console.print(f"{cid}: {len(result.outliers):,} outliers ranked; report {report}")
    _print_tests(table)


def _add_rows(table: Table, label: str, tests: Sequence[TestResult]) -> None:
    for test in tests:
        table.add_row(
            label,
            test.name,
            test.status,
            "" if test.p_value is None else f"{test.p_value:.3g}",
            f"{test.n_used:,}",
            test.reason or _reading(test.p_value, test.details),
        )


def _tests_table() -> Table:
    return Table(
        "contest",
        "test",
        "status",
        "p-value",
        "units",
        "reason / reading",
        title="Forensic tests (report: index.html per contest)",
    )


def _print_tests(table: Table) -> None:
    console.print(table)
    console.print(
        "A small p-value says the numbers are unusual under the test's model of a "
        "clean count; it is never proof of fraud (see the notes in each report)."
    )


def _column_list(
    value: str | None, option: str | None, task: str = "analysing a file"
) -> tuple[str, ...]:
    """Comma-separated column names; ``option`` names a required option (None: optional)
    that ``task`` (named in the error) needs."""
    cols = tuple(c.strip() for c in (value or "").split(",") if c.strip())
    if option is not None and not cols:
        raise fail(f"{task} needs {option} (comma-separated column names)")
    return cols


def _read_counts_csv(
    path: Path, needed: Sequence[str], numeric: Sequence[str], keep_bad: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A CSV of actas read as text, named columns checked, ``numeric`` ones as integers.

    A row with a cell that is not a whole number is an error naming its line and column, or
    with ``keep_bad`` is set apart: the second frame lists such rows (file, line, issues,
    the row's cells joined by commas)."""
    if not path.is_file():
        raise fail(f"{path}: no such file")
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"{path}: cannot read as CSV: {first[:200]}") from None
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise fail(
            f"{path}: missing column(s) {', '.join(missing)} (columns: {', '.join(frame.columns)})"
        )
    cells = frame.with_row_index("__i")
    problems = []
    for col in dict.fromkeys(numeric):
        text = pl.col(col).str.strip_chars()
        parsed = text.cast(pl.Int64, strict=False)
        problems.append(
            pl.when(text.is_not_null() & (parsed.is_null() | (parsed < 0)))
            .then(pl.lit(f"{col}: expected a whole number ≥ 0, got ") + pl.col(col))
            .otherwise(None)
        )
    checked = cells.with_columns(
        pl.concat_str(problems, separator="; ", ignore_nulls=True).alias("__p")
    )
    bad = checked.filter(pl.col("__p").str.len_chars() > 0)
    if bad.height and not keep_bad:
        row = bad.row(0, named=True)
        raise fail(f"{path}: line {int(row['__i']) + 2}: {row['__p']} ({bad.height:,} such rows)")
    rejected = pl.DataFrame(
        {
            "file": [str(path)] * bad.height,
            "line": (bad.get_column("__i").cast(pl.Int64) + 2).to_list(),
            "issues": bad.get_column("__p").to_list(),
            "raw": bad.select(
                pl.concat_str([pl.col(c).fill_null("") for c in frame.columns], separator=",")
            )
            .to_series()
            .to_list(),
        },
        schema={"file": pl.String, "line": pl.Int64, "issues": pl.String, "raw": pl.String},
    )
    good = checked.filter(pl.col("__p").str.len_chars() == 0).drop("__i", "__p")
    good = good.with_columns(
        [pl.col(c).str.strip_chars().cast(pl.Int64, strict=False) for c in dict.fromkeys(numeric)]
    )
    return good, rejected


def _forensics_file(path: Path, columns: UnitColumns, out: Path, resamples: int) -> None:
    """Forensics of one CSV file of actas, without a store."""
    from escrutinio.forensics import analyze
    from escrutinio.forensics import write_report as write_forensics_report

    numeric = [
        *columns.options,
        *(c for c in (columns.registered, columns.voters, columns.null) if c),
    ]
    needed = [*numeric, *columns.regions, *([columns.unit] if columns.unit else [])]
    frame, rejected = _read_counts_csv(path, needed, numeric, keep_bad=True)
    if frame.height == 0:
        raise fail(f"{path}: no rows with whole-number counts to analyse")
    try:
        result = analyze(frame, columns, n_resamples=resamples)
    except ValueError as exc:
        raise fail(f"{path}: {exc}") from None
    report = write_forensics_report(
        result, out, title=f"{path.name}: forensic analysis", rejected=rejected
    )
    table = _tests_table()
    _add_rows(table, path.name, result.tests)
    console.print(
        f"{path.name}: {len(result.outliers):,} outliers ranked; {rejected.height:,} rows "
        f"set apart (counts not whole numbers, listed as a flagged group); report {report}"
    )
    _print_tests(table)


def _reading(p: float | None, details: dict[str, object]) -> str:
    if details.get("calibrated") is False:
        return "not calibrated: " + str(details.get("calibration_note", "see the report"))
    if details.get("reliability_note"):
        return "descriptive; " + str(details["reliability_note"])
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
    crosswalk: Annotated[
        Path | None,
        typer.Option(
            help="Files: CSV with the header column,a,b saying how B spells A's names (see README)."
        ),
    ] = None,
    exact_names: Annotated[
        bool,
        typer.Option(
            "--exact-names",
            help="Files: match names as written (no case/accent/abbreviation folding).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Compare two collections of actas unit by unit: identical, differing, only in A, only
    in B; the net effect on totals and margins; roll-ups and a map of where they differ;
    place names that matched nothing, with the closest candidates."""
    from escrutinio.reconcile import reconcile as reconcile_collections
    from escrutinio.reconcile import write_report as write_reconcile_report

    if Path(a).is_file() and Path(b).is_file():
        _reconcile_files(Path(a), Path(b), out, counts, regions, unit, crosswalk, exact_names)
        return
    if crosswalk is not None:
        raise fail("--crosswalk applies to two files; store sources share one definition")
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
    a: Path,
    b: Path,
    out: Path,
    counts: str | None,
    regions: str | None,
    unit: str | None,
    crosswalk: Path | None,
    exact_names: bool,
) -> None:
    from escrutinio.reconcile import CrosswalkError, NameRules, parse_crosswalk
    from escrutinio.reconcile import reconcile as reconcile_collections
    from escrutinio.reconcile import write_report as write_reconcile_report

    count_cols = _column_list(counts, "--counts", "comparing two files")
    region_cols = _column_list(regions, None)
    if unit is None and not region_cols:
        raise fail("give --unit (an id column) or --regions (columns to match within)")
    needed = [*count_cols, *region_cols, *([unit] if unit else [])]
    frames = [_read_counts_csv(path, needed, count_cols)[0] for path in (a, b)]
    rules = NameRules(exact=exact_names)
    walk = None
    if crosswalk is not None:
        if not crosswalk.is_file():
            raise fail(f"{crosswalk}: no such file")
        try:
            text = crosswalk.read_text(encoding="utf-8")
            walk = parse_crosswalk(text, str(crosswalk), rules, unit)
        except (UnicodeDecodeError, CrosswalkError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                raise fail(f"{crosswalk}: not UTF-8 text ({exc.reason})") from None
            raise fail(str(exc)) from None
    try:
        rec = reconcile_collections(
            frames[0],
            frames[1],
            counts=count_cols,
            unit=unit,
            regions=region_cols,
            names=rules,
            crosswalk=walk,
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
    unmatched = 0 if rec.unmatched is None else rec.unmatched.height
    console.print(
        f"{rec.status_counts()}; {unmatched:,} unmatched place name(s); "
        f"report in {out / 'index.html'}"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(forensics)
    app.command()(reconcile)
