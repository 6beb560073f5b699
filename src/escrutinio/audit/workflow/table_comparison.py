"""``table-comparison`` (the default table audit): each contest's polling tables drawn with
replacement with probability proportional to their MACRO error bound (PPEB; Stark, Ann.
Appl. Stat. 2(3), 2008, and IEEE TIFS 4(4), 2009), hand counts compared with the actas and
tested with an aGRAPA betting martingale per winner–loser pair on those i.i.d. draws
(:mod:`escrutinio.audit.stats.ppeb_wr_betting`; Waudby-Smith & Ramdas, JRSS-B 2024): at no
or small errors it is MACRO's Kaplan–Markov test, and a table not found does not end it.

Draws (:func:`escrutinio.audit.stats.sampling.ppeb_round`): the contest's tables sorted by
id with their bounds u; draw k (counting every earlier draw of the contest, repeats
included) is the table whose cumulative-bound interval holds the first 8 bytes of
SHA-256(``"SEED,k"``) as a uniform number times Σ u, as MACRO draws. A round of n tables
takes every draw until n tables not drawn before have come up (the repeats in between are
hand counted once and count again as evidence); a round that would take every table left
with a positive bound is the full hand count, every undrawn table in id order, and its
tables do not enter the test. The create leaf records ``"draws": "ppeb-with-replacement"``;
an audit recorded as ``table-comparison`` without it drew without replacement and runs as
``table-comparison-wor`` (:mod:`.table_comparison_wor`).

A table that could not be retrieved is recorded with every option at its worst and, as a
hand count with more ballots than its acta, scored at taint 1. Ballots outside the tables
reduce every margin by the most they could overstate it (Bañuelos & Stark 2012).

The next round is sized by simulating the audit's continuation from the current martingale
state, each further draw's taint resampled from the taints observed so far: the number of
new tables that finishes in :data:`FINISH_PROBABILITY` of the simulations, a probability the
status note states.
"""

from __future__ import annotations

import math

import numpy as np

from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.ppeb_betting import TaintSampler, quantile_draws
from escrutinio.audit.stats.ppeb_wr_betting import (
    error_free_draws,
    simulate_wr,
    wr_pvalues,
    wr_state,
)
from escrutinio.audit.stats.sampling import ppeb_round
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, ContestStatus, Estimate
from escrutinio.audit.workflow.table_comparison_wor import (
    Design,
    design,
    fully_counted,
    pair_overstatements,
)

__all__ = [
    "DRAWS",
    "METHOD",
    "Design",
    "TableComparison",
    "contest_draws",
    "contest_status",
    "design",
    "expected_tables",
    "pair_overstatements",
    "taints",
]

DRAWS = "ppeb-with-replacement"
"""The ``draws`` entry of a ``table-comparison`` audit's parameters (create leaf)."""

FINISH_PROBABILITY = 0.9
"""Target probability that the next round's size finishes the audit."""

SIMULATIONS = 200
"""Simulated audits behind every estimate (fixed seed: estimates are reproducible)."""


def contest_draws(state: AuditState, cid: str) -> tuple[list[str], bool]:
    """The contest's PPEB draws in order (repeats included) and whether a later round
    drew every table left (the full hand count, whose tables the test does not use)."""
    n_tab = len(state.reported[cid].units)
    seen: set[str] = set()
    out: list[str] = []
    for r in state.rounds:
        part = r.get(cid, [])
        seen.update(part)
        if part and len(seen) >= n_tab:
            return out, True
        out.extend(part)
    return out, False


