"""``fixed-percentage``: a fixed share of each contest's tables drawn uniformly; the risk it
attains is the hypergeometric bound of :mod:`escrutinio.audit.stats.hypergeometric`. It does
not escalate."""

from __future__ import annotations

import math

import numpy as np

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.hypergeometric import attained_risk, min_outcome_changing_tables
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.method import AuditParameters, no_ballot_inputs, progress
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, AuditStatus, ContestStatus, Estimate
from escrutinio.audit.workflow.tables import draw_per_contest


def fixed_size(state: AuditState, rc: ReportedContest) -> int:
    """Tables a fixed-percentage audit draws from the contest."""
    return min(len(rc.units), math.ceil((state.percent or 0) / 100 * len(rc.units)))


def no_discrepancy_risk(rc: ReportedContest, k: int) -> float:
    """Risk a uniform sample of k tables attains if it finds no discrepancy."""
    bc = tb.stats_contest(rc, list(rc.units))
    if not bc.pairs():
        return 0.0 if tb.uncontested(rc) else 1.0
    if min_outcome_changing_tables(bc) > len(rc.units):
        return 0.0
    idx = np.arange(k, dtype=np.int64)
    return attained_risk(bc, idx, bc.reported[idx]).risk


def contest_status(state: AuditState, cid: str) -> ContestStatus:
    """Attained risk of one contest from its audited prefix."""
    rc = state.reported[cid]
    drawn = state.drawn(cid)
    sample = tb.audited_prefix(state, cid)
    st = ContestStatus(cid, len(rc.units), len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = tb.discrepancies(state, cid)
    bc = tb.stats_contest(rc, list(rc.units))
    if tb.uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    if bc.pairs():
        idx = tb.sample_positions(rc, sample)
        act = tb.hand_matrix(state, cid, sample) if sample else np.zeros((0, bc.reported.shape[1]))
        fr = attained_risk(bc, idx, act)
        st.risk = fr.risk
        st.note = f"m*={fr.min_changing_tables} tables; {fr.tables_with_overstatement} overstated"
    st.confirmed = len(sample) == len(drawn) and st.risk <= state.risk_limit
    return st


class FixedPercentage(tb.ActaMethod):
    """The ``fixed-percentage`` method (see the module's docstring)."""

    name = "fixed-percentage"

    def check(self, params: AuditParameters) -> AuditParameters:
        """A percentage in (0, 100]; no ballot inputs."""
        if not (params.percent and 0 < params.percent <= 100):
            raise AuditParameterError(
                "percent", "a fixed-percentage audit needs a percentage between 0 and 100"
            )
        return no_ballot_inputs(params)

    def estimates(self, state: AuditState) -> list[Estimate]:
        """The fixed share of tables and the risk it attains if no discrepancy is found."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
            k = fixed_size(state, rc)
            risk = no_discrepancy_risk(rc, k)
            note = f"attained risk if no discrepancy: {risk:.4g}"
            out.append(Estimate(cid, n_tab, tb.margin(rc), k, k * mean_ballots, note))
        return out

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """The fixed share of each contest's tables (``size`` does not apply)."""
        return {cid: fixed_size(state, state.reported[cid]) for cid in state.contests}

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Each contest's tables of its consistent sample."""
        return draw_per_contest(state, sizes)

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Attained (hypergeometric) risk per contest."""
        return [contest_status(state, c) for c in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """None: a fixed-percentage audit does not escalate."""
        return {}

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed at the risk limit, or not (without escalation)."""
        early = progress(state, pending)
        if early is not None:
            return early
        if any(c.outcome_changed for c in contests):
            return "hand count complete: an outcome changed"
        if all(c.confirmed for c in contests):
            return "confirmed: every contest's risk is within the risk limit"
        return "not confirmed at the risk limit: a fixed-percentage audit does not escalate"


METHOD = FixedPercentage()
