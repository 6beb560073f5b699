"""Simulation study: how often does each audit confirm a reported winner who actually lost?

Every setting is an election whose reported margin is m but whose true result is a tie (the
worst case for a wrong outcome). Each audit draws until its P-value reaches the risk limit
(wrong confirmation) or until it escalates to a full hand count (cap), which then finds the
right outcome. The fraction of wrong confirmations must not exceed the risk limit; we print it
with a 99% Clopper–Pearson interval and write the table into docs/audits.md.

Run: .venv/bin/python bench/audit_wrong_outcome.py [--sims 10000]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from _report import clopper_pearson, write_between
from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import Assertion, comparison_assorter, plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.hypergeometric import attained_risk
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest, overstatements
from escrutinio.audit.stats.ppeb_betting import TaintSampler, simulate_stops

RISK = 0.05
GAMMA = 1.03905
DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START, END = "<!-- wrong-outcome:start -->", "<!-- wrong-outcome:end -->"

Draw = Callable[[np.random.Generator, int, int], np.ndarray]
LogTerms = Callable[[np.ndarray, int, np.ndarray], np.ndarray]


def run(sims: int, cap: int, draw: Draw, log_terms: LogTerms, seed: int, chunk: int = 500) -> int:
    """Count audits (of ``sims``) whose martingale reaches 1/α within ``cap`` draws."""
    rng = np.random.default_rng(seed)
    active = np.arange(sims)
    log_t = np.zeros(sims)
    prior = np.zeros(sims)
    confirmed = 0
    done = 0
    threshold = math.log(1 / RISK)
    while active.size and done < cap:
        n = min(chunk, cap - done)
        x = draw(rng, active.size, n)
        lt = log_terms(x, done, prior[active])
        with np.errstate(invalid="ignore"):
            path = np.nan_to_num(log_t[active, None] + np.cumsum(lt, axis=1), nan=-np.inf)
        hit = (path >= threshold).any(axis=1)
        confirmed += int(hit.sum())
        log_t[active] = path[:, -1]
        prior[active] += x.sum(axis=1)
        active = active[~hit]
        done += n
    return confirmed


def iid(values: list[float], probs: list[float]) -> Draw:
    """Draw i.i.d. values with the given probabilities (sampling with replacement)."""
    v = np.array(values)
    cum = np.cumsum(probs)

    def draw(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
        out: np.ndarray = v[np.searchsorted(cum, rng.random((k, n)), side="right")]
        return out

    return draw


def tie_contest(margin: float, ballots: int) -> Assertion:
    """Reported assertion with margin ``margin`` over ``ballots`` (5% other ballots)."""
    w = round(ballots * (0.95 + margin) / 2)
    lo = round(ballots * (0.95 - margin) / 2)
    return plurality_assertions("c", [w, lo, ballots - w - lo], 1, ballots)[0]


def settings(sims: int) -> list[tuple[str, str, Callable[[int], int]]]:
    """(method, setting, runner(seed) -> wrong confirmations) for every case."""
    out: list[tuple[str, str, Callable[[int], int]]] = []
    n_pop = 20_000
    poll_cap, cmp_cap = 6_000, 2_000
    for m in (0.02, 0.05, 0.10):
        a = tie_contest(m, n_pop)
        s = a.winner_share
        tie = iid([1.0, 0.0, 0.5], [0.475, 0.475, 0.05])
        zw, zl = math.log(2 * s), math.log(2 * (1 - s))

        def bravo(
            x: np.ndarray, start: int, prior: np.ndarray, zw: float = zw, zl: float = zl
        ) -> np.ndarray:
            return np.where(x == 1.0, zw, np.where(x == 0.0, zl, 0.0))

        def alpha_poll(
            x: np.ndarray, start: int, prior: np.ndarray, a: Assertion = a
        ) -> np.ndarray:
            return alpha_log_terms(x, upper=1.0, eta0=a.reported_mean, start=start, prior_sum=prior)

        label = f"polling, margin {m:.0%}, true tie, with replacement, cap {poll_cap:,}"
        if m >= 0.05:
            out.append(
                ("BRAVO", label, lambda seed, tie=tie, b=bravo: run(sims, poll_cap, tie, b, seed))
            )
            out.append(
                (
                    "ALPHA polling",
                    label,
                    lambda seed, tie=tie, f=alpha_poll: run(sims, poll_cap, tie, f, seed),
                )
            )

        v = a.diluted_margin
        for kind, omega, rate in (("2-vote", 1.0, m / 2), ("1-vote", 0.5, m)):
            errs = iid([0.0, omega], [1 - rate, rate])

            def km(x: np.ndarray, start: int, prior: np.ndarray, v: float = v) -> np.ndarray:
                return np.log1p(-2 * x / (2 * GAMMA)) - math.log(1 - v / (2 * GAMMA))

            def alpha_cmp(x: np.ndarray, start: int, prior: np.ndarray, v: float = v) -> np.ndarray:
                b = comparison_assorter(x, v)
                psum = (start - prior) / (2 - v)
                return alpha_log_terms(
                    b,
                    upper=2 / (2 - v),
                    eta0=comparison_eta0(1 / (2 - v), 2 / (2 - v)),
                    d=COMPARISON_D,
                    start=start,
                    prior_sum=psum,
                )

            label = f"comparison, margin {m:.0%}, {kind} overstatements make a tie, cap {cmp_cap:,}"
            out.append(
                (
                    "Kaplan–Markov comparison",
                    label,
                    lambda seed, e=errs, f=km: run(sims, cmp_cap, e, f, seed),
                )
            )
            out.append(
                (
                    "ALPHA comparison",
                    label,
                    lambda seed, e=errs, f=alpha_cmp: run(sims, cmp_cap, e, f, seed),
                )
            )
    return out


def batch_settings(sims: int) -> list[tuple[str, str, Callable[[int], int]]]:
    """Table-level cases: MACRO/PPEB, ALPHA batch (uniform) and the fixed-percentage risk."""
    out: list[tuple[str, str, Callable[[int], int]]] = []
    rng = np.random.default_rng(99)
    n_tables = 1000
    for m in (0.05, 0.10):
        pw = (0.95 + m) / 2
        sizes = rng.integers(150, 350, n_tables)
        rep = rng.multinomial(sizes, [pw, 0.95 - pw, 0.05])
        ballots = rep.sum(axis=1)
        c = make_batch_contest("c", rep, ballots, 1)
        u = error_bounds([c])
        # Wrong outcome: move votes w → l in the tables with most w votes until l ≥ w.
        act = rep.copy()
        need = rep[:, 0].sum() - rep[:, 1].sum()
        for t in np.argsort(-rep[:, 0]):
            if need < 0:
                break
            moved = min(act[t, 0], need // 2 + 1)
            act[t, 0] -= moved
            act[t, 1] += moved
            need -= 2 * moved
        e = overstatements([c], np.arange(n_tables), [act])
        taint = np.where(u > 0, e / u, 0.0)
        big_u = float(u.sum())
        prob = u / big_u
        ppeb = iid(list(taint), list(prob))

        def km_ppeb(
            x: np.ndarray, start: int, prior: np.ndarray, big_u: float = big_u
        ) -> np.ndarray:
            return np.log1p(-np.minimum(x, 1.0)) - math.log1p(-1 / big_u)

        k_changed = int((e > 0).sum())
        label = f"tables, margin {m:.0%}, {k_changed} of {n_tables} tables flipped to a loss"

        def betting(seed: int, u: np.ndarray = u, taint: np.ndarray = taint) -> int:
            stops = simulate_stops(u, TaintSampler(taint), RISK, runs=sims, seed=seed)
            return int((stops > 0).sum())

        out.append(("table-comparison-wor (PPEB without replacement, betting)", label, betting))
        # The same loss spread thinly: every table moves the same few votes w → l.
        spread = rep.copy()
        per = -(-(rep[:, 0].sum() - rep[:, 1].sum()) // (2 * n_tables))
        spread[:, 0] -= per
        spread[:, 1] += per
        e2 = overstatements([c], np.arange(n_tables), [spread])
        taint2 = np.where(u > 0, e2 / u, 0.0)
        label2 = f"tables, margin {m:.0%}, every table moves {per} votes to the loser (a loss)"

        def betting2(seed: int, u: np.ndarray = u, taint: np.ndarray = taint2) -> int:
            stops = simulate_stops(u, TaintSampler(taint), RISK, runs=sims, seed=seed)
            return int((stops > 0).sum())

        out.append(("table-comparison-wor (PPEB without replacement, betting)", label2, betting2))
        out.append(
            (
                "MACRO / PPEB",
                label,
                lambda seed, d=ppeb, f=km_ppeb: run(sims, 5 * n_tables, d, f, seed),
            )
        )

        a = plurality_assertions("c", rep.sum(axis=0), 1, int(ballots.sum()))[0]
        ba = batch_assorter(a, rep[:, 0], rep[:, 1], ballots)
        xs = ba.values(rep[:, 0], rep[:, 1], act[:, 0], act[:, 1])

        def draw_wor(rng: np.random.Generator, k: int, n: int, xs: np.ndarray = xs) -> np.ndarray:
            return rng.permuted(np.broadcast_to(xs, (k, xs.size)), axis=1)[:, :n]

        def alpha_batch(x: np.ndarray, start: int, prior: np.ndarray, ba=ba) -> np.ndarray:  # type: ignore[no-untyped-def]
            return alpha_log_terms(
                x,
                upper=ba.upper,
                eta0=comparison_eta0(ba.no_error_value, ba.upper),
                population=ba.n_batches,
                d=COMPARISON_D,
                start=start,
                prior_sum=prior,
            )

        out.append(
            (
                "ALPHA batch, uniform without replacement",
                label,
                lambda seed, d=draw_wor, f=alpha_batch: run(
                    sims, n_tables, d, f, seed, chunk=n_tables
                ),
            )
        )

        def fixed(seed: int, c=c, act=act, k: int = 100) -> int:  # type: ignore[no-untyped-def]
            r = np.random.default_rng(seed)
            wrong = 0
            for _ in range(sims):
                idx = r.choice(n_tables, k, replace=False)
                wrong += attained_risk(c, idx, act[idx]).risk <= RISK
            return wrong

        out.append(("Fixed 10% of tables, attained risk ≤ 5%", label, fixed))
    return out


def main() -> None:
    """Run every case, print progress and the table, and write it into docs/audits.md."""
    p = argparse.ArgumentParser()
    p.add_argument("--sims", type=int, default=10_000)
    args = p.parse_args()
    cases = settings(args.sims) + batch_settings(args.sims)
    lines = [
        f"Risk limit {RISK:.0%}; {args.sims:,} simulated audits per row; 99% Clopper–Pearson "
        "interval for the fraction that confirmed the wrong winner.",
        "",
        "| method | setting | wrong confirmations | fraction | 99% CI |",
        "|---|---|---|---|---|",
    ]
    t0 = time.perf_counter()
    for i, (method, label, runner) in enumerate(cases, 1):
        k = runner(i)
        lo, hi = clopper_pearson(k, args.sims)
        lines.append(f"| {method} | {label} | {k} | {k / args.sims:.4f} | [{lo:.4f}, {hi:.4f}] |")
        print(
            f"[{i}/{len(cases)} {time.perf_counter() - t0:6.1f}s] {method}: {label}: {k}",
            flush=True,
        )
    table = "\n".join(lines)
    print(table)
    write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
