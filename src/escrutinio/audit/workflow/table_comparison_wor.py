"""``table-comparison-wor`` (the default ``table-comparison`` until it drew with
replacement; audits recorded as ``table-comparison`` before then, without a ``draws`` entry,
run here): each contest's polling tables drawn without replacement with
probability proportional to their MACRO error bound (PPEB; Stark, Ann. Appl. Stat. 2(3),
2008), hand counts compared with the actas and tested with a betting martingale per
winner–loser pair (:mod:`escrutinio.audit.stats.ppeb_betting`: aGRAPA bets, Waudby-Smith &
Ramdas 2024; the without-replacement null of ALPHA, Stark 2023).

Draw order of a contest: its tables (the audit's reported snapshot) sorted by
−ln(τ)/u, τ the table's first ticket of Rivest's consistent sampler for the seed
(``consistent_sampler.first_fraction(table, SEED)``) and u its error bound
(:func:`escrutinio.audit.stats.sampling.ppeb_order_ids`); round r continues where round
r−1 stopped. A table that could not be retrieved is recorded with every option at its
worst: it is scored as the largest overstatement its bound allows, as is a hand count with
more ballots than its acta. Ballots outside the tables reduce every margin by the most they
could overstate it (Bañuelos & Stark 2012).

The next round is sized by simulating the audit's continuation from the current martingale
state, drawing the remaining tables as the audit would and giving them the taints observed
so far: it is the number of tables that finishes in :data:`FINISH_PROBABILITY` of the
simulations, and the status note states that probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from escrutinio.audit.stats.macro import BatchContest, contest_error_bounds
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.ppeb_betting import (
    TaintSampler,
    betting_pvalues,
    quantile_draws,
    running_state,
    simulate_stops,
)
from escrutinio.audit.stats.sampling import ppeb_order_ids
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, ContestStatus, Estimate

FINISH_PROBABILITY = 0.9
"""Target probability that the next round's size finishes the audit."""

SIMULATIONS = 200
"""Simulated audits behind every estimate (fixed seed: estimates are reproducible)."""


@dataclass(frozen=True)
class Design:
    """A contest as the table-comparison test sees it: its tables' error bounds ``u`` (max
    over pairs) and, per pair, the margin V' and the reported w − l of every table."""

    contest: BatchContest
    bounds: FloatArray
    pairs: tuple[tuple[int, int, int], ...]


def design(rc: ReportedContest) -> Design:
    """The error bounds and pairs of a contest (see :class:`Design`)."""
    c = tb.stats_contest(rc, list(rc.units))
    per_pair = contest_error_bounds(c)
    bounds = np.maximum.reduce(per_pair) if per_pair else np.zeros(len(rc.units))
    pairs = tuple((w, lo, c.margin(w, lo)) for w, lo in c.pairs())
    return Design(c, np.maximum(bounds, 0.0), pairs)


def draw_order(state: AuditState, cid: str) -> list[str]:
    """Every table of the contest in draw order for the audit's seed."""
    rc = state.reported[cid]
    return ppeb_order_ids(list(rc.units), design(rc).bounds, state.seed)


def pair_overstatements(
    d: Design, pair: tuple[int, int, int], idx: np.ndarray, actual: np.ndarray
) -> FloatArray:
    """e_p = ((r_w − r_l) − (a_w − a_l)) / V' of the tables ``idx`` with hand counts
    ``actual[k, candidate]``; a hand count with more ballots than the acta scores the
    table's full bound (its worst case)."""
    w, lo, v = pair
    rep = d.contest.reported[idx]
    e = ((rep[:, w] - rep[:, lo]) - (actual[:, w] - actual[:, lo])) / v
    over = actual.sum(axis=1) > d.contest.ballots[idx]
    out: FloatArray = np.where(over, np.maximum(e, d.bounds[idx]), e).astype(np.float64)
    return out


def expected_tables(state: AuditState, rc: ReportedContest) -> tuple[float, float]:
    """Mean and 90th percentile of the tables a table-comparison audit needs with no
    discrepancy (∞ if it cannot stop: a tie, or ballots outside the tables that could
    change the outcome)."""
    if tb.uncontested(rc):
        return 0.0, 0.0
    if tb.tied(rc):
        return math.inf, math.inf
    d = design(rc)
    n_tab = len(rc.units)
    # with no discrepancy every pair's taints are 0 and the bounds are shared: one run
    stops = simulate_stops(
        d.bounds, TaintSampler(np.zeros(n_tab)), state.risk_limit, runs=SIMULATIONS, seed=0
    )
    n = np.where(stops > 0, stops, n_tab)
    return float(n.mean()), float(np.quantile(n, FINISH_PROBABILITY))


