"""Wrong-outcome study of the supermajority and hybrid (SUITE) audits.

Supermajority (threshold f = 2/3, 90 % of ballots valid): the reported winner has a share
s > f of the valid votes but the truth is exactly f (assorter mean 1/2, the worst case).
Polling: ALPHA on the supermajority assorter, draws from the truth. Comparison: CVRs say s,
and CVRs for the winner whose ballots are for another option (ω = u) or blank (ω = u − ½)
bring the truth to f. Audits draw with replacement up to a cap, then a full hand count.
Tables: 1,000 tables of 300 ballots (270 valid), actas giving W s; some tables' actas
overstate W by 90 votes (of another option) so that the truth is f; tables drawn without
replacement and tested with the batch assorter's ALPHA P-values until every table is
counted.

Hybrid: 6,000 ballots with CVRs and 4,000 without, reported 53 % W, 43 % L, 4 % blank in
both strata (margin 10 %); the truth is a tie overall, the error put in the CVR stratum
(CVR votes for W that are L), in the polling stratum (its true shares), or half in each.
The audit draws the workflow's round-1 size, then doubles (cumulative n, 2n, 4n) and
measures SUITE's P-value at each round's end; not confirmed after round 3 → full count.

Every row must stay within the risk limit (99 % Clopper–Pearson interval). The table is
written into docs/audits.md between the markers.

Run: .venv/bin/python bench/new_methods_wrong_outcome.py [--sims 10000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from _report import clopper_pearson, write_between
from escrutinio.audit.stats.alpha import COMPARISON_D, comparison_eta0
from escrutinio.audit.stats.simulated_sizes import (
    discrete_sampler,
    permutation_stops,
    simulated_stops,
)
from escrutinio.audit.stats.suite import Stratum, even_spread, stratified_pvalue
from escrutinio.audit.stats.supermajority import (
    batch_columns,
    comparison_bounds,
    supermajority_assertion,
    supermajority_batch_assorter,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "audits.md"
START = "<!-- new-methods-wrong-outcome:start -->"
END = "<!-- new-methods-wrong-outcome:end -->"
RISK = 0.05


def supermajority_rows(sims: int) -> list[tuple[str, str, int, int]]:
    """(method, setting, wrong confirmations, audits) of the supermajority settings."""
    rows = []
    f, n = 2 / 3, 100_000
    for share in (0.70, 0.75):
        w = round(0.9 * n * share)
        a = supermajority_assertion("c", [w, round(0.9 * n) - w], f, n)
        pw, po = 0.9 * f, 0.9 * (1 - f)
        cap = 6_000
        stops = simulated_stops(
            discrete_sampler([a.upper, 0.0, 0.5], [pw, po, 1 - pw - po]),
            RISK,
            upper=a.upper,
            eta0=a.reported_mean,
            population=None,
            cap=cap,
            sims=sims,
            chunk=500,
        )
        setting = f"reported {share:.0%} of valid votes, truth 2/3, cap {cap:,}"
        rows.append(("ALPHA polling, supermajority", setting, int(np.isfinite(stops).sum()), sims))
        no_error, top = comparison_bounds(a, a.upper)
        for name, omega in (("for another option", a.upper), ("blank", a.upper - 0.5)):
            k = a.diluted_margin / 2 / omega
            bad = (1 - omega / a.upper) / (2 - a.diluted_margin / a.upper)
            stops = simulated_stops(
                discrete_sampler([bad, no_error], [k, 1 - k]),
                RISK,
                upper=top,
                eta0=comparison_eta0(no_error, top),
                population=None,
                cap=2_000,
                d=COMPARISON_D,
                sims=sims,
                chunk=500,
            )
            setting = f"reported {share:.0%}, winner CVRs whose ballots are {name}: truth 2/3"
            rows.append(
                ("ALPHA comparison, supermajority", setting, int(np.isfinite(stops).sum()), sims)
            )
    return rows


def table_rows(sims: int) -> list[tuple[str, str, int, int]]:
    """(method, setting, wrong confirmations, audits) of the table supermajority settings."""
    rows = []
    n_tab, per, valid = 1_000, 300, 270
    for share in (0.70, 0.75):
        w = round(valid * share)
        counts = np.tile([w, valid - w], (n_tab, 1))
        a = supermajority_assertion("c", counts.sum(axis=0), 2 / 3, n_tab * per)
        b = supermajority_batch_assorter(a, counts, np.full(n_tab, per))
        moved = round((w - valid * 2 / 3) * n_tab)  # W votes that were others' in truth
        flipped = moved // 90 + (moved % 90 > 0)
        hand = counts.copy()
        hand[:flipped, 0] -= 90
        hand[:flipped, 1] += 90
        hand[flipped - 1, 0] += flipped * 90 - moved  # exactly two-thirds in all
        hand[flipped - 1, 1] -= flipped * 90 - moved
        rw, rl = batch_columns(a, counts)
        aw, al = batch_columns(a, hand)
        values = np.broadcast_to(b.values(rw, rl, aw, al), (sims, n_tab))
        stops = permutation_stops(values, b.pvalues, RISK, seed=2020)
        setting = (
            f"1,000 tables, reported {share:.0%} of valid votes, {flipped} tables overstate W "
            "by 90 votes: truth 2/3"
        )
        rows.append(
            ("ALPHA batch comparison, supermajority", setting, int((stops < n_tab).sum()), sims)
        )
    return rows


def hybrid_first_round(cvr: Stratum, pol: Stratum, shares: list[float]) -> int:
    """The workflow's round-1 size (no CVR error, polling sample in the reported shares)."""
    n_all = cvr.ballots + pol.ballots

    def risk(n: int) -> float:
        n1 = round(n * cvr.ballots / n_all)
        vals = even_spread(n - n1, shares, [1.0, 0.0, 0.5])
        return stratified_pvalue(cvr, np.zeros(n1), pol, vals, cvr.reported_mean)

    lo, hi = 0, 16
    while risk(hi) > RISK:
        lo, hi = hi, hi * 2
    while hi - lo > max(1, hi // 50):
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if risk(mid) <= RISK else (mid, hi)
    return hi


def hybrid_rows(sims: int) -> list[tuple[str, str, int, int]]:
    """(method, setting, wrong confirmations, audits) of the hybrid settings."""
    n1, n2 = 6_000, 4_000
    reported = [0.53, 0.43, 0.04]
    mean = (1 + reported[0] - reported[1]) / 2
    cvr, pol = Stratum(n1, 1.0, mean), Stratum(n2)
    w1, w2 = n1 / (n1 + n2), n2 / (n1 + n2)
    first = hybrid_first_round(cvr, pol, reported)
    rows = []
    for label, cvr_part in (("CVR stratum", 1.0), ("polling stratum", 0.0), ("both", 0.5)):
        # overall true mean 1/2: the shortfall (mean − 1/2) split between the strata
        short = mean - 0.5
        mu1 = mean - cvr_part * short / w1
        mu2 = (0.5 - w1 * mu1) / w2
        rate = mean - mu1  # two-vote overstatements (ω = 1) in the CVR stratum
        d = 2 * mu2 - 1  # true W − L share in the polling stratum
        p_w, p_l = (0.96 + d) / 2, (0.96 - d) / 2
        rng = np.random.default_rng(2018)
        wrong = 0
        for _ in range(sims):
            for n in (first, 2 * first, 4 * first):
                m1 = round(n * w1)
                om = (rng.random(m1) < rate).astype(np.float64)
                u = rng.random(n - m1)
                vals = np.where(u < p_w, 1.0, np.where(u < p_w + p_l, 0.0, 0.5))
                if stratified_pvalue(cvr, om, pol, vals, mean) <= RISK:
                    wrong += 1
                    break
        setting = f"margin 10%, 6,000 with CVRs + 4,000 without, true tie, error in {label}"
        method = f"hybrid SUITE (rounds {first}, {2 * first}, {4 * first})"
        rows.append((method, setting, wrong, sims))
    return rows


def main() -> None:
    """Run every setting, print the table and write it into docs/audits.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    t0 = time.time()
    rows = supermajority_rows(args.sims) + table_rows(args.sims) + hybrid_rows(args.sims)
    lines = [
        f"Risk limit {RISK:.0%}; {args.sims:,} simulated audits per row; 99% Clopper–Pearson "
        "interval for the fraction that confirmed the wrong outcome.",
        "",
        "| method | setting | wrong confirmations | fraction | 99% CI |",
        "|---|---|---|---|---|",
    ]
    for method, setting, k, n in rows:
        lo, hi = clopper_pearson(k, n)
        lines.append(f"| {method} | {setting} | {k} | {k / n:.4f} | [{lo:.4f}, {hi:.4f}] |")
        assert lo <= RISK, (method, setting, k, n)
    table = "\n".join(lines)
    print(table)
    print(f"{time.time() - t0:.0f} s")
    if not args.no_doc:
        write_between(DOC, START, END, table)


if __name__ == "__main__":
    main()
