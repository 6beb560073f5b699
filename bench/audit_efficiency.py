"""Expected tables to hand count per table-level audit method, by margin, error rate and risk.

Elections as in bench/audit.py: 1,000,000 ballots in 3,000 tables (sizes multinomial), two
candidates and 5% other/blank. "1% errors": 1% of the tables (chosen at random) overstate the
winner by k votes moved from the winner to the runner-up, k uniform in 1..10. Each method is
simulated ``--runs`` times per setting; a run that has not confirmed when the tables run out
(or, for MACRO, after 20 draws per table) counts as a full hand count. Methods:

- ``table-comparison`` (the default): PPEB without replacement + aGRAPA betting
  (escrutinio.audit.stats.ppeb_betting);
- MACRO/PPEB with replacement, Kaplan–Markov (distinct tables counted);
- ALPHA batch assorters, uniform without replacement (the former default).

Run: .venv/bin/python bench/audit_efficiency.py [--runs 200] [--tables 3000]
"""

from __future__ import annotations

import argparse
import math
import re
import time
from pathlib import Path

import numpy as np

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest, overstatements
from escrutinio.audit.stats.ppeb_betting import TaintSampler, simulate_stops

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START, END = "<!-- efficiency:start -->", "<!-- efficiency:end -->"
MARGINS = (0.005, 0.01, 0.02, 0.05, 0.10, 0.20)
RISKS = (0.05, 0.10)
RATES = (0.0, 0.01)


def election(rng: np.random.Generator, n_tab: int, margin: float) -> np.ndarray:
    """Reported [table, option] votes (winner, runner-up, other)."""
    pw = (0.95 + margin) / 2
    sizes = rng.multinomial(1_000_000, np.full(n_tab, 1 / n_tab))
    return rng.multinomial(sizes, [pw, 0.95 - pw, 0.05])


def with_errors(rng: np.random.Generator, rep: np.ndarray, rate: float) -> np.ndarray:
    """Hand counts: ``rate`` of the tables have 1..10 votes moved from winner to runner-up."""
    act = rep.copy()
    k = math.ceil(rate * rep.shape[0]) if rate else 0
    for t in rng.choice(rep.shape[0], k, replace=False):
        moved = min(int(act[t, 0]), int(rng.integers(1, 11)))
        act[t, 0] -= moved
        act[t, 1] += moved
    return act


def macro_tables(
    u: np.ndarray, taint: np.ndarray, risk: float, runs: int, rng: np.random.Generator
) -> np.ndarray:
    """Distinct tables of MACRO/PPEB (with replacement, Kaplan–Markov) per run."""
    n_tab = u.size
    big_u = float(u.sum())
    cap = 20 * n_tab
    out = np.full(runs, n_tab, dtype=np.int64)
    step = math.log1p(-1 / big_u)
    threshold = math.log(risk)
    for r in range(runs):
        draws = rng.choice(n_tab, cap, p=u / big_u)
        log_p = np.cumsum(step - np.log1p(-np.minimum(taint[draws], 1.0)))
        hit = np.flatnonzero(log_p <= threshold)
        if hit.size:
            out[r] = np.unique(draws[: hit[0] + 1]).size
    return out


def alpha_uniform_tables(
    rep: np.ndarray, act: np.ndarray, risk: float, runs: int, rng: np.random.Generator
) -> np.ndarray:
    """Tables of the ALPHA batch-assorter audit (uniform without replacement) per run."""
    ballots = rep.sum(axis=1)
    n_tab = rep.shape[0]
    stops = np.zeros(runs, dtype=np.int64)
    for a in plurality_assertions("c", rep.sum(axis=0), 1, int(ballots.sum())):
        ba = batch_assorter(a, rep[:, a.winner], rep[:, a.loser], ballots)
        xs = ba.values(rep[:, a.winner], rep[:, a.loser], act[:, a.winner], act[:, a.loser])
        perm = rng.permuted(np.broadcast_to(xs, (runs, n_tab)), axis=1)
        lt = alpha_log_terms(
            perm,
            upper=ba.upper,
            eta0=comparison_eta0(ba.no_error_value, ba.upper),
            population=n_tab,
            d=COMPARISON_D,
        )
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(np.cumsum(lt, axis=1), nan=-np.inf)
        hit = path >= math.log(1 / risk)
        s = np.where(hit.any(axis=1), np.argmax(hit, axis=1) + 1, n_tab)
        stops = np.maximum(stops, s)
    return stops


def main() -> None:
    """Print the table and write it into docs/audits.md between the efficiency markers."""
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--tables", type=int, default=3000)
    args = p.parse_args()
    rng = np.random.default_rng(14)
    head = "| risk | errors | method | " + " | ".join(f"{m:.1%}" for m in MARGINS) + " |"
    lines = [
        f"{args.runs} simulated audits per cell; 1,000,000 ballots in {args.tables:,} tables; "
        "mean tables hand counted (one decimal).",
        "",
        head,
        "|" + "---|" * (3 + len(MARGINS)),
    ]
    t0 = time.perf_counter()
    for risk in RISKS:
        for rate in RATES:
            cells: dict[str, list[str]] = {"table-comparison": [], "MACRO": [], "ALPHA uniform": []}
            for m in MARGINS:
                rep = election(rng, args.tables, m)
                act = with_errors(rng, rep, rate)
                c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
                u = error_bounds([c])
                e = overstatements([c], np.arange(args.tables), [act])
                taint = np.where(u > 0, e / u, 0.0)
                new = simulate_stops(
                    u, TaintSampler(taint), risk, runs=args.runs, seed=int(m * 1e4)
                )
                new = np.where(new > 0, new, args.tables)
                mac = macro_tables(u, taint, risk, args.runs, rng)
                alp = alpha_uniform_tables(rep, act, risk, args.runs, rng)
                for name, v in (("table-comparison", new), ("MACRO", mac), ("ALPHA uniform", alp)):
                    cells[name].append(f"{float(np.mean(v)):,.1f}")
                print(
                    f"[{time.perf_counter() - t0:6.1f}s] risk {risk:.0%} errors {rate:.0%} "
                    f"margin {m:.1%}: new {np.mean(new):.1f} macro {np.mean(mac):.1f} "
                    f"alpha {np.mean(alp):.1f}",
                    flush=True,
                )
            for name, vals in cells.items():
                lines.append(f"| {risk:.0%} | {rate:.0%} | {name} | " + " | ".join(vals) + " |")
    table = "\n".join(lines)
    print(table)
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        text = re.sub(
            re.escape(START) + ".*?" + re.escape(END),
            lambda _: f"{START}\n{table}\n{END}",
            text,
            flags=re.S,
        )
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
