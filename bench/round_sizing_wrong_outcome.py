"""Simulation study: ballot audits in rounds sized from the evidence so far — how often do
they confirm a reported winner who actually lost?

The true result is a tie while the reported margin is m. Each audit draws round 1 at the
reported shares' expected size (ln(1/α) over the expected log-growth per draw), then sizes
every later round as ``ballot-polling`` / ``ballot-comparison`` do
(:mod:`escrutinio.audit.workflow.ballots`): the draws that finish 90% of 200 continuations
of the martingale from its current (unclipped) log, each new draw's log-factor resampled
from those observed (:func:`escrutinio.audit.stats.sample_size.bootstrap_stops`), at most
4× the draws the reported shares need from the current statistic. The audit confirms when
the running P-value min(1, 1/max T) reaches the risk limit after a round, and goes to a full
hand count (which finds the right winner) once the cap is drawn. Tests: BRAVO (Lindeman,
Stark & Yates 2012) on ballots drawn with replacement; Kaplan–Markov comparison (Stark
2009; Super-Simple γ) with 2-vote overstatements at rate m/2 (a tie).

Run: .venv/bin/python bench/round_sizing_wrong_outcome.py [--sims 10000]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from escrutinio.audit.stats.sample_size import bootstrap_stops
from escrutinio.audit.workflow.ballots import FINISH_PROBABILITY, GROWTH_CAP

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import clopper_pearson, write_between
from audit_wrong_outcome import GAMMA, RISK

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START, END = "<!-- round-sizing-wrong-outcome:start -->", "<!-- round-sizing-wrong-outcome:end -->"

Terms = Callable[[np.random.Generator, int], np.ndarray]


def audit(rng: np.random.Generator, terms: Terms, drift: float, cap: int) -> tuple[bool, int]:
    """One audit in evidence-sized rounds: (confirmed, rounds)."""
    goal = math.log(1 / RISK)
    seen = np.zeros(0)
    log_t, total, rounds = 0.0, 0, 0
    n = min(cap, math.ceil(goal / drift))
    while True:
        new = terms(rng, n)
        path = log_t + np.cumsum(new)
        rounds += 1
        if path.max() >= goal:
            return True, rounds
        seen = np.concatenate([seen, new])
        total += n
        log_t = float(path[-1])
        left = cap - total
        if left <= 0:
            return False, rounds
        stops = bootstrap_stops(seen, log_t, RISK, left, seed=total)
        ranked = np.sort(stops)
        q = ranked[min(ranked.size - 1, math.ceil(FINISH_PROBABILITY * ranked.size) - 1)]
        n_evidence = int(min(q, left)) if math.isfinite(q) else left
        n_reported = min(left, max(1, math.ceil((goal - log_t) / drift)))
        n = max(1, min(n_evidence, GROWTH_CAP * n_reported))


def iid_terms(values: list[float], probs: list[float]) -> Terms:
    """Log-factors drawn i.i.d. from ``values`` with ``probs``."""
    v, cum = np.array(values), np.cumsum(probs)

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        out: np.ndarray = v[
            np.minimum(np.searchsorted(cum, rng.random(n), side="right"), v.size - 1)
        ]
        return out

    return draw


def settings() -> list[tuple[str, str, Terms, float, int]]:
    """(method, setting, log-factor draws under the truth, reported drift, cap)."""
    out = []
    for m in (0.05, 0.10):
        s = (0.95 + m) / 2 / 0.95
        zw, zl = math.log(2 * s), math.log(2 * (1 - s))
        drift = (0.95 + m) / 2 * zw + (0.95 - m) / 2 * zl
        tie = iid_terms([zw, zl, 0.0], [0.475, 0.475, 0.05])
        out.append(
            (
                "BRAVO, evidence-sized rounds",
                f"polling, margin {m:.0%}, true tie, cap 6,000",
                tie,
                drift,
                6000,
            )
        )
        v = m
        base = -math.log(1 - v / (2 * GAMMA))
        km = iid_terms([base, math.log1p(-1 / GAMMA) + base], [1 - m / 2, m / 2])
        out.append(
            (
                "Kaplan–Markov comparison, evidence-sized rounds",
                f"comparison, margin {m:.0%}, 2-vote overstatements make a tie, cap 2,000",
                km,
                base,
                2000,
            )
        )
    return out


def main() -> None:
    """Run every setting, print progress and the table, write it into docs/audits.md."""
    p = argparse.ArgumentParser()
    p.add_argument("--sims", type=int, default=10_000)
    args = p.parse_args()
    lines = [
        f"Risk limit {RISK:.0%}; {args.sims:,} simulated audits per row; 99% Clopper–Pearson "
        "interval for the fraction that confirmed the wrong winner.",
        "",
        "| method | setting | wrong confirmations | fraction | 99% CI | mean rounds |",
        "|---|---|---|---|---|---|",
    ]
    t0 = time.perf_counter()
    for i, (method, label, terms, drift, cap) in enumerate(settings()):
        rng = np.random.default_rng(1000 + i)
        res = [audit(rng, terms, drift, cap) for _ in range(args.sims)]
        k = sum(c for c, _ in res)
        rounds = float(np.mean([r for _, r in res]))
        lo, hi = clopper_pearson(k, args.sims)
        lines.append(
            f"| {method} | {label} | {k} | {k / args.sims:.4f} | [{lo:.4f}, {hi:.4f}] "
            f"| {rounds:.2f} |"
        )
        print(f"[{time.perf_counter() - t0:6.1f}s] {lines[-1]}", flush=True)
    table = "\n".join(lines)
    print(table)
    write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
