"""Sizes for a 70/80/90 % chance of finishing a comparison audit in round 1 (seeded
simulation: ordered, reproducible, and kept in independent simulations), and one ballot
sample shared by contests on different tables, each measured on its own tables' ballots."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from escrutinio.audit.stats.ppeb_betting import betting_pvalues
from escrutinio.audit.stats.ppeb_wr_betting import wr_pvalues
from escrutinio.audit.stats.sampling import ppeb_order_ids, ppeb_sample
from escrutinio.audit.stats.simulated_sizes import (
    discrete_sampler,
    finishing_sizes,
    simulated_stops,
)
from escrutinio.audit.stats.supermajority import comparison_bounds
from escrutinio.audit.workflow import finish_sizes as fs
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow import table_comparison

sys.path.insert(0, str(Path(__file__).parent))
from test_ballot_audit import SEED, make_state, reported, truth

FULL = reported(margin=0.2)


def sizes_in(note: str) -> list[int]:
    """The 70/80/90 % sizes of an estimate's note."""
    found = re.findall(r"(\d+)%: ([\d,]+)", note)
    return [int(n.replace(",", "")) for _, n in found]


def test_quantiles_of_stopping_sizes() -> None:
    stops = np.arange(1.0, 11.0)
    assert finishing_sizes(stops, (0.7, 0.8, 0.9)) == [7, 8, 9]
    assert finishing_sizes(np.array([3.0, np.inf]), (0.5, 0.9)) == [3, -1]


def test_ballot_comparison_sizes_are_ordered_and_hold_in_fresh_simulations() -> None:
    state = make_state("ballot-comparison", "alpha", margin=0.05)
    (est,) = wf.estimates(state)
    n70, n80, n90 = sizes_in(est.note)
    assert "0.1% one-vote overstatements" in est.note
    assert n70 <= n80 <= n90 and n90 >= est.expected_ballots - 1
    assert wf.estimates(state)[0].note == est.note  # seeded: the same every time
    (a,) = wf.assertions(state, "c1")
    no_error, top = comparison_bounds(a)
    one_vote = (1 - 0.5) / (2 - a.diluted_margin)
    rate = 0.02  # a harder setting than the estimate's, to see the quantiles move
    fresh = simulated_stops(
        discrete_sampler([one_vote, no_error], [rate, 1 - rate]),
        0.05,
        upper=top,
        eta0=no_error + 0.8 * (top - no_error),
        population=None,
        cap=a.ballots,
        d=10_000.0,
        sims=2_000,
        seed=99,
    )
    q = finishing_sizes(fresh, (0.7, 0.9))
    assert q[0] < q[1]
    other = simulated_stops(
        discrete_sampler([one_vote, no_error], [rate, 1 - rate]),
        0.05,
        upper=top,
        eta0=no_error + 0.8 * (top - no_error),
        population=None,
        cap=a.ballots,
        d=10_000.0,
        sims=2_000,
        seed=7,
    )
    assert 0.85 <= float(np.mean(other <= q[1])) <= 0.95  # the 90 % size finishes ~90 %


def test_table_comparison_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    rc = reported(tables=400, margin=0.05)
    state = wf.AuditState("t", "table-comparison", 0.05, SEED, ("c1",), {"c1": rc})
    (est,) = wf.estimates(state)
    n70, n80, n90 = sizes_in(est.note)
    assert "1% of tables in error" in est.note and n70 <= n80 <= n90
    monkeypatch.setattr(fs, "TABLE_ERROR_RATE", 0.0)
    clean = fs.table_finish_sizes(state, "c1")
    # no error: the draws needed are fixed, the distinct tables among them vary a little
    assert clean is not None and clean == sorted(clean)
    assert abs(clean[1] - est.expected_tables) <= 3 and clean[2] - clean[0] <= 6
    monkeypatch.setattr(fs, "TABLE_ERROR_RATE", 0.2)
    worse = fs.table_finish_sizes(state, "c1")
    assert worse is not None and worse[2] > n90


def test_table_comparison_wor_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    rc = reported(tables=400, margin=0.05)
    state = wf.AuditState("t", "table-comparison-wor", 0.05, SEED, ("c1",), {"c1": rc})
    (est,) = wf.estimates(state)
    assert "1% of tables in error" in est.note
    monkeypatch.setattr(fs, "TABLE_ERROR_RATE", 0.0)
    clean = fs.table_wor_finish_sizes(state, "c1")
    assert clean == [int(est.expected_tables)] * 3  # no error: every order stops alike


