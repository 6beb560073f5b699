"""Timing and peak memory of all forensic tests and plots on a 100,000-unit election, and of
reconciling two 25,000-unit collections (matched by id and, without ids, by region key).

Run: .venv/bin/python bench/forensics.py [n_units]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from escrutinio.forensics.analyze import analyze
from escrutinio.forensics.report import write_report
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.reconcile.compare import reconcile
from escrutinio.reconcile.report import write_report as write_reconcile_report


def reconcile_bench() -> None:
    """Reconcile two 25,000-unit collections with 1% alterations and 2% deletions."""
    a = simulate_election(25_000, seed=9).with_columns(
        (pl.col("region").str.slice(0, 2) + pl.col("unit").str.slice(-2)).alias("parish")
    )
    b = a.sample(fraction=0.98, seed=1).with_columns(
        pl.when(pl.int_range(pl.len()) % 100 == 0)
        .then(pl.col("B") + 7)
        .otherwise(pl.col("B"))
        .alias("B")
    )
    for label, kwargs in (
        ("by id", {"unit": "unit", "regions": ("region", "parish")}),
        ("by region key", {"regions": ("region", "parish")}),
    ):
        t0 = time.perf_counter()
        rec = reconcile(a.drop("unit") if "unit" not in kwargs else a, b, ("A", "B", "C"), **kwargs)  # type: ignore[arg-type]
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            write_reconcile_report(rec, Path(tmp), state_column="region")
        t2 = time.perf_counter()
        print(
            f"reconcile 25,000 units {label}: match {t1 - t0:.2f} s, report {t2 - t1:.2f} s, "
            f"{rec.status_counts()}"
        )


def main() -> None:
    """Simulate an election, run the analysis and the report, print timings and peak RSS."""
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    frame = simulate_election(n_units, seed=7, f_i=0.05, f_e=0.01)
    t0 = time.perf_counter()
    result = analyze(frame, COLUMNS)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_report(result, Path(tmp))
    t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units: {n_units}")
    print(f"tests + outliers: {t1 - t0:.2f} s")
    print(f"plots + HTML report: {t2 - t1:.2f} s")
    print(f"total: {t2 - t0:.2f} s")
    print(f"peak RSS: {peak_mb:.0f} MB")
    for test in result.tests:
        print(f"  {test.name}: {test.status} stat={test.statistic} p={test.p_value}")
    print(f"  outliers: {len(result.outliers)}")
    reconcile_bench()


if __name__ == "__main__":
    main()
