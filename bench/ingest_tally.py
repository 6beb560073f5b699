"""Benchmark: ingest and tally a generated election of N polling units × 1 contest × 12 options.

Run: ``.venv/bin/python bench/ingest_tally.py [--units 1000000] [--postgres URL]``.
Each phase runs in its own process so its peak memory (max RSS) is its own. Prints a table;
copy it into docs/benchmarks.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _synthetic import OPTIONS, write_synthetic  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def peak_mib() -> float:
    """Peak resident memory of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_polars(data: Path) -> dict[str, float]:
    """The floor: just read the CSV with Polars."""
    import polars as pl

    start = time.perf_counter()
    frame = pl.read_csv(data / "actas.csv", infer_schema=False)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "rows": frame.height, "peak_mib": peak_mib()}


def phase_ingest(data: Path, url: str) -> dict[str, float]:
    """Load the definition, then import every acta but the last one (held back)."""
    from escrutinio.io.acta_chunks import file_chunks
    from escrutinio.io.definition_files import load_definition
    from escrutinio.store import definitions as store_definitions
    from escrutinio.store import intake as store_intake
    from escrutinio.store.store import Store

    definition = load_definition(data / "election.yaml")
    store = Store.open(url)
    start = time.perf_counter()
    store_definitions.load_definition(store, definition)
    def_seconds = time.perf_counter() - start
    start = time.perf_counter()
    chunks = file_chunks(data / "actas_main.csv", definition)
    report = store_intake.ingest_chunks(store, chunks)
    elapsed = time.perf_counter() - start
    store.close()
    return {
        "definition_seconds": def_seconds,
        "seconds": elapsed,
        "accepted": report.accepted,
        "per_second": report.accepted / elapsed,
        "peak_mib": peak_mib(),
    }


def phase_tally(url: str) -> dict[str, float]:
    """Full re-tally from the store, then one-acta updates through a running tally."""
    from escrutinio import reads
    from escrutinio.io.actas_files import read_actas
    from escrutinio.store import definitions as store_definitions
    from escrutinio.store import intake as store_intake
    from escrutinio.store.store import Store
    from escrutinio.tally import RunningTally, tally_contest, tally_regions

    store = Store.open(url)
    start = time.perf_counter()
    definition = store_definitions.read_definition(store)
    def_load = time.perf_counter() - start
    start = time.perf_counter()
    counts = reads.load_counts(store)
    load = time.perf_counter() - start
    start = time.perf_counter()
    overall = [tally_contest(definition, c) for c in counts.values()]
    by_state = [tally_regions(definition, c, "state") for c in counts.values()]
    summary = reads.election_summary(definition, counts, overall)
    compute = time.perf_counter() - start
    assert by_state and summary.actas_counted == len(counts["pres"].units)

    running = RunningTally(definition, counts.values())
    held_back = [r for r in read_actas(HERE / "out" / "last_acta.csv")]
    unit_index = definition.units.index
    timings = []
    for variant in range(21):
        row = held_back[0]
        assert row.acta is not None
        votes = dict(row.acta.votes)
        votes[OPTIONS[0]] = str(int(str(votes[OPTIONS[0]])) - variant)  # a new version each time
        acta = row.acta.__class__(
            **{**{f: getattr(row.acta, f) for f in row.acta.__slots__}, "votes": votes}
        )
        start = time.perf_counter()
        store_intake.ingest(store, [row.__class__(row.line, acta)])
        unit = unit_index[acta.unit or ""]
        counts_row = [int(str(votes[o])) for o in OPTIONS]
        null = int(str(acta.null))
        voters = int(str(acta.voters))
        running.set_acta("pres", unit, [*counts_row, null, 0, voters])
        running.result("pres")
        timings.append(time.perf_counter() - start)
    store.close()
    return {
        "definition_load_seconds": def_load,
        "load_seconds": load,
        "compute_seconds": compute,
        "retally_seconds": load + compute,
        "update_ms_median": statistics.median(timings[1:]) * 1000,
        "update_ms_max": max(timings[1:]) * 1000,
        "peak_mib": peak_mib(),
    }


