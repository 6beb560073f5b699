"""Timing of the supermajority, hybrid (SUITE) and finishing-size computations.

Prints, for stated sizes: the simulated supermajority polling size, one SUITE P-value
(41 allocations and two refinements), the hybrid round-1 estimate, and the simulated
70/80/90 % sizes of a ballot-comparison and a table-comparison audit, with wall time and
peak traced memory.

Run: .venv/bin/python bench/new_methods.py
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from escrutinio.audit.stats.assertions import Assertion
from escrutinio.audit.stats.simulated_sizes import finishing_sizes
from escrutinio.audit.stats.suite import Stratum, even_spread, stratified_pvalue
from escrutinio.audit.stats.supermajority import supermajority_assertion, supermajority_polling_size
from escrutinio.audit.workflow import finish_sizes as fs
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState


def timed(label: str, fn: Callable[[], object], repeat: int = 1) -> None:
    """Run ``fn`` ``repeat`` times; print the mean time, peak memory and its result."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = None
    for _ in range(repeat):
        out = fn()
    dt = (time.perf_counter() - t0) / repeat
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label}: {dt * 1000:,.1f} ms, peak {peak / 2**20:,.1f} MiB → {out}")


def contest(tables: int, per_table: int, margin: float) -> ReportedContest:
    """Two candidates and 5 % blank per table, winner ahead by ``margin`` of the ballots."""
    valid = int(per_table * 0.95)
    w = int(valid / 2 + margin * per_table / 2)
    counts = np.tile([w, valid - w], (tables, 1)).astype(np.int64)
    return ReportedContest(
        "c",
        1,
        ("w", "l"),
        ("W", "L"),
        (0, 1),
        tuple(f"t{i:05d}" for i in range(tables)),
        counts,
        np.full(tables, per_table, dtype=np.int64),
    )


def main() -> None:
    """Time each computation."""
    a = supermajority_assertion("c", [6_300_000, 2_700_000], 2 / 3, 10_000_000)
    timed(
        "supermajority polling size, 10M ballots, 70% vs 2/3, 50 sims",
        lambda: round(supermajority_polling_size(a, 0.05)),
    )
    cvr, pol = Stratum(600_000, 1.0, 0.55), Stratum(400_000)
    for n in (200, 2_000):
        vals = even_spread(n, [0.53, 0.43, 0.04], [1.0, 0.0, 0.5])
        timed(
            f"SUITE P-value, {n:,} draws per stratum",
            lambda vals=vals, n=n: f"{stratified_pvalue(cvr, np.zeros(n), pol, vals, 0.55):.3g}",
            repeat=20,
        )
    for tables in (3_000, 10_000):
        rc = contest(tables, 330, 0.02)
        state = AuditState("b", "table-comparison", 0.05, "1", ("c",), {"c": rc})
        timed(
            f"table-comparison 70/80/90% sizes, {tables:,} tables, margin 2%",
            lambda state=state: fs.table_finish_sizes(state, "c"),
        )
    state = AuditState("b", "ballot-comparison", 0.05, "1", ("c",), {})
    state.test = "alpha"
    asr = Assertion("c", 0, 1, 485_000, 465_000, 1_000_000)  # margin 2%

    def ballots() -> list[int]:
        return finishing_sizes(fs.ballot_assertion_stops(state, asr, fs.SEED), fs.TARGETS)

    timed("ballot-comparison 70/80/90% sizes, 1,000,000 ballots, margin 2%, 200 sims", ballots)


if __name__ == "__main__":
    main()
