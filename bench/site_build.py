"""Benchmark: generate the whole results website of a publication and measure its pages.

Run: ``.venv/bin/python bench/site_build.py [--publication demo-output/published-2017]``
(after ``make demo``). The site is rendered from the publication folder into a fresh
temporary folder (the publication itself is not touched): load, render + write, number of
files and bytes; then a second pass against the written folder, as a re-publication with
nothing changed does (read, compare, write nothing); then the gzip size of the home page,
the largest race and region page and the largest of every 50th table page. Goals (issue
11): the full site of the 2017 demo in ≤ 30 s; race ≤ 60 KB, table ≤ 15 KB, home ≤ 150 KB
(gzip).
CPU time (user + system of this process) is printed beside each wall time: on a shared
machine it is the figure to compare. Copy the printed table into docs/benchmarks.md with
the command line and the load average it prints.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from escrutinio.website.build import site_files
from escrutinio.website.bundle import Bundle

GOALS_KB = {"home": 150, "race": 60, "table": 15}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; exit status 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", type=Path, default=Path("demo-output/published-2017"))
    args = parser.parse_args(argv)
    if not (args.publication / "manifest.json").is_file():
        print(f"no publication at {args.publication} (run `make demo` first)", file=sys.stderr)
        return 2
    rows: list[tuple[str, str]] = []
    largest: dict[str, tuple[int, str]] = {}
    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        out = Path(tmp)
        load_before = os.getloadavg()[0]
        start, cpu_start = time.perf_counter(), _cpu()
        bundle = Bundle.load(args.publication)
        loaded, cpu_loaded = time.perf_counter(), _cpu()
        files = total = 0
        for rel, data in site_files(bundle):
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files += 1
            total += len(data)
        done, cpu_done = time.perf_counter(), _cpu()
        again = Bundle.load(args.publication)
        changed = 0
        for rel, data in site_files(again):
            if (out / rel).read_bytes() != data:
                changed += 1
        unchanged, cpu_unchanged = time.perf_counter(), _cpu()
        for n, path in enumerate(sorted(out.rglob("*.html"))):  # sizes, outside the timing
            rel = path.relative_to(out).as_posix()
            kind = rel.removeprefix("en/").split("/")[0].removesuffix(".html")
            kind = {"index": "home"}.get(kind, kind)
            if kind in ("home", "race", "region") or (kind == "table" and n % 50 == 0):
                size = _gz(path.read_bytes())
                if size > largest.get(kind, (0, ""))[0]:
                    largest[kind] = (size, rel)
    full = done - start
    rows += [
        ("publication", str(args.publication)),
        ("actas (versions)", f"{len(bundle.actas):,}"),
        ("load the publication", f"{loaded - start:.1f} s (CPU {cpu_loaded - cpu_start:.1f} s)"),
        ("render + write the site", f"{done - loaded:.1f} s (CPU {cpu_done - cpu_loaded:.1f} s)"),
        ("full site (goal ≤ 30 s)", f"{full:.1f} s (CPU {cpu_done - cpu_start:.1f} s)"),
        ("files / bytes", f"{files:,} / {total / 1e6:.0f} MB"),
        (
            "re-render, compare, nothing to write",
            f"{unchanged - done:.1f} s (CPU {cpu_unchanged - cpu_done:.1f} s, {changed} changed)",
        ),
        ("load average (1 min) before / after", f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"),
    ]
    ok = full <= 30
    for kind in ("home", "race", "table", "region"):
        size, rel = largest.get(kind, (0, "-"))
        goal = GOALS_KB.get(kind)
        ok = ok and (goal is None or size <= goal * 1024)
        label = f"{kind} page gzip" + (f" (goal ≤ {goal} KB)" if goal else "")
        rows.append((label, f"{size / 1024:.1f} KB, largest: {rel}"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
