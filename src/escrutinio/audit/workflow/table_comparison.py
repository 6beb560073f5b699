"""``table-comparison``: polling tables of each contest drawn uniformly without replacement
with Rivest's consistent sampler (arXiv:1808.10016); hand counts compared with the actas
through SHANGRLA batch assorters (Stark, FC 2020) tested with ALPHA (Stark, Ann. Appl. Stat.
17(1), 2023). A contest is confirmed when every assertion's P-value is at most the risk
limit; otherwise the next round is sized with ``sample_size.additional_draws``, up to a full
hand count.
"""

from __future__ import annotations

import math

import numpy as np

from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.risk import batch_alpha_risk
from escrutinio.audit.stats.sample_size import additional_draws
from escrutinio.audit.stats.sampling import sample_ids
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.method import (
    escalating_conclusion,
)
from escrutinio.audit.workflow.state import AuditState, AuditStatus, ContestStatus, Estimate


def draw_per_contest(state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
    """Each contest's next tables, continuing its consistent sample from the seed."""
    out: dict[str, list[str]] = {}
    for key, size in sizes.items():
        if size <= 0:
            continue
        rc = state.reported[key]
        out[key] = sample_ids(list(rc.units), state.seed, size, skip=len(state.drawn(key)))
    return out


def draws_at_mean(b: BatchAssorter, mean: float, risk_limit: float) -> float:
    """Tables an ALPHA batch audit needs if every table showed the sample's mean assorter
    value (∞ if the mean gives no evidence for the outcome or the tables run out)."""
    if mean <= 0.5:
        return math.inf
    n = 16
    while True:
        n = min(n, b.n_batches)
        hit = np.flatnonzero(b.pvalues(np.full(n, mean)) <= risk_limit)
        if hit.size:
            return float(hit[0] + 1)
        if n >= b.n_batches:
            return math.inf
        n *= 4


def contest_status(state: AuditState, cid: str) -> ContestStatus:
    """Measured risk of one contest over its audited prefix, and escalation."""
    rc = state.reported[cid]
    n_tab = len(rc.units)
    drawn = state.drawn(cid)
    sample = tb.audited_prefix(state, cid)
    st = ContestStatus(cid, n_tab, len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = tb.discrepancies(state, cid)
    if tb.uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    if tb.tied(rc):
        st.note = "reported tie: a full hand count is required"
        tb.escalate(st, n_tab)
        return st
    assorters = tb.assorters(rc)
    if sample:
        idx = tb.sample_positions(rc, sample)
        cr = batch_alpha_risk(
            assorters,
            rc.candidate_counts[idx],
            tb.hand_matrix(state, cid, sample),
            state.risk_limit,
        )
        st.risk, st.confirmed = cr.risk, cr.confirmed
    if st.confirmed or not sample or len(sample) < len(drawn):
        return st
    if len(sample) >= n_tab:
        full = tb.reconciled(state, cid)
        full.drawn, full.risk = st.drawn, 0.0 if full.confirmed else 1.0
        full.note = "every table hand counted: the hand count is the outcome" + (
            "; OUTCOME CHANGED" if full.outcome_changed else ""
        )
        return full
    extra = 0
    rep_s, act_s = rc.candidate_counts[idx], tb.hand_matrix(state, cid, sample)
    for b, ar in zip(assorters, cr.assertions, strict=True):
        if ar.pvalue <= state.risk_limit:
            continue
        w, lo = b.assertion.winner, b.assertion.loser
        mean = float(b.values(rep_s[:, w], rep_s[:, lo], act_s[:, w], act_s[:, lo]).mean())
        n_obs = draws_at_mean(b, mean, state.risk_limit)
        if not math.isfinite(n_obs):
            extra = n_tab
            break
        extra = max(
            extra,
            additional_draws(ar.pvalue, state.risk_limit, math.log(1 / state.risk_limit) / n_obs),
        )
    tb.escalate(st, max(extra, 1))
    return st


class TableComparison(tb.ActaMethod):
    """The ``table-comparison`` method (see the module's docstring)."""

    name = "table-comparison"

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Expected tables (and their ballots) if no discrepancy is found."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
            n = tb.expected_tables(state, rc)
            note = "uncontested" if n == 0 else ""
            if n >= n_tab:
                n, note = float(n_tab), "full hand count expected"
            out.append(Estimate(cid, n_tab, tb.margin(rc), n, n * mean_ballots, note))
        return out

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """The expected tables per contest (or ``size``), at most the contest's tables."""
        out: dict[str, int] = {}
        for cid in state.contests:
            n_tab = len(state.reported[cid].units)
            if size is not None:
                out[cid] = min(size, n_tab)
            else:
                n = tb.expected_tables(state, state.reported[cid])
                out[cid] = n_tab if not math.isfinite(n) else min(n_tab, math.ceil(n))
        return out

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Each contest's next tables of its consistent sample."""
        return draw_per_contest(state, sizes)

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """ALPHA risk per contest from its batch assorters."""
        return [contest_status(state, c) for c in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """The escalation of every contest not yet confirmed."""
        out = {}
        for c in st.contests:
            if not c.confirmed and c.next_size:
                out[c.contest] = c.next_size if size is None else min(size, c.tables - c.drawn)
        return out

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed, escalating, or a full hand count required."""
        return escalating_conclusion(state, contests, pending)


METHOD = TableComparison()
