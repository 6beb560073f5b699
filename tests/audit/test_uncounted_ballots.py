"""Ballots the audit cannot reach count in the worst way for the reported winners: pending
ballots outside the tables, a table that cannot be found, a hand count with more ballots
than its acta; and next rounds sized from the evidence so far."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from escrutinio.audit.files.handcounts import parse_hand_counts
from escrutinio.audit.stats.sample_size import bootstrap_draws
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.ballots import manifest_problems
from escrutinio.audit.workflow.reported import ReportedContest

sys.path.insert(0, str(Path(__file__).parent))
from test_ballot_audit import make_state, read_all

SEED = "31415926535897932384"


def bolivar_like(tables: int = 400, outside: int = 0, moves: int = 735) -> ReportedContest:
    """Two candidates (three options) with a margin of 2·moves + 1 (default 1,471) votes over
    ``tables`` tables, and ``outside`` ballots in the totals but in no table."""
    rng = np.random.default_rng(7)
    ballots = rng.integers(300, 500, tables).astype(np.int64)
    win = (ballots - 3) // 2
    lose = win.copy()
    other = ballots - win - lose
    per_table = np.bincount(np.arange(moves) % tables, minlength=tables)  # votes l → w
    win, lose = win + per_table, lose - per_table
    win[0], other[0] = win[0] + 1, other[0] - 1  # margin 2·735 + 1 = 1,471
    counts = np.stack([win, other, lose], axis=1)
    rc = ReportedContest(
        contest="gov",
        seats=1,
        option_ids=("w", "o", "l"),
        candidate_ids=("W", "O", "L"),
        option_candidate=(0, 1, 2),
        units=tuple(f"t{i:04d}" for i in range(tables)),
        counts=counts,
        ballots=ballots.astype(np.int64),
        outside_votes=(0, 0, 0) if outside else (),
        outside_ballots=outside,
    )
    assert int(rc.candidate_totals[0] - rc.candidate_totals[2]) == 2 * moves + 1
    return rc


def state_of(rc: ReportedContest, method: str = "table-comparison") -> wf.AuditState:
    return wf.AuditState("t", method, 0.05, SEED, (rc.contest,), {rc.contest: rc})


def count_as_reported(
    state: wf.AuditState, changes: Mapping[str, tuple[int, ...]] | None = None
) -> None:
    for unit, cid in state.missing():
        rc = state.reported[cid]
        votes = (changes or {}).get(unit) or tuple(int(v) for v in rc.counts[rc.position[unit]])
        state.counts[(unit, cid)] = votes


def test_ballots_outside_the_tables_keep_the_audit_going() -> None:
    """The 1,428-pending-ballot case: the same clean sample confirms when only the tables'
    sums are looked at, and keeps auditing once the pending ballots count against the winner."""
    inside = state_of(bolivar_like())
    pending = state_of(bolivar_like(outside=1428))
    size = {"gov": 250}
    for s in (inside, pending):
        s.rounds.append(wf.draw(s, size))
        count_as_reported(s)
    a, b = wf.status(inside).contests[0], wf.status(pending).contests[0]
    assert a.confirmed and a.risk <= 0.05
    assert not b.confirmed and b.risk > 0.05 and b.next_size > 0
    est = wf.estimates(pending)[0]
    assert est.margin == (1471 - 1428) / pending.reported["gov"].ballots_cast


def test_pending_ballots_that_could_change_the_outcome_cannot_be_confirmed() -> None:
    for method in ("table-comparison", "macro"):
        state = state_of(bolivar_like(outside=1500), method)
        st = wf.status(state)
        assert not st.contests[0].confirmed
        assert st.contests[0].full_hand_count
        assert "outside the tables" in st.contests[0].note


def test_macro_counts_pending_ballots_against_the_winner() -> None:
    inside = state_of(bolivar_like(), "macro")
    pending = state_of(bolivar_like(outside=700), "macro")
    for s in (inside, pending):
        s.rounds.append({wf.POOLED: wf.draw(inside, {wf.POOLED: 300})[wf.POOLED]})
        count_as_reported(s)
    assert wf.status(pending).contests[0].risk > wf.status(inside).contests[0].risk


@pytest.mark.parametrize("method", ["table-comparison", "table-comparison-wor"])
def test_a_table_not_found_counts_as_its_worst_case(method: str) -> None:
    state = state_of(bolivar_like(tables=2000, moves=12_000), method)  # margin 3%
    state.rounds.append(wf.draw(state, {"gov": 100}))
    lost = state.rounds[0]["gov"][0]
    text = f"unit,contest,option,votes\n{lost},gov,*,not found\n"
    (hc,) = parse_hand_counts(text, state, "h.csv")
    rc = state.reported["gov"]
    assert hc.votes == (0, 0, int(rc.ballots[rc.position[lost]]) + 1) and hc.reason == "not found"
    clean = state_of(bolivar_like(tables=2000, moves=12_000), method)
    clean.rounds = list(state.rounds)
    count_as_reported(clean)
    count_as_reported(state, {lost: hc.votes})
    lost_st, clean_st = wf.status(state).contests[0], wf.status(clean).contests[0]
    assert lost_st.risk > clean_st.risk
    assert clean_st.confirmed and not lost_st.confirmed
    # the audit goes on: one lost table is not the end (MACRO's P-value would stay at 1). The
    # next round resamples the taints seen so far (1 in 100 a lost table) and asks for most
    # of the tables; a further round of clean tables confirms long before that
    state.rounds.append(wf.draw(state, {"gov": 700}))
    count_as_reported(state)
    assert wf.status(state).contests[0].confirmed


def test_more_ballots_than_the_acta_scores_the_tables_full_bound() -> None:
    state = state_of(bolivar_like())
    state.rounds.append(wf.draw(state, {"gov": 250}))
    unit = state.rounds[0]["gov"][5]
    rc = state.reported["gov"]
    acta = rc.counts[rc.position[unit]]
    extra = (int(acta[0]) + 40, int(acta[1]), int(acta[2]))  # 40 ballots the acta lacks
    lost = (0, 0, int(rc.ballots[rc.position[unit]]) + 1)
    a, b = state_of(bolivar_like()), state_of(bolivar_like())
    a.rounds = b.rounds = list(state.rounds)
    count_as_reported(a, {unit: extra})
    count_as_reported(b, {unit: lost})
    assert wf.status(a).contests[0].risk == wf.status(b).contests[0].risk


def test_full_hand_count_with_pending_ballots_that_could_flip_it() -> None:
    rc = bolivar_like(tables=60, outside=1000)
    state = state_of(rc)
    state.rounds.append(wf.draw(state, {"gov": 60}))
    first = state.rounds[0]["gov"][0]
    acta = rc.counts[rc.position[first]]
    moved = (int(acta[0]) - 250, int(acta[1]), int(acta[2]) + 250)  # margin 1,471 → 971
    count_as_reported(state, {first: moved})
    st = wf.status(state).contests[0]
    assert not st.confirmed and "outside the tables could still change it" in st.note


def test_next_round_uses_the_evidence_against_the_winner() -> None:
    rc = bolivar_like(tables=2000, moves=12_000)  # margin 3%
    neutral, against = state_of(rc), state_of(rc)
    for s in (neutral, against):
        s.rounds.append(wf.draw(s, {"gov": 100}))
    bad = {u: (int(rc.counts[rc.position[u]][0]) - 6, 3, int(rc.counts[rc.position[u]][2]) + 6)
           for u in against.rounds[0]["gov"][:8]}  # fmt: skip
    count_as_reported(neutral, {against.rounds[0]["gov"][0]: bad[against.rounds[0]["gov"][0]]})
    count_as_reported(against, bad)
    n1, n2 = wf.status(neutral).contests[0], wf.status(against).contests[0]
    assert n2.next_size > n1.next_size > 0
    assert "probability" in n2.note or n2.full_hand_count


def test_ballot_methods_need_every_ballot_of_the_totals_in_the_manifest() -> None:
    rc = bolivar_like(tables=50, outside=1428)
    state = state_of(rc, "ballot-polling")
    state.manifest = {u: int(b) for u, b in zip(rc.units, rc.ballots, strict=True)}
    (problem,) = manifest_problems(state)
    assert str(rc.ballots_cast) in problem
    state.manifest["pending"] = 1428
    assert manifest_problems(state) == []


def test_fixed_percentage_cannot_confirm_when_outside_ballots_could_change_it() -> None:
    rc = bolivar_like(tables=100, outside=1500)
    state = state_of(rc, "fixed-percentage")
    state.percent = 50
    state.rounds.append(wf.draw(state, wf.first_round_sizes(state)))
    count_as_reported(state)
    st = wf.status(state).contests[0]
    assert not st.confirmed and st.risk == 1.0


def test_macro_next_round_uses_the_evidence_against_the_winner() -> None:
    rc = bolivar_like(tables=2000, moves=12_000)  # margin 3%
    neutral, against = state_of(rc, "macro"), state_of(rc, "macro")
    first = wf.draw(neutral, {wf.POOLED: 100})
    for s in (neutral, against):
        s.rounds.append(first)
    bad = {
        u: (int(rc.counts[rc.position[u]][0]) - 6, 3, int(rc.counts[rc.position[u]][2]) + 6)
        for u in list(dict.fromkeys(first[wf.POOLED]))[:8]
    }
    count_as_reported(neutral)
    count_as_reported(against, bad)
    n1, n2 = wf.status(neutral).contests[0], wf.status(against).contests[0]
    assert n2.risk > n1.risk
    assert n2.next_size > max(n1.next_size, 1) and "probability" in n2.note


def landslide(outside: int) -> ReportedContest:
    """A referendum-like contest: 'yes' has 70% of the tables' valid votes (200 tables of
    50 ballots, 35 yes / 15 no each) and ``outside`` ballots are in the totals only."""
    counts = np.tile(np.array([35, 15], dtype=np.int64), (200, 1))
    return ReportedContest(
        contest="ref",
        seats=1,
        option_ids=("yes", "no"),
        candidate_ids=("YES", "NO"),
        option_candidate=(0, 1),
        units=tuple(f"t{i:04d}" for i in range(200)),
        counts=counts,
        ballots=np.full(200, 50, dtype=np.int64),
        outside_votes=(0, 0) if outside else (),
        outside_ballots=outside,
    )


def supermajority_status(rc: ReportedContest, tables: int) -> wf.ContestStatus:
    """Status of a two-thirds table audit after ``tables`` tables counted as reported."""
    state = state_of(rc)
    state.threshold = 2 / 3
    state.rounds.append(wf.draw(state, {rc.contest: tables}))
    count_as_reported(state)
    return wf.status(state).contests[0]


def test_supermajority_counts_outside_ballots_as_votes_against_the_winner() -> None:
    # 7,000 of 10,000: 70% > 2/3 over the tables alone; with 600 ballots outside at their
    # worst the share is 7,000/10,600 = 66.0%: no sample of tables can confirm it
    assert supermajority_status(landslide(0), 120).confirmed
    blocked = supermajority_status(landslide(600), 120)
    assert not blocked.confirmed and blocked.risk == 1.0
    # with 200 outside (7,000/10,200 = 68.6%) the audit goes on, needing more evidence
    inside, outside = (
        supermajority_status(landslide(0), 60),
        supermajority_status(landslide(200), 60),
    )
    assert outside.risk > inside.risk


def test_supermajority_full_hand_count_keeps_the_outside_ballots_at_their_worst() -> None:
    # 300 outside: reported 7,000/10,300 = 68.0%. The hand count moves one yes to no in
    # every table: 6,800/10,000 = 68% of the tables (above 2/3) but 6,800/10,300 = 66.0%
    # with the outside ballots at their worst: the outcome cannot be confirmed
    rc = landslide(300)
    state = state_of(rc)
    state.threshold = 2 / 3
    state.rounds.append(wf.draw(state, {rc.contest: 200}))
    count_as_reported(state, {u: (34, 16) for u in rc.units})
    st = wf.status(state).contests[0]
    assert st.audited == 200 and not st.confirmed and st.risk == 1.0
    assert "OUTCOME CHANGED" in st.note


@pytest.mark.parametrize("method", ["ballot-polling", "minerva", "providence", "hybrid"])
def test_every_ballot_method_needs_the_outside_ballots_in_its_manifest(method: str) -> None:
    rc = bolivar_like(tables=50, outside=1428)
    state = state_of(rc, method)
    state.manifest = {u: int(b) for u, b in zip(rc.units, rc.ballots, strict=True)}
    state.table_batches = frozenset(rc.units)
    assert any(str(rc.ballots_cast) in p for p in wf.check_inputs(state))
    state.manifest["pending"] = 1428
    assert not any("ballots but" in p for p in wf.check_inputs(state))


@pytest.mark.parametrize("method", ["ballot-polling", "minerva", "providence", "hybrid"])
def test_ballot_methods_take_the_winner_from_the_totals_with_the_outside_votes(
    method: str,
) -> None:
    # the tables alone give W a 1,471-vote lead; 3,000 outside votes for L reverse it
    rc = replace(bolivar_like(tables=50, outside=3000), outside_votes=(0, 0, 3000))
    state = state_of(rc, method)
    state.manifest = {**{u: int(b) for u, b in zip(rc.units, rc.ballots, strict=True)}}
    state.manifest["pending"] = 3000
    state.table_batches = frozenset(rc.units)
    winners = {a.winner for a in wf.assertions(state, "gov")}
    assert winners == {2}


@pytest.mark.parametrize(
    ("method", "test"), [("ballot-polling", "bravo"), ("ballot-comparison", "alpha")]
)
def test_ballot_next_round_uses_the_evidence_against_the_winner(method: str, test: str) -> None:
    """Round 1 of 40 ballots: read as reported, or with a quarter of them read as votes for
    the loser; the next round grows with the evidence against the winner, and its note
    states the probability of finishing."""
    sizes = []
    for wrong_share in (0, 4):
        state = make_state(method, test, margin=0.1)
        state.rounds.append(wf.draw(state, {"*": 40}))
        drawn = state.rounds[0]["*"]
        read_all(state, set(drawn[::wrong_share]) if wrong_share else set())
        (st,) = wf.status(state).contests
        assert not st.confirmed and st.next_size > 0
        if not st.full_hand_count:
            assert re.search(r"finish with probability [01]\.\d\d", st.note)
        sizes.append(st.next_size)
    assert sizes[1] > sizes[0]


def test_bootstrap_continuations_finish_as_stated() -> None:
    rng = np.random.default_rng(3)
    terms = np.where(rng.random(50) < 0.6, math.log(1.2), math.log(0.8))
    n, q = bootstrap_draws(terms, 0.5, 0.05, 0.9, 10_000, seed=1)
    assert 0 < n < 10_000 and 0.88 <= q <= 0.95
    # fresh continuations (another seed) finish by n about as often
    goal, finished = math.log(20), 0
    for run in range(400):
        path = 0.5 + np.cumsum(np.random.default_rng(100 + run).choice(terms, n))
        finished += bool((path >= goal).any())
    assert 0.82 <= finished / 400 <= 0.97
    assert bootstrap_draws(np.full(10, math.log(0.9)), 0.0, 0.05, 0.9, 500)[0] == 500
