"""Wrong-outcome study of the default table audit (``table-comparison``: PPEB with
replacement, aGRAPA betting with the bet capped at (1 − δ)/μ; stats.ppeb_wr_betting).

Elections of 1,000 tables (150–350 ballots each, two candidates and 5% other/blank, as the
table rows of bench/audit_wrong_outcome.py) whose reported margin m is wrong: the hand
counts make the runner-up win or tie. Each audit draws tables with replacement proportional
to their MACRO bound, every draw of a table showing that table's true taint, until its
P-value reaches the risk limit (a wrong confirmation) or it has drawn every table or 20
draws per table without confirming (a full hand count, which finds the right winner). The
fraction of wrong confirmations must not exceed the risk limit; it is printed with a 99%
Clopper–Pearson interval and written into docs/audits.md between the
``wrong-outcome-default`` markers. Settings:

- *flipped*: votes moved winner → loser in the tables with most winner votes until the
  loser leads (few tables, large taints; the existing study's setting);
- *spread*: every table moves the same few votes to the loser (tiny taints everywhere);
- *taint 1*: the tables of largest bound counted as all-loser (taint 1, as a table not
  found) until the loser leads: the case where the capped bet's survival matters;
- *tie*: votes moved in the tables with most winner votes until an exact tie (Σ e = 1 for
  the pair, the boundary of the null).

Run: .venv/bin/python bench/audit_wrong_outcome_default.py [--sims 10000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from _report import clopper_pearson, write_between
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest, overstatements
from escrutinio.audit.stats.ppeb_betting import TaintSampler
from escrutinio.audit.stats.ppeb_wr_betting import BET_SLACK, simulate_wr

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START, END = "<!-- wrong-outcome-default:start -->", "<!-- wrong-outcome-default:end -->"
N_TABLES = 1000


def move_until(rep: np.ndarray, order: np.ndarray, tie: bool) -> np.ndarray:
    """Hand counts: votes winner → loser in tables ``order`` until the loser leads (or, with
    ``tie``, the two are level)."""
    act = rep.copy()
    need = int(rep[:, 0].sum() - rep[:, 1].sum())  # w − l; each moved vote closes it by 2
    for t in order:
        if need < 0 or (tie and need == 0):
            break
        moved = min(int(act[t, 0]), (need + 1) // 2 if tie else need // 2 + 1)
        act[t, 0] -= moved
        act[t, 1] += moved
        need -= 2 * moved
    return act


def all_loser(rep: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Hand counts: the tables of largest bound all for the loser until the loser leads."""
    act = rep.copy()
    need = int(rep[:, 0].sum() - rep[:, 1].sum())
    for t in np.argsort(-u):
        if need < 0:
            break
        b = int(rep[t].sum())
        need -= (int(rep[t, 0]) - int(rep[t, 1])) + b
        act[t] = [0, b, 0]
    return act


def settings(
    rng: np.random.Generator,
) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """(label, risk limit, bounds, taints) of every setting."""
    out = []
    for m in (0.05, 0.10):
        pw = (0.95 + m) / 2
        sizes = rng.integers(150, 350, N_TABLES)
        rep = rng.multinomial(sizes, [pw, 0.95 - pw, 0.05])
        c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
        u = error_bounds([c])
        spread = rep.copy()
        per = -(-(rep[:, 0].sum() - rep[:, 1].sum()) // (2 * N_TABLES))
        spread[:, 0] -= per
        spread[:, 1] += per
        cases = (
            ("flipped", move_until(rep, np.argsort(-rep[:, 0]), tie=False)),
            ("tie", move_until(rep, np.argsort(-rep[:, 0]), tie=True)),
            (f"spread ({per} votes per table)", spread),
            ("taint 1", all_loser(rep, u)),
        )
        for name, act in cases:
            e = overstatements([c], np.arange(N_TABLES), [act])
            taint = np.where(u > 0, e / u, 0.0)
            k = int((e > 0).sum())
            for risk in (0.05, 0.10):
                label = (
                    f"margin {m:.0%}, {name}: {k} tables overstated, Σe = {e.sum():.3f}, "
                    f"risk limit {risk:.0%}"
                )
                out.append((label, risk, u, taint))
    return out


def main() -> None:
    """Run every setting, print progress and the table, write it into docs/audits.md."""
    p = argparse.ArgumentParser()
    p.add_argument("--sims", type=int, default=10_000)
    args = p.parse_args()
    rng = np.random.default_rng(2024)
    lines = [
        f"{args.sims:,} simulated audits per row, 1,000-table elections; δ = {BET_SLACK:g}; "
        "99% Clopper–Pearson interval for the fraction that confirmed the wrong winner.",
        "",
        "| setting | wrong confirmations | fraction | 99% CI | within the limit |",
        "|---|---|---|---|---|",
    ]
    t0 = time.perf_counter()
    cases = settings(rng)
    for i, (label, risk, u, taint) in enumerate(cases, 1):
        stops, _ = simulate_wr(u, TaintSampler(taint), risk, runs=args.sims, seed=i)
        k = int((stops > 0).sum())
        lo, hi = clopper_pearson(k, args.sims)
        ok = "yes" if lo <= risk else "NO"
        lines.append(f"| {label} | {k} | {k / args.sims:.4f} | [{lo:.4f}, {hi:.4f}] | {ok} |")
        print(f"[{i}/{len(cases)} {time.perf_counter() - t0:6.1f}s] {label}: {k}", flush=True)
    table = "\n".join(lines)
    print(table)
    write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
