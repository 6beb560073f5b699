"""Micro-benchmark of the tally core: 1,000,000 counted units x 12 ballot options.

Run: ``.venv/bin/python bench/tally_core.py [units]``. Prints the time of a full tally
(overall + by one region level) and of one RunningTally update plus re-status.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from escrutinio.model import (
    Candidate,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.model.definition import Definition
from escrutinio.tally import ContestCounts, RunningTally, tally_contest, tally_regions

OPTIONS = 12
STATES = 24
MUNICIPALITIES = 335


def synthetic(n_units: int, seed: int = 7) -> tuple[Definition, ContestCounts]:
    """A one-contest election with ``n_units`` units, all counted, and random counts."""
    rng = np.random.default_rng(seed)
    meta = DefinitionMeta(
        election=ElectionInfo(id="bench", name="Bench", date="2024-07-28"),
        region_levels=["state", "municipality"],
        contests=[
            Contest(
                id="pres",
                name="President",
                candidates=[Candidate(id=f"c{i}", name=f"C{i}") for i in range(OPTIONS)],
            )
        ],
    )
    regions = [RegionRow(f"S{s}", f"State {s}", "state", None) for s in range(STATES)]
    regions += [
        RegionRow(f"M{m}", f"Mun {m}", "municipality", f"S{m % STATES}")
        for m in range(MUNICIPALITIES)
    ]
    muni = rng.integers(0, MUNICIPALITIES, n_units)
    registered = rng.integers(200, 600, n_units)
    units = [UnitRow(f"u{i}", f"M{muni[i]}", int(registered[i])) for i in range(n_units)]
    definition = build_definition(meta, regions, units)
    votes = rng.integers(0, 40, (n_units, OPTIONS + 3)).astype(np.int64)
    counts = ContestCounts("pres", np.arange(n_units, dtype=np.int32), votes)
    return definition, counts


def main() -> None:
    """Build the synthetic election and print timings."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    definition, counts = synthetic(n)
    print(f"built definition with {n:,} units in {time.perf_counter() - t0:.1f} s")
    definition.unit_regions_at("state")  # index arrays built once, as in a long-lived server
    definition.eligible_mask("pres")
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        overall = tally_contest(definition, counts)
        by_state = tally_regions(definition, counts, "state")
        best = min(best, time.perf_counter() - t0)
    print(
        f"full tally ({n:,} units x {OPTIONS} options, overall + {len(by_state)} states): "
        f"{best * 1000:.0f} ms (best of 3); valid {overall.valid:,}"
    )
    t0 = time.perf_counter()
    running = RunningTally(definition, [counts])
    print(f"RunningTally load: {(time.perf_counter() - t0) * 1000:.0f} ms")
    rng = np.random.default_rng(1)
    reps = 1000
    t0 = time.perf_counter()
    for _ in range(reps):
        unit = int(rng.integers(0, n))
        running.set_acta("pres", unit, rng.integers(0, 40, OPTIONS + 3))
        running.result("pres")
    per = (time.perf_counter() - t0) / reps
    print(f"RunningTally set_acta + result: {per * 1e6:.0f} us per update (mean of {reps})")
    assert running.result("pres") == tally_contest(definition, running.counts("pres"))


if __name__ == "__main__":
    main()
