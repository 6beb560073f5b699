"""``full-hand-count``: every table of each contest, reconciled with its acta (Lindeman &
Stark, IEEE S&P 10(5), 2012): per-table discrepancies, corrected totals, changed outcomes."""

from __future__ import annotations

from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.method import progress
from escrutinio.audit.workflow.state import AuditState, AuditStatus, ContestStatus, Estimate
from escrutinio.audit.workflow.tables import draw_per_contest


class FullHandCount(tb.ActaMethod):
    """The ``full-hand-count`` method (see the module's docstring)."""

    name = "full-hand-count"

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Every table and every ballot."""
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n_tab = len(rc.units)
            out.append(
                Estimate(cid, n_tab, tb.margin(rc), n_tab, float(rc.ballots.sum()), "every table")
            )
        return out

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """Every table of each contest (``size`` does not apply)."""
        return {cid: len(state.reported[cid].units) for cid in state.contests}

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """Every table, in consistent-sample order."""
        return draw_per_contest(state, sizes)

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Reconciliation of every contest."""
        return [tb.reconciled(state, c) for c in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """None: one round holds every table."""
        return {}

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Whether the complete hand count changed an outcome."""
        early = progress(state, pending)
        if early is not None:
            return early
        if any(c.outcome_changed for c in contests):
            return "hand count complete: an outcome changed"
        return "hand count complete: every reported outcome confirmed"


METHOD = FullHandCount()
