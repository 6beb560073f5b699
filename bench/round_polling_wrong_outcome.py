"""Simulation study for Minerva and Providence: wrong-outcome rate and first-round stops.

Each setting reports a winner share p₁ = 1/2 + m/2 among the ballots for the winner or the
loser (reported margin m) while the truth is a tie (p = 1/2, the worst case). The audit
draws up to five rounds of cumulative sizes n₁, 2n₁, …, 5n₁ relevant ballots (n₁: the size
for a 90 % chance of stopping in round 1 if the reported results are right), with
replacement, and confirms when a round's P-value falls below the risk limit; otherwise a
full hand count finds the right winner. The fraction of wrong confirmations must not exceed
the risk limit (99 % Clopper–Pearson interval). The same schedule with the reported share
true gives the fraction stopping in round 1, which should be at least 90 %.

Run: .venv/bin/python bench/round_polling_wrong_outcome.py [--sims 10000]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from _report import clopper_pearson, write_between
from escrutinio.audit.stats.round_polling import first_round_size, minerva_kmins

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START = "<!-- round-by-round-wrong-outcome:start -->"
END = "<!-- round-by-round-wrong-outcome:end -->"
ROUNDS = 5
IntArray = NDArray[np.int64]


def cumulative_counts(rng: np.random.Generator, sims: int, step: int, p: float) -> IntArray:
    """Winner ballots after each of ROUNDS rounds of ``step`` relevant ballots (sims × ROUNDS)."""
    out: IntArray = np.cumsum(rng.binomial(step, p, size=(sims, ROUNDS)), axis=1)
    return out


def minerva_stops(p1: float, alpha: float, step: int, k: IntArray) -> IntArray:
    """Round (1-based) at which each simulated Minerva audit stops, 0 if it never does."""
    kmins = minerva_kmins(p1, alpha, [step * (j + 1) for j in range(ROUNDS)])
    hit = np.stack(
        [k[:, j] >= (km if km is not None else 1 << 62) for j, km in enumerate(kmins)], 1
    )
    out: IntArray = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0)
    return out


def providence_stops(p1: float, alpha: float, step: int, k: IntArray) -> IntArray:
    """Round (1-based) at which each simulated Providence audit stops, 0 if it never does."""
    up, down = math.log(p1 / 0.5), math.log((1 - p1) / 0.5)
    prev = np.zeros(k.shape[0], dtype=np.int64)
    hits = []
    for j in range(ROUNDS):
        n_prev = step * j
        dk = k[:, j] - prev
        log_sigma = prev * up + (n_prev - prev) * down
        log_tau = binom.logsf(dk - 1, step, p1) - binom.logsf(dk - 1, step, 0.5)
        hits.append(log_sigma + log_tau > math.log(1 / alpha))
        prev = k[:, j]
    hit = np.stack(hits, 1)
    out: IntArray = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0)
    return out


def main() -> None:
    """Run every setting, print the table and write it into docs/audits.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", type=int, default=10_000)
    args = parser.parse_args()
    sims = args.sims
    lines = [
        f"{sims:,} simulated audits per row and method; cumulative rounds n₁…{ROUNDS}n₁ relevant "
        "ballots; 99% Clopper–Pearson interval for the fraction confirming the wrong winner.",
        "",
        "| method | risk limit | reported margin | n₁ | wrong confirmations | fraction | 99% CI "
        "| stops in round 1 if right |",
        "|---|---|---|---|---|---|---|---|",
    ]
    t0 = time.perf_counter()
    rng = np.random.default_rng(20261130)
    for alpha in (0.05, 0.10):
        for margin in (0.02, 0.05, 0.10, 0.20):
            p1 = 0.5 + margin / 2
            first = first_round_size(p1, alpha, 0.9)
            assert first is not None
            step = first.size
            tie = cumulative_counts(rng, sims, step, 0.5)
            right = cumulative_counts(rng, sims, step, p1)
            for name, stops in (("Minerva", minerva_stops), ("Providence", providence_stops)):
                wrong = int((stops(p1, alpha, step, tie) > 0).sum())
                first_rate = float((stops(p1, alpha, step, right) == 1).mean())
                lo, hi = clopper_pearson(wrong, sims)
                lines.append(
                    f"| {name} | {alpha:.0%} | {margin:.0%} | {step:,} | {wrong} | "
                    f"{wrong / sims:.4f} | [{lo:.4f}, {hi:.4f}] | {first_rate:.3f} |"
                )
                print(lines[-1], f"({time.perf_counter() - t0:.1f} s)", flush=True)
    table = "\n".join(lines)
    write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
