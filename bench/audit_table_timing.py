"""Timings of the default table audit (table-comparison) at 30,000 tables, 10,000,000 ballots.

Estimate before drawing (200 simulated audits), the draw order for a seed (30,000 SHA-256
tickets), and the status after a round with discrepancies (risk and the next round's size
simulated from the evidence so far).

Run: .venv/bin/python bench/audit_table_timing.py
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest

T = TypeVar("T")
SEED = "31415926535897932384"


def timed(label: str, fn: Callable[[], T]) -> T:
    """Run ``fn``, print its wall time and return its result."""
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<62} {time.perf_counter() - t0:8.3f} s", flush=True)
    return out


def contest(n_tab: int, ballots: int, margin: float) -> ReportedContest:
    """Two candidates and 5% other/blank, tables multinomial in size."""
    rng = np.random.default_rng(3)
    pw = (0.95 + margin) / 2
    sizes = rng.multinomial(ballots, np.full(n_tab, 1 / n_tab))
    rep = rng.multinomial(sizes, [pw, 0.95 - pw, 0.05]).astype(np.int64)
    return ReportedContest(
        "c", 1, ("w", "l", "o"), ("W", "L", "O"), (0, 1, 2),
        tuple(f"t{i:05d}" for i in range(n_tab)), rep, rep.sum(axis=1),
    )  # fmt: skip


def main() -> None:
    """Print the timings and the peak memory."""
    for margin in (0.005, 0.02):
        print(f"30,000 tables, 10,000,000 ballots, margin {margin:.1%}, risk limit 5%")
        rc = contest(30_000, 10_000_000, margin)
        state = wf.AuditState("t", "table-comparison", 0.05, SEED, ("c",), {"c": rc})
        est = timed("estimate (200 simulated audits)", lambda state=state: wf.estimates(state))
        sizes = timed("first-round size", lambda state=state: wf.first_round_sizes(state))
        draw = timed(f"draw round 1 ({sizes['c']} tables)", lambda s=state, z=sizes: wf.draw(s, z))
        state.rounds.append(draw)
        for k, unit in enumerate(draw["c"]):
            votes = rc.counts[rc.position[unit]].copy()
            if k % 50 == 0:  # 2% of tables: 5 votes from the winner to the runner-up
                votes[0] -= 5
                votes[1] += 5
            state.counts[(unit, "c")] = tuple(int(v) for v in votes)
        st = timed("status (risk + next round simulated)", lambda s=state: wf.status(s))
        c = st.contests[0]
        print(
            f"  expected {est[0].expected_tables:.1f} tables; after round 1: risk {c.risk:.3f}, "
            f"next {c.next_size} ({c.note or 'confirmed'})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