def test_table_comparison_sizes_hold_in_independent_audits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 90 % size finishes about 90 % of audits run as the audit runs: PPEB draws from
    other seeds, independent tables in error, the betting martingale's P-values (without
    replacement; with replacement: the next test)."""
    monkeypatch.setattr(fs, "TABLE_ERROR_SHARE", 0.05)
    monkeypatch.setattr(fs, "TABLE_ERROR_RATE", 0.2)
    rc = reported(tables=400, margin=0.05)
    state = wf.AuditState("t", "table-comparison-wor", 0.05, SEED, ("c1",), {"c1": rc})
    sizes = fs.table_wor_finish_sizes(state, "c1")
    assert sizes is not None and 0 < sizes[0] <= sizes[1] <= sizes[2]
    d = table_comparison.design(rc)
    (pair,) = d.pairs
    w, lo, _ = pair
    rng = np.random.default_rng(99)
    shift = np.maximum(1, np.round(0.05 * rc.ballots)).astype(np.int64)
    stops = []
    for run in range(150):
        hand = rc.candidate_counts.copy()
        wrong = rng.random(len(rc.units)) < 0.2
        hand[wrong, w] -= shift[wrong]
        hand[wrong, lo] += shift[wrong]
        order = ppeb_order_ids(list(rc.units), d.bounds, f"independent-{run}")
        idx = np.array([rc.position[u] for u in order], dtype=np.int64)
        e = table_comparison.pair_overstatements(d, pair, idx, hand[idx])
        p = betting_pvalues(e, d.bounds[idx], float(d.bounds.sum()))
        hit = np.flatnonzero(p <= 0.05)
        stops.append(int(hit[0]) + 1 if hit.size else len(order))
    finished = [float(np.mean(np.array(stops) <= n)) for n in sizes]
    assert finished[0] >= 0.6 and 0.8 <= finished[2] <= 0.98, (sizes, finished)


def test_table_comparison_wr_sizes_hold_in_independent_audits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for the default: MACRO's draws with replacement from other seeds, distinct
    tables counted, the with-replacement betting P-values."""
    monkeypatch.setattr(fs, "TABLE_ERROR_SHARE", 0.05)
    monkeypatch.setattr(fs, "TABLE_ERROR_RATE", 0.2)
    rc = reported(tables=400, margin=0.05)
    state = wf.AuditState("t", "table-comparison", 0.05, SEED, ("c1",), {"c1": rc})
    sizes = fs.table_finish_sizes(state, "c1")
    assert sizes is not None and 0 < sizes[0] <= sizes[1] <= sizes[2]
    d = table_comparison.design(rc)
    (pair,) = d.pairs
    w, lo, _ = pair
    rng = np.random.default_rng(99)
    shift = np.maximum(1, np.round(0.05 * rc.ballots)).astype(np.int64)
    units = sorted(rc.units)
    bounds = d.bounds[[rc.position[u] for u in units]]
    stops = []
    for run in range(150):
        hand = rc.candidate_counts.copy()
        wrong = rng.random(len(rc.units)) < 0.2
        hand[wrong, w] -= shift[wrong]
        hand[wrong, lo] += shift[wrong]
        seq = [units[i] for i in ppeb_sample(bounds, f"independent-{run}", 3000)]
        idx = np.array([rc.position[u] for u in seq], dtype=np.int64)
        t = table_comparison.taints(d, pair, idx, hand[idx])
        hit = np.flatnonzero(wr_pvalues(t, float(d.bounds.sum())) <= 0.05)
        stops.append(len(set(seq[: hit[0] + 1])) if hit.size else len(units))
    finished = [float(np.mean(np.array(stops) <= n)) for n in sizes]
    assert finished[0] >= 0.6 and 0.8 <= finished[2] <= 0.98, (sizes, finished)


def two_contest_state(method: str) -> wf.AuditState:
    """Contest c1 on tables t000–t014, c2 on t015–t029: one manifest of 6,000 ballots."""
    state: wf.AuditState = make_state(method, "alpha", margin=0.2)
    rc = state.reported["c1"]
    half = len(rc.units) // 2
    c1 = replace(rc, units=rc.units[:half], counts=rc.counts[:half], ballots=rc.ballots[:half])
    c2 = replace(
        rc, contest="c2", units=rc.units[half:], counts=rc.counts[half:], ballots=rc.ballots[half:]
    )
    state.contests, state.reported = ("c1", "c2"), {"c1": c1, "c2": c2}
    state.table_batches = frozenset(rc.units)
    state.cvrs = {b: {("c1" if b < "t015" else "c2"): v["c1"]} for b, v in state.cvrs.items()}
    return state


@pytest.mark.parametrize("method", ["ballot-polling", "ballot-comparison"])
def test_one_sample_for_contests_on_different_tables(method: str) -> None:
    state = two_contest_state(method)
    e1, e2 = wf.estimates(state)
    assert e1.tables == e2.tables == 3_000  # each contest's own ballots, not 6,000
    one = make_state(method, "alpha", margin=0.2)
    (whole,) = wf.estimates(one)
    assert e1.margin == pytest.approx(whole.margin)  # no dilution by the other tables
    assert e1.expected_ballots == pytest.approx(2 * whole.expected_ballots, rel=0.25)
    (size,) = wf.first_round_sizes(state).values()
    assert size >= max(e1.expected_ballots, e2.expected_ballots) - 1
    for _ in range(6):
        st_ = wf.status(state)
        sizes = wf.next_round_sizes(state, st_)
        if not sizes:
            break
        state.rounds.append(wf.draw(state, sizes))
        for b, c in state.missing():
            state.counts[(b, c)] = truth(FULL, b)
    done = wf.status(state)
    assert all(c.confirmed for c in done.contests)
    assert sum(c.drawn for c in done.contests) == len(wf.draws(state))  # each draw counts once
    # a ballot is read only in its own table's contest
    assert all((b < "t015") == (c == "c1") for b, c in state.counts)


def test_table_audits_share_the_draw_order_of_shared_tables() -> None:
    rc = reported(tables=60, margin=0.05)
    sub = replace(
        rc, contest="c2", units=rc.units[::2], counts=rc.counts[::2], ballots=rc.ballots[::2]
    )
    state = wf.AuditState(
        "t", "table-comparison-wor", 0.05, SEED, ("c1", "c2"), {"c1": rc, "c2": sub}
    )
    drawn = wf.draw(state, {"c1": 40, "c2": 10})
    shared = [u for u in drawn["c1"] if u in set(sub.units)]
    assert drawn["c2"] == shared[: len(drawn["c2"])]  # one ticket per table for every contest
