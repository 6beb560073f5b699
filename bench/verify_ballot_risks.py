"""Benchmark of the verifier's ballot-level risk recomputation
(:func:`escrutinio.verify.audit_ballot_risks.ballot_risk`): for each ballot method, the wall
time of recomputing one contest's risk from the published inputs (manifest, CVRs, draws and
readings), the first time (assertions and the CVR stratum built) and again (cached), at a
stated manifest size and number of read draws, with the process's peak memory.

Run: .venv/bin/python bench/verify_ballot_risks.py [--tables 400] [--draws 5000]
(tables of 500 ballots each; every ballot has a CVR for the comparison methods, the first
third of the tables for hybrid).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from escrutinio.audit.stats.macro import make_batch_contest
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState
from escrutinio.verify.audit_ballot_risks import BallotAudit, ballot_risk
from escrutinio.verify.audit_ballots import BallotInputs
from escrutinio.verify.audit_reported import Reported

SEED = "31415926535897932384"
BALLOTS = 500
METHODS = [
    ("ballot-polling", "bravo", 0),
    ("ballot-polling", "alpha", 0),
    ("ballot-comparison", "alpha", 3),
    ("ballot-comparison", "kaplan-markov", 3),
    ("minerva", "minerva", 0),
    ("providence", "providence", 0),
    ("hybrid", "suite", 1),
]


def contest(tables: int) -> ReportedContest:
    """Tables of 500 ballots: W 255 (two options), L 235, 10 blank (a 4% margin)."""
    return ReportedContest(
        contest="c1",
        seats=1,
        option_ids=("w-a", "w-b", "l"),
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"t{i:05d}" for i in range(tables)),
        counts=np.tile([235, 20, 235], (tables, 1)).astype(np.int64),
        ballots=np.full(tables, BALLOTS, dtype=np.int64),
    )


def paper(rc: ReportedContest, ballot: str) -> tuple[int, ...]:
    """The ballot at ``batch:position``: the acta's votes stacked option by option."""
    batch, _, pos = ballot.rpartition(":")
    edges = np.cumsum(rc.counts[rc.position[batch]])
    k = int(np.searchsorted(edges, int(pos), side="left"))
    return tuple(int(i == k) for i in range(len(rc.option_ids)))


def main() -> None:
    """Print one line per method."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=400)
    parser.add_argument("--draws", type=int, default=5000)
    args = parser.parse_args()
    rc = contest(args.tables)
    rep = Reported(
        list(rc.units),
        make_batch_contest("c1", rc.candidate_counts, rc.ballots, 1),
        np.asarray(rc.option_candidate, dtype=np.int64),
    )
    every = {f"{u}:{p}": {"c1": paper(rc, f"{u}:{p}")} for u in rc.units for p in range(1, 501)}
    print(f"{args.tables * BALLOTS:,} ballots in {args.tables} tables, {args.draws:,} draws read")
    for name, test, cvr_share in METHODS:
        state = AuditState("a", name, 0.05, SEED, ("c1",), {"c1": rc})
        state.manifest = {u: BALLOTS for u in rc.units}
        state.table_batches = frozenset(rc.units)
        state.test = test
        if cvr_share:
            keep = set(rc.units[: len(rc.units) * cvr_share // 3])
            state.cvrs = {b: m for b, m in every.items() if b.rpartition(":")[0] in keep}
        state.rounds.append(wf.draw(state, {"*": args.draws}))
        for b, c in state.missing():
            state.counts[(b, c)] = paper(rc, b)
        audit = BallotAudit(
            name,
            test,
            True,
            None,
            0.05,
            BallotInputs(dict(state.manifest), state.table_batches, state.cvrs),
            ["c1"],
            {"c1": rep},
            [list(r["*"]) for r in state.rounds],
            dict(state.counts),
        )
        t0 = time.perf_counter()
        risk = ballot_risk(audit, "c1")
        t1 = time.perf_counter()
        ballot_risk(audit, "c1")
        t2 = time.perf_counter()
        print(
            f"{name:18s} {test:14s} risk {risk:.4g}: first {1000 * (t1 - t0):8.1f} ms, "
            f"again {1000 * (t2 - t1):8.1f} ms"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