def run_phase(name: str, *args: str) -> dict[str, float]:
    """Run one phase in a fresh interpreter and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def prepare(units: int) -> Path:
    """Generate (once) the synthetic election and split off the last acta."""
    data = HERE / "out" / f"synthetic-{units}"
    if not (data / "actas_main.csv").exists():
        print(f"generating {units:,} units …", flush=True)
        write_synthetic(data, units)
        lines = (data / "actas.csv").read_text().splitlines(keepends=True)
        (data / "actas_main.csv").write_text("".join(lines[:-1]))
        (HERE / "out" / "last_acta.csv").write_text(lines[0] + lines[-1])
    else:
        lines = (data / "actas.csv").read_text().splitlines(keepends=True)
        (HERE / "out" / "last_acta.csv").write_text(lines[0] + lines[-1])
    return data


def pg_url(base: str) -> tuple[str, str]:
    """A private schema in the PostgreSQL test database (created here)."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    """Remove the benchmark schema."""
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    """Run every phase and print the results table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="URL, or 'none' to skip")
    parser.add_argument("--phase")
    parser.add_argument("args", nargs="*")
    opts = parser.parse_args()
    if opts.phase:
        fn = {
            "polars": lambda: phase_polars(Path(opts.args[0])),
            "ingest": lambda: phase_ingest(Path(opts.args[0]), opts.args[1]),
            "tally": lambda: phase_tally(opts.args[0]),
        }[opts.phase]
        print(json.dumps(fn()))
        return
    data = prepare(opts.units)
    db = HERE / "out" / f"bench-{opts.units}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{db}"
    floor = run_phase("polars", str(data))
    ingest = run_phase("ingest", str(data), sqlite_url)
    tally = run_phase("tally", sqlite_url)
    rows = [
        (
            "Polars read_csv (floor)",
            f"{floor['seconds']:.2f} s",
            f"{floor['rows'] / floor['seconds']:,.0f} rows/s",
            f"{floor['peak_mib']:,.0f}",
        ),
        ("SQLite: load definition", f"{ingest['definition_seconds']:.2f} s", "", ""),
        (
            "SQLite: ingest actas",
            f"{ingest['seconds']:.2f} s",
            f"{ingest['per_second']:,.0f} actas/s",
            f"{ingest['peak_mib']:,.0f}",
        ),
        (
            "SQLite: full re-tally (load + compute)",
            f"{tally['retally_seconds']:.2f} s",
            f"load {tally['load_seconds']:.2f} s + compute {tally['compute_seconds']:.2f} s",
            f"{tally['peak_mib']:,.0f}",
        ),
        (
            "SQLite: one new acta (store + update)",
            f"{tally['update_ms_median']:.2f} ms",
            f"median of 20, max {tally['update_ms_max']:.2f} ms",
            "",
        ),
    ]
    if opts.postgres != "none":
        url, schema = pg_url(opts.postgres)
        try:
            pg_ingest = run_phase("ingest", str(data), url)
            pg_tally = run_phase("tally", url)
        finally:
            drop_schema(opts.postgres, schema)
        rows += [
            (
                "PostgreSQL: ingest actas",
                f"{pg_ingest['seconds']:.2f} s",
                f"{pg_ingest['per_second']:,.0f} actas/s",
                f"{pg_ingest['peak_mib']:,.0f}",
            ),
            (
                "PostgreSQL: full re-tally",
                f"{pg_tally['retally_seconds']:.2f} s",
                f"load {pg_tally['load_seconds']:.2f} s + compute "
                f"{pg_tally['compute_seconds']:.2f} s",
                f"{pg_tally['peak_mib']:,.0f}",
            ),
            (
                "PostgreSQL: one new acta",
                f"{pg_tally['update_ms_median']:.2f} ms",
                f"median of 20, max {pg_tally['update_ms_max']:.2f} ms",
                "",
            ),
        ]
    print(
        f"\n{opts.units:,} polling units × 1 contest × {len(OPTIONS)} options "
        f"({os.cpu_count()} cores)\n"
    )
    print("| phase | time | throughput | peak MiB |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {' | '.join(r)} |")


if __name__ == "__main__":
    main()
