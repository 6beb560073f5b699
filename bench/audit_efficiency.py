"""Expected tables to hand count per table-level audit method, by margin, error rate and risk.

Elections as in bench/audit.py: 1,000,000 ballots in 3,000 tables (sizes multinomial), two
candidates and 5% other/blank. "1% errors": 1% of the tables (chosen at random) overstate the
winner by k votes moved from the winner to the runner-up, k uniform in 1..10. Each method is
simulated ``--runs`` times per setting; a run that has not confirmed when the tables run out
(or, for MACRO, after 20 draws per table) counts as a full hand count. Methods:

- ``table-comparison`` (the default): PPEB with replacement + aGRAPA betting capped at
  (1 − δ)/μ (escrutinio.audit.stats.ppeb_wr_betting), distinct tables counted;
- MACRO/PPEB with replacement, Kaplan–Markov (distinct tables counted);
- ``table-comparison-wor``: PPEB without replacement + aGRAPA betting
  (escrutinio.audit.stats.ppeb_betting; the default until it drew with replacement);
- ALPHA batch assorters, uniform without replacement (the default before that).

The default and MACRO run on the very same draws (common random numbers): each run draws
one order in which tables first come up (successive sampling proportional to the bounds,
``table-comparison-wor``'s design, which it tests), and the with-replacement sequence is
that order with repeats put back: before the j-th new table a geometric number of repeats,
each with probability Σ_drawn u / U, each a table already drawn chosen proportional to u,
which is a PPEB sequence with replacement. The mean paired difference (default − MACRO)
and its standard error are printed.

Run: .venv/bin/python bench/audit_efficiency.py [--runs 1000] [--tables 3000]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from _report import write_between
from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest, overstatements
from escrutinio.audit.stats.ppeb_betting import BettingState, betting_log_terms, ppeb_keys
from escrutinio.audit.stats.ppeb_wr_betting import WrState, wr_log_terms

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START, END = "<!-- efficiency:start -->", "<!-- efficiency:end -->"
MARGINS = (0.005, 0.01, 0.02, 0.05, 0.10, 0.20)
RISKS = (0.05, 0.10)
RATES = (0.0, 0.01)
DEFAULT, WOR = "table-comparison", "table-comparison-wor"
PAIRED = "default − MACRO (± s.e., max)"


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


def wor_tables(order: np.ndarray, u: np.ndarray, taint: np.ndarray, risk: float) -> np.ndarray:
    """Tables ``table-comparison-wor`` hand counts per run, drawing tables in ``order[run]``."""
    runs, n_tab = order.shape
    state = BettingState.start(float(u.sum()), runs)
    threshold = math.log(1 / risk)
    stops = np.full(runs, n_tab, dtype=np.int64)
    log_t = np.zeros(runs)
    active = np.arange(runs)
    done, chunk = 0, 32
    while active.size and done < n_tab:
        k = min(chunk, n_tab - done)
        o = order[active, done : done + k]
        terms, nxt = betting_log_terms(taint[o] * u[o], u[o], state.take(active))
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(log_t[active, None] + np.cumsum(terms, axis=1), nan=-np.inf)
        hit = path >= threshold
        got = hit.any(axis=1)
        stops[active[got]] = done + np.argmax(hit[got], axis=1) + 1
        state = state.put(active, nxt)
        log_t[active] = path[:, -1]
        active = active[~got]
        done += k
        chunk = min(2 * chunk, 512)
    return stops


def with_repeats(
    order: np.ndarray, u: np.ndarray, taint: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A with-replacement PPEB sequence whose new tables come in ``order`` (one run): the
    taints of its draws and which draws are a table's first."""
    n_tab = order.size
    cum = np.cumsum(u[order])
    before = np.concatenate([[0.0], cum[:-1]])  # Σ u drawn before the j-th new table
    repeats = rng.geometric(np.maximum(1.0 - before / float(u.sum()), 1e-12)) - 1
    blocks = np.repeat(np.arange(n_tab), repeats)
    picks = np.searchsorted(cum, rng.random(blocks.size) * before[blocks], side="right")
    new_at = np.cumsum(repeats + 1) - 1
    is_new = np.zeros(n_tab + blocks.size, dtype=bool)
    is_new[new_at] = True
    t = np.empty(is_new.size)
    t[new_at] = taint[order]
    t[~is_new] = taint[order[picks]]
    return t[: 20 * n_tab], is_new[: 20 * n_tab]


