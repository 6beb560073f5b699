"""``table-comparison --threshold F``: a supermajority audited table by table.

The tables of each contest are drawn uniformly without replacement with Rivest's
consistent sampler (arXiv:1808.10016), as ``table-comparison`` draws them on this branch;
each table's hand count is compared with its acta
through the batch comparison assorter of the supermajority assertion (SHANGRLA, Stark,
FC 2020, §2.3; :func:`~escrutinio.audit.stats.supermajority.supermajority_batch_assorter`),
tested with the batch assorter's own P-values (ALPHA). Its test stands on its own, so a
change of the plurality table test leaves it valid; the round-by-round escalation (statuses,
next rounds, first-round sizes, conclusion) is shared with ``table-comparison`` through
:class:`~escrutinio.audit.workflow.tables.EscalatingActaMethod`. :func:`variant` gives this
method for a ``table-comparison`` audit with a threshold; the registry's methods are
unchanged.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.sample_size import additional_draws, alpha_batch_sample_size
from escrutinio.audit.stats.sampling import sample_ids
from escrutinio.audit.stats.supermajority import (
    SupermajorityAssertion,
    batch_columns,
    supermajority_assertion,
    supermajority_batch_assorter,
)
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.ballots import threshold_problems
from escrutinio.audit.workflow.method import AuditParameters, Method, no_ballot_inputs
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, ContestStatus, Estimate


def outside_count(rc: ReportedContest) -> int:
    """Ballots of the reported totals in no table (at least the votes outside them)."""
    return max(rc.outside_ballots, sum(rc.outside_votes))


def supermajority_of(state: AuditState, rc: ReportedContest) -> SupermajorityAssertion:
    """The contest's supermajority assertion over its tables' ballots and the ballots
    outside them, which count as valid votes for other candidates (assorter a = 0, the
    least it can be: they can never overstate, so the tables' comparison stays valid over
    the whole population; Bañuelos & Stark 2012)."""
    threshold = state.threshold if state.threshold is not None else 0.5
    totals = rc.candidate_counts.sum(axis=0)
    ballots = max(int(rc.ballots.sum()), int(totals.sum()), 1)
    a = supermajority_assertion(rc.contest, totals, threshold, ballots)
    out = outside_count(rc)
    if not out:
        return a
    return replace(a, loser_votes=a.loser_votes + out, ballots=a.ballots + out)


def assorter_of(state: AuditState, rc: ReportedContest) -> BatchAssorter:
    """The contest's supermajority batch assorter."""
    return supermajority_batch_assorter(
        supermajority_of(state, rc), rc.candidate_counts, rc.ballots
    )


def expected_tables(state: AuditState, rc: ReportedContest) -> float:
    """Tables to audit if every hand count matches its acta (∞ if it cannot stop)."""
    if tb.uncontested(rc):
        return 0.0
    if supermajority_of(state, rc).diluted_margin <= 0:
        return math.inf
    return alpha_batch_sample_size([assorter_of(state, rc)], state.risk_limit).expected


def draws_at_mean(b: BatchAssorter, mean: float, risk_limit: float) -> float:
    """Tables the audit needs if every table showed the sample's mean assorter value
    (∞ if that mean gives no evidence for the outcome or the tables run out)."""
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


def full_count_status(state: AuditState, cid: str, st: ContestStatus) -> ContestStatus:
    """Every table hand counted: the hand count decides whether the winner's share
    exceeds the threshold."""
    rc = state.reported[cid]
    hand = tb.hand_matrix(state, cid, list(rc.units)).sum(axis=0)
    a = supermajority_of(state, rc)
    # the ballots outside the tables stay at their worst: valid votes for other candidates
    share = float(hand[a.winner]) / max(int(hand.sum()) + outside_count(rc), 1)
    reached = share > a.threshold
    st.risk, st.confirmed, st.outcome_changed = (0.0 if reached else 1.0), reached, not reached
    st.corrected_totals = tuple(int(x) for x in hand)
    st.reported_totals = tuple(int(x) for x in rc.candidate_counts.sum(axis=0))
    st.note = "every table hand counted: the hand count is the outcome" + (
        "" if reached else "; OUTCOME CHANGED (the winner did not reach the threshold)"
    )
    return st