def taints(
    d: Design, pair: tuple[int, int, int], idx: np.ndarray, actual: np.ndarray
) -> FloatArray:
    """t = e/u of the drawn tables ``idx`` for one pair (a table of bound 0 with a positive
    overstatement: 1)."""
    e = pair_overstatements(d, pair, idx, actual)
    u = d.bounds[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        t: FloatArray = np.where(u > 0, e / np.where(u > 0, u, 1.0), np.where(e > 0, 1.0, 0.0))
    return t


def expected_tables(state: AuditState, rc: ReportedContest) -> tuple[float, float, float]:
    """Mean, 90th percentile and largest of the distinct tables that :data:`SIMULATIONS`
    error-free audits hand count (∞ if it cannot stop: a tie, or ballots outside the tables
    that could change the outcome); with no discrepancy the draws needed are fixed, the
    tables among them vary."""
    if tb.uncontested(rc):
        return 0.0, 0.0, 0.0
    if tb.tied(rc):
        return math.inf, math.inf, math.inf
    u = design(rc).bounds
    big_u = float(u.sum())
    n = error_free_draws(big_u, state.risk_limit, cap=20 * max(u.size, 1))
    if n == 0:
        return math.inf, math.inf, math.inf
    rng = np.random.default_rng(0)
    cum = np.cumsum(u)
    step = max(1, min(SIMULATIONS, 4_000_000 // n))  # runs at a time: bounded memory
    parts = []
    for first in range(0, SIMULATIONS, step):
        k = min(step, SIMULATIONS - first)
        picks = np.sort(np.searchsorted(cum, rng.random((k, n)) * big_u, "right"), axis=1)
        parts.append(1 + np.count_nonzero(np.diff(picks, axis=1), axis=1))
    distinct = np.concatenate(parts)
    return (
        float(distinct.mean()),
        float(np.quantile(distinct, FINISH_PROBABILITY)),
        float(distinct.max()),
    )


def _next_round(
    state: AuditState, d: Design, t: FloatArray, ppeb: list[str], drawn: set[str]
) -> tuple[int, float]:
    """New tables that finish the pair's test with :data:`FINISH_PROBABILITY` when every
    further draw shows a taint seen so far; and that probability."""
    rc = state.reported[d.contest.contest]
    total = float(d.bounds.sum())
    before = np.array(sorted(rc.position[u] for u in drawn), dtype=np.int64)
    stops, new = simulate_wr(
        d.bounds,
        TaintSampler(values=np.minimum(t, 1.0)),
        state.risk_limit,
        runs=SIMULATIONS,
        seed=len(ppeb),
        state=wr_state(t, total),
        drawn=before,
    )
    left = d.bounds.size - before.size
    need = np.where(stops > 0, np.maximum(new, 1), 0)
    return quantile_draws(need, FINISH_PROBABILITY, left)


def contest_status(state: AuditState, cid: str) -> ContestStatus:
    """Measured risk of one contest over its audited draws, and escalation."""
    rc = state.reported[cid]
    n_tab = len(rc.units)
    every = state.drawn(cid)
    drawn = set(every)
    pending = any((u, cid) not in state.counts for u in drawn)
    ppeb, full = contest_draws(state, cid)
    sample = []
    for u in ppeb:
        if (u, cid) not in state.counts:
            break
        sample.append(u)
    st = ContestStatus(cid, n_tab, len(drawn), len(set(sample)), 1.0, False, [])
    st.discrepancies = tb.discrepancies(state, cid)
    if tb.settled_without_test(rc, st):
        return st
    d = design(rc)
    idx = tb.sample_positions(rc, sample)
    actual = tb.hand_matrix(state, cid, sample) if sample else np.zeros((0, 0), np.int64)
    total = float(d.bounds.sum())
    per_pair = []
    for pair in d.pairs:
        t = taints(d, pair, idx, actual) if sample else np.zeros(0)
        p = wr_pvalues(t, total)
        per_pair.append((t, float(p[-1]) if p.size else 1.0))
    st.risk = max(r for _, r in per_pair)
    st.confirmed = bool(sample) and st.risk <= state.risk_limit
    if st.confirmed or not every or pending:
        return st
    if full or len(drawn) >= n_tab:
        return fully_counted(state, cid, st)
    extra, prob = 0, 1.0
    for t, risk in per_pair:
        if risk > state.risk_limit:
            n, q = _next_round(state, d, t, ppeb, drawn)
            if n >= extra:
                extra, prob = n, q
    tb.escalate(st, max(extra, 1))
    if not st.full_hand_count:
        st.note = (
            f"next round: {st.next_size} new tables finish the audit with probability "
            f"{prob:.2f} if further draws show the discrepancies seen so far"
        )
    return st


class TableComparison(tb.EscalatingActaMethod):
    """The ``table-comparison`` method (see the module's docstring)."""

    name = "table-comparison"

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Expected distinct tables (and their ballots) if no discrepancy is found."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
            n, p90, _ = expected_tables(state, rc)
            note = "uncontested" if n == 0 else f"90% finish within {p90:.0f} tables"
            if n >= n_tab:
                n, note = float(n_tab), "full hand count expected"
            out.append(Estimate(cid, n_tab, tb.margin(rc), n, n * mean_ballots, note))
        return out

    def expected_count(self, state: AuditState, rc: ReportedContest) -> float:
        """Mean distinct tables with no discrepancy (see :func:`expected_tables`)."""
        return expected_tables(state, rc)[0]

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """Per contest ``size``, or the most tables any simulated error-free audit needed, so
        that a clean audit finishes in round 1 (at most the contest's tables)."""
        if size is not None:
            return super().first_round_sizes(state, size)
        out: dict[str, int] = {}
        for cid in state.contests:
            rc = state.reported[cid]
            most = expected_tables(state, rc)[2]
            n_tab = len(rc.units)
            out[cid] = n_tab if not math.isfinite(most) else min(n_tab, math.ceil(most))
        return out

    def contest_status(self, state: AuditState, cid: str) -> ContestStatus:
        """Betting-martingale risk of the contest (see :func:`contest_status`)."""
        return contest_status(state, cid)

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Each contest's next draws: until ``size`` new tables (see the module)."""
        out: dict[str, list[str]] = {}
        for cid, size in sizes.items():
            if size <= 0:
                continue
            rc = state.reported[cid]
            out[cid] = ppeb_round(
                list(rc.units), design(rc).bounds, state.seed, state.drawn(cid), size
            )
        return out


METHOD = TableComparison()