def macro_log_t(t: np.ndarray, big_u: float) -> np.ndarray:
    """ln 1/P of MACRO's Kaplan–Markov P-value after each draw of taint ``t``."""
    out: np.ndarray = np.cumsum(np.log1p(-np.minimum(t, 1.0)) - math.log1p(-1 / big_u))
    return out


def default_log_t(t: np.ndarray, big_u: float) -> np.ndarray:
    """ln T of the default's betting martingale after each draw of taint ``t``."""
    terms, _ = wr_log_terms(t[None, :], WrState.start(big_u))
    out: np.ndarray = np.cumsum(terms[0])
    return out


def macro_tables(
    order: np.ndarray, u: np.ndarray, taint: np.ndarray, risk: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct tables per run of the default (with replacement, betting) and of MACRO/PPEB
    (with replacement, Kaplan–Markov) on the same draws, these being ``order[run]`` with
    repeats put back (see the module's docstring)."""
    runs, n_tab = order.shape
    big_u = float(u.sum())
    goal = math.log(1 / risk)
    out = np.full((2, runs), n_tab, dtype=np.int64)
    for r in range(runs):
        t, is_new = with_repeats(order[r], u, taint, rng)
        for i, log_t in enumerate((default_log_t(t, big_u), macro_log_t(t, big_u))):
            hit = np.flatnonzero(log_t >= goal)
            if hit.size:
                out[i, r] = int(is_new[: hit[0] + 1].sum())
    return out[0], out[1]


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
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--tables", type=int, default=3000)
    p.add_argument(
        "--lost-table",
        action="store_true",
        help="one table (at random) cannot be found: scored at its bound (taint 1); only "
        "prints the table (docs/audits.md is not written)",
    )
    p.add_argument("--margins", type=float, nargs="*", default=list(MARGINS))
    args = p.parse_args()
    margins = tuple(args.margins)
    rng = np.random.default_rng(14)
    head = "| risk | errors | method | " + " | ".join(f"{m:.1%}" for m in margins) + " |"
    lines = [
        f"{args.runs:,} simulated audits per cell; 1,000,000 ballots in {args.tables:,} tables; "
        "mean tables hand counted (one decimal); the default and MACRO on the same draws "
        "with replacement, their mean paired difference ± its standard error (two decimals) "
        "and the largest difference in any run."
        + (" One table in each election cannot be found." if args.lost_table else ""),
        "",
        head,
        "|" + "---|" * (3 + len(margins)),
    ]
    t0 = time.perf_counter()
    for risk in RISKS:
        for rate in RATES:
            cells: dict[str, list[str]] = {
                DEFAULT: [],
                "MACRO": [],
                PAIRED: [],
                WOR: [],
                "ALPHA uniform": [],
            }
            for m in margins:
                rep = election(rng, args.tables, m)
                act = with_errors(rng, rep, rate)
                c = make_batch_contest("c", rep, rep.sum(axis=1), 1)
                u = error_bounds([c])
                e = overstatements([c], np.arange(args.tables), [act])
                taint = np.where(u > 0, e / u, 0.0)
                if args.lost_table:
                    taint[int(rng.integers(args.tables))] = 1.0
                keys = ppeb_keys(rng.random((args.runs, args.tables)), u[None, :])
                order = np.argsort(keys, axis=1)
                wor = wor_tables(order, u, taint, risk)
                new, mac = macro_tables(order, u, taint, risk, rng)
                alp = alpha_uniform_tables(rep, act, risk, args.runs, rng)
                for name, v in (
                    (DEFAULT, new),
                    ("MACRO", mac),
                    (WOR, wor),
                    ("ALPHA uniform", alp),
                ):
                    cells[name].append(f"{float(np.mean(v)):,.1f}")
                diff = new - mac
                se = float(np.std(diff, ddof=1)) / math.sqrt(args.runs)
                cells[PAIRED].append(
                    f"{float(np.mean(diff)):+.2f} ± {se:.2f}, max {int(np.max(diff)):+d}"
                )
                print(
                    f"[{time.perf_counter() - t0:6.1f}s] risk {risk:.0%} errors {rate:.0%} "
                    f"margin {m:.1%}: new {np.mean(new):.2f} macro {np.mean(mac):.2f} "
                    f"diff {np.mean(diff):+.3f} ± {se:.3f} (max {np.max(diff):+d}) "
                    f"wor {np.mean(wor):.2f} alpha {np.mean(alp):.1f}",
                    flush=True,
                )
            for name, vals in cells.items():
                lines.append(f"| {risk:.0%} | {rate:.0%} | {name} | " + " | ".join(vals) + " |")
    table = "\n".join(lines)
    print(table)
    if not args.lost_table and margins == MARGINS:
        write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