def contest_status(state: AuditState, cid: str) -> ContestStatus:
    """Measured risk of one contest's supermajority over its audited prefix, escalation."""
    rc = state.reported[cid]
    n_tab = len(rc.units)
    drawn = state.drawn(cid)
    sample = tb.audited_prefix(state, cid)
    st = ContestStatus(cid, n_tab, len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = tb.discrepancies(state, cid)
    if tb.uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    a = supermajority_of(state, rc)
    if a.diluted_margin <= 0:
        st.note = "the winner's reported share is not above the threshold: full hand count"
        tb.escalate(st, n_tab)
        return st
    b = assorter_of(state, rc)
    x = np.zeros(0)
    if sample:
        idx = tb.sample_positions(rc, sample)
        rw, rl = batch_columns(a, rc.candidate_counts[idx])
        aw, al = batch_columns(a, tb.hand_matrix(state, cid, sample))
        x = b.values(rw, rl, aw, al)
        st.risk = float(b.pvalues(x)[-1])
        st.confirmed = st.risk <= state.risk_limit
    if st.confirmed or not sample or len(sample) < len(drawn):
        return st
    if len(sample) >= n_tab:
        return full_count_status(state, cid, st)
    n_obs = draws_at_mean(b, float(x.mean()), state.risk_limit)
    if not math.isfinite(n_obs):
        tb.escalate(st, n_tab)
        return st
    extra = additional_draws(st.risk, state.risk_limit, math.log(1 / state.risk_limit) / n_obs)
    tb.escalate(st, max(extra, 1))
    return st


class TableSupermajority(tb.EscalatingActaMethod):
    """``table-comparison`` with a threshold (see the module's docstring)."""

    name = "table-comparison"
    thresholds = True

    def check(self, params: AuditParameters) -> AuditParameters:
        """No ballot inputs; the threshold is kept."""
        return no_ballot_inputs(params)

    def input_problems(self, state: AuditState) -> list[str]:
        """Contests with more than one seat or a winner at or below the threshold."""
        return threshold_problems(state)

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Expected tables (and their ballots) if no discrepancy is found."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
            n = expected_tables(state, rc)
            note = "uncontested" if n == 0 else f"supermajority > {state.threshold:.4g}"
            if n >= n_tab:
                n, note = float(n_tab), "full hand count expected"
            margin = supermajority_of(state, rc).diluted_margin if not tb.uncontested(rc) else 1
            out.append(Estimate(cid, n_tab, margin, n, n * mean_ballots, note))
        return out

    def expected_count(self, state: AuditState, rc: ReportedContest) -> float:
        """Tables with no discrepancy (see :func:`expected_tables`)."""
        return expected_tables(state, rc)

    def contest_status(self, state: AuditState, cid: str) -> ContestStatus:
        """The supermajority's risk in the contest (see :func:`contest_status`)."""
        return contest_status(state, cid)

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Each contest's next tables, continuing its consistent sample from the seed."""
        out: dict[str, list[str]] = {}
        for key, size in sizes.items():
            if size > 0:
                units = list(state.reported[key].units)
                out[key] = sample_ids(units, state.seed, size, skip=len(state.drawn(key)))
        return out


METHOD = TableSupermajority()

VARIANTS: dict[str, Method] = {"table-comparison": METHOD}
"""Methods whose audits with a threshold are run by another object."""


def variant(method: Method, threshold: float | None) -> Method:
    """The object that runs ``method`` with ``threshold`` (itself without one)."""
    if threshold is None:
        return method
    return VARIANTS.get(method.name, method)
