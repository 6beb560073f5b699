"""Benchmarks for escrutinio.audit: timings and expected sample sizes by method and margin.

Run: .venv/bin/python bench/audit.py
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest
from escrutinio.audit.stats.risk import batch_alpha_risk, comparison_risk, macro_risk, polling_risk
from escrutinio.audit.stats.sample_size import (
    alpha_batch_sample_size,
    alpha_comparison_sample_size,
    alpha_polling_sample_size,
    bravo_sample_size,
    macro_sample_size,
    super_simple_sample_size_estimate,
)

T = TypeVar("T")
RISK = 0.05


def timed(label: str, fn: Callable[[], T]) -> T:
    """Run ``fn``, print its wall time and return its result."""
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<58} {time.perf_counter() - t0:8.3f} s")
    return out


def tables(n_tables: int, ballots: int, margin: float, rng: np.random.Generator) -> np.ndarray:
    """Reported [table, option] votes: two candidates with ``margin``, 5% other/blank."""
    other = 0.05
    pw = (1 - other + margin) / 2
    sizes = rng.multinomial(ballots, np.full(n_tables, 1 / n_tables))
    return rng.multinomial(sizes, [pw, 1 - other - pw, other])


def main() -> None:
    """Print timings and the expected-sample-size table."""
    rng = np.random.default_rng(2024)
    print("Timings (10,000,000 ballots, margin 0.5%, risk limit 5%)")
    n_big = 10_000_000
    a = plurality_assertions("c", [4_762_500, 4_712_500, 525_000], 1, n_big)
    timed("BRAVO ASN (closed form)", lambda: bravo_sample_size(a, RISK))
    timed(
        "Super-Simple / Kaplan–Markov (closed form)",
        lambda: super_simple_sample_size_estimate(a, RISK),
    )
    timed(
        "ALPHA comparison (deterministic run)", lambda: alpha_comparison_sample_size(a, RISK, 0.001)
    )
    for sims in (40, 100):
        timed(
            f"ALPHA polling (simulation, {sims} audits{', the default' if sims == 40 else ''})",
            lambda sims=sims: alpha_polling_sample_size(a, RISK, sims=sims),
        )

    print("Measured risk after a 100,000-ballot sample")
    choice = rng.choice(3, 100_000, p=[0.47625, 0.47125, 0.0525])
    marks = np.zeros((100_000, 3), dtype=np.int8)
    marks[np.arange(100_000), choice] = 1
    timed("BRAVO", lambda: polling_risk(a, marks, RISK, method="bravo"))
    timed(
        "ALPHA polling without replacement",
        lambda: polling_risk(a, marks, RISK, method="alpha", population=n_big),
    )
    timed("ALPHA comparison", lambda: comparison_risk(a, marks, marks, RISK))
    timed(
        "Kaplan–Markov comparison",
        lambda: comparison_risk(a, marks, marks, RISK, method="kaplan_markov"),
    )

    print("Batch comparison over 30,000 tables (10,000,000 ballots, margin 0.5%)")
    rep = tables(30_000, n_big, 0.005, rng)
    ballots = rep.sum(axis=1)
    c = make_batch_contest("c", rep, ballots, 1)
    ab = plurality_assertions("c", rep.sum(axis=0), 1, int(ballots.sum()))
    u = timed("MACRO error bounds", lambda: error_bounds([c]))
    size = timed("MACRO/PPEB sample size", lambda: macro_sample_size(float(u.sum()), RISK))
    drawn = rng.choice(30_000, min(30_000, math.ceil(size.expected)), p=u / u.sum())
    timed(f"MACRO risk of {drawn.size} draws", lambda: macro_risk([c], u, drawn, [rep[drawn]]))
    assorters = timed(
        "ALPHA batch assorters",
        lambda: [batch_assorter(x, rep[:, x.winner], rep[:, x.loser], ballots) for x in ab],
    )
    bs = timed("ALPHA batch sample size", lambda: alpha_batch_sample_size(assorters, RISK))
    idx = rng.choice(30_000, min(30_000, int(bs.expected)), replace=False)
    timed(
        f"ALPHA batch risk of {idx.size} tables",
        lambda: batch_alpha_risk(assorters, rep[idx], rep[idx], RISK),
    )

    print()
    print("Expected sample sizes, risk limit 5%: 1,000,000 ballots in 3,000 tables,")
    print("two candidates and 5% other/blank; error-free unless stated.")
    print()
    print("| method | unit | 1% | 2% | 5% | 10% |")
    print("|---|---|---|---|---|---|")
    margins = (0.01, 0.02, 0.05, 0.10)
    rows: dict[str, list[str]] = {}
    units: dict[str, str] = {}
    for m in margins:
        rep = tables(3_000, 1_000_000, m, rng)
        ballots = rep.sum(axis=1)
        totals = rep.sum(axis=0)
        asr = plurality_assertions("c", totals, 1, int(ballots.sum()))
        c = make_batch_contest("c", rep, ballots, 1)
        u = error_bounds([c])
        bas = [batch_assorter(x, rep[:, x.winner], rep[:, x.loser], ballots) for x in asr]
        est = {
            "BRAVO (ASN)": bravo_sample_size(asr, RISK),
            "ALPHA polling, mean of 100 sims": alpha_polling_sample_size(asr, RISK, sims=100),
            "Kaplan–Markov comparison (Super-Simple γ=1.03905)": super_simple_sample_size_estimate(
                asr, RISK
            ),
            "Kaplan–Markov comparison, r1=0.1%": super_simple_sample_size_estimate(
                asr, RISK, r1=0.001
            ),
            "ALPHA comparison": alpha_comparison_sample_size(asr, RISK),
            "ALPHA comparison, r1=0.1%": alpha_comparison_sample_size(asr, RISK, r1=0.001),
            "MACRO / PPEB (tables)": macro_sample_size(float(u.sum()), RISK),
            "ALPHA batch, uniform (tables)": alpha_batch_sample_size(bas, RISK),
        }
        for name, e in est.items():
            rows.setdefault(name, []).append(
                "∞" if math.isinf(e.expected) else f"{e.expected:,.0f}"
            )
            units[name] = e.unit
    for name, vals in rows.items():
        print(f"| {name} | {units[name]} | " + " | ".join(vals) + " |")


if __name__ == "__main__":
    main()