def _next_round(
    state: AuditState, d: Design, pair: tuple[int, int, int], e: FloatArray, idx: np.ndarray
) -> tuple[int, float]:
    """Further tables that finish the pair's test with :data:`FINISH_PROBABILITY` when the
    tables still to draw show the taints observed so far; and that probability."""
    n_tab = d.bounds.size
    u_seen = d.bounds[idx]
    taints = np.where(u_seen > 0, e / np.where(u_seen > 0, u_seen, 1.0), 0.0)
    start = running_state(e, u_seen, float(d.bounds.sum()))
    left = np.setdiff1d(np.arange(n_tab), idx)
    stops = simulate_stops(
        d.bounds,
        TaintSampler(values=np.minimum(taints, 1.0)),
        state.risk_limit,
        runs=SIMULATIONS,
        seed=len(idx),
        state=start,
        available=left,
    )
    return quantile_draws(stops, FINISH_PROBABILITY, left.size)


def contest_status(state: AuditState, cid: str) -> ContestStatus:
    """Measured risk of one contest over its audited prefix, and escalation."""
    rc = state.reported[cid]
    n_tab = len(rc.units)
    drawn = state.drawn(cid)
    sample = tb.audited_prefix(state, cid)
    st = ContestStatus(cid, n_tab, len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = tb.discrepancies(state, cid)
    if tb.settled_without_test(rc, st):
        return st
    d = design(rc)
    idx = tb.sample_positions(rc, sample)
    actual = tb.hand_matrix(state, cid, sample) if sample else np.zeros((0, 0), np.int64)
    total = float(d.bounds.sum())
    per_pair = []
    for pair in d.pairs:
        e = pair_overstatements(d, pair, idx, actual) if sample else np.zeros(0)
        p = betting_pvalues(e, d.bounds[idx], total)
        per_pair.append((pair, e, float(p[-1]) if p.size else 1.0))
    st.risk = max(r for _, _, r in per_pair)
    st.confirmed = bool(sample) and st.risk <= state.risk_limit
    if st.confirmed or not sample or len(sample) < len(drawn):
        return st
    if len(sample) >= n_tab:
        return fully_counted(state, cid, st)
    extra, prob = 0, 1.0
    for pair, e, risk in per_pair:
        if risk > state.risk_limit:
            n, q = _next_round(state, d, pair, e, idx)
            if n >= extra:
                extra, prob = n, q
    tb.escalate(st, max(extra, 1))
    if not st.full_hand_count:
        st.note = (
            f"next round: {st.next_size} tables finish the audit with probability "
            f"{prob:.2f} if the rest show the discrepancies seen so far"
        )
    return st


def fully_counted(state: AuditState, cid: str, st: ContestStatus) -> ContestStatus:
    """Every table hand counted: the hand count (and the worst case outside) decides."""
    rc = state.reported[cid]
    full = tb.reconciled(state, cid)
    full.drawn = st.drawn
    outside = rc.outside_ballots or rc.outside_votes
    safe = True
    if outside and full.corrected_totals is not None:
        # hand-counted tables plus the outside part at its worst: c_w − c_l − o_b
        corrected = np.asarray(full.corrected_totals, dtype=np.int64)
        for w, lo in tb.stats_contest(rc, list(rc.units)).all_pairs():
            safe = safe and int(corrected[w] - corrected[lo]) - rc.outside_ballots > 0
    full.confirmed = full.confirmed and safe
    full.risk = 0.0 if full.confirmed else 1.0
    full.note = "every table hand counted: the hand count is the outcome" + (
        "; OUTCOME CHANGED" if full.outcome_changed else ""
    )
    if not safe:
        full.note += "; the ballots outside the tables could still change it"
    return full


class TableComparisonWor(tb.EscalatingActaMethod):
    """The ``table-comparison-wor`` method (see the module's docstring)."""

    name = "table-comparison-wor"

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Expected tables (and their ballots) if no discrepancy is found."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
            n, p90 = expected_tables(state, rc)
            note = "uncontested" if n == 0 else f"90% finish within {p90:.0f} tables"
            if n >= n_tab:
                n, note = float(n_tab), "full hand count expected"
            out.append(Estimate(cid, n_tab, tb.margin(rc), n, n * mean_ballots, note))
        return out

    def expected_count(self, state: AuditState, rc: ReportedContest) -> float:
        """Mean tables with no discrepancy (see :func:`expected_tables`)."""
        return expected_tables(state, rc)[0]

    def contest_status(self, state: AuditState, cid: str) -> ContestStatus:
        """Betting-martingale risk of the contest (see :func:`contest_status`)."""
        return contest_status(state, cid)

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Each contest's next tables in its PPEB order."""
        out: dict[str, list[str]] = {}
        for cid, size in sizes.items():
            if size <= 0:
                continue
            skip = len(state.drawn(cid))
            out[cid] = draw_order(state, cid)[skip : skip + size]
        return out


METHOD = TableComparisonWor()
