"""Start time of ``escrutinio --help``: each run a fresh interpreter, as an official pays it.

Runs the console entry point (``escrutinio.cli.main:main`` with ``--help``) RUNS times in new
processes, interleaving the sources given (each ``--src DIR`` is put first on ``sys.path``,
so another checkout's ``src`` can be compared with this one; none means the installed
package), and prints per source the median and fastest wall time, the median and least CPU
time (user + system: less swayed by other processes on a loaded machine) and the heavy
libraries that the start left loaded.

    .venv/bin/python bench/cli_start.py --runs 15 [--src /tmp/before/src --src src]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

HEAVY = ("scipy", "matplotlib", "pandas")

_CODE = """
import contextlib, io, sys
if {src!r}:
    sys.path.insert(0, {src!r})
from escrutinio.cli.main import main
sys.argv = ["escrutinio", "--help"]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
print(",".join(heavy) or "-")
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(src: str) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system) of one start, and the heavy top-level packages
    it loaded."""
    code = _CODE.format(src=os.path.abspath(src) if src else "", heavy=HEAVY)
    c0, t0 = _cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, _cpu() - c0, out.stdout.strip()


def main() -> None:
    """Time the starts and print one line per source."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", action="append", default=[])
    args = parser.parse_args()
    sources: list[str] = args.src or [""]
    times: dict[str, list[float]] = {s: [] for s in sources}
    cpu: dict[str, list[float]] = {s: [] for s in sources}
    loaded: dict[str, str] = {}
    for s in sources:
        _run(s)  # warm the bytecode caches and the page cache
    for _ in range(args.runs):
        for s in sources:
            took, used, heavy = _run(s)
            times[s].append(took)
            cpu[s].append(used)
            loaded[s] = heavy
    print(f"load average {os.getloadavg()[0]:.1f} (1 min) at the end")
    for s in sources:
        t, c = times[s], cpu[s]
        print(
            f"{s or 'installed'}: wall median {statistics.median(t) * 1000:.0f} ms "
            f"(fastest {min(t) * 1000:.0f}), CPU median {statistics.median(c) * 1000:.0f} ms "
            f"(least {min(c) * 1000:.0f}) over {len(t)} runs; heavy loaded: {loaded[s]}"
        )


if __name__ == "__main__":
    main()
