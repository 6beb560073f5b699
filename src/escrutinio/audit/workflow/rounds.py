"""An audit's rounds: sample sizes, draws, measured risk, escalation and conclusion.

Pure functions over an :class:`AuditState` (the store keeps the state; ``store/audits.py``),
each handing the work to the audit's method (:mod:`escrutinio.audit.workflow.registry`).
Only the longest prefix of the draw order whose units all have hand counts enters a test, so
a partially counted round is still a uniform (or PPEB) sample.

Reproducing a draw: for a contest, take its table ids (the audit's reported snapshot, as in
``retrieval.csv``), then ``consistent_sampler.sampler(ids, seed=SEED,
with_replacement=False, output="id")`` yields the tables in draw order; round r continues
where round r−1 stopped (fixed percentage, full hand count, a threshold). Table comparison
(PPEB with replacement): :mod:`escrutinio.audit.workflow.table_comparison`, without:
:mod:`escrutinio.audit.workflow.table_comparison_wor`; MACRO draws:
:mod:`escrutinio.audit.workflow.macro`; ballots: :mod:`escrutinio.audit.workflow.ballots`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.assertions import Assertion
from escrutinio.audit.workflow.ballots import (
    BallotMethod,
    ballot_contests,
    candidate_marks,
    draws,
)
from escrutinio.audit.workflow.finish_sizes import with_finish_sizes
from escrutinio.audit.workflow.fixed_percentage import no_discrepancy_risk
from escrutinio.audit.workflow.method import AuditParameters, Method, check_common
from escrutinio.audit.workflow.registry import METHODS, method_named, resolved_name
from escrutinio.audit.workflow.state import (
    POOLED,
    AuditState,
    AuditStatus,
    ContestStatus,
    Discrepancy,
    Estimate,
    HandCount,
)
from escrutinio.audit.workflow.supermajority_tables import variant

__all__ = [
    "METHODS",
    "POOLED",
    "AuditParameters",
    "AuditState",
    "AuditStatus",
    "ContestStatus",
    "Discrepancy",
    "Estimate",
    "HandCount",
    "assertions",
    "ballot_contests",
    "candidate_marks",
    "check_inputs",
    "check_parameters",
    "draw",
    "draws",
    "estimates",
    "first_round_sizes",
    "method_of",
    "next_round_sizes",
    "no_discrepancy_risk",
    "status",
]


def method_of(state: AuditState) -> Method:
    """The audit's method (with a threshold: the method's supermajority variant, if any)."""
    return variant(method_named(resolved_name(state.method, state.draws)), state.threshold)


def check_parameters(params: AuditParameters, known_contests: Collection[str]) -> AuditParameters:
    """The parameters checked (method, risk limit, seed, contests, and what the method
    needs) with the method's defaults filled in; raises :class:`AuditParameterError`."""
    method = variant(method_named(params.method), params.threshold)
    check_common(params, known_contests)
    if params.threshold is not None and not getattr(method, "thresholds", False):
        with_threshold = ", ".join(
            n for n, m in METHODS.items() if getattr(variant(m, 0.5), "thresholds", False)
        )
        raise AuditParameterError(
            "threshold", f"{params.method} audits take no threshold (supported: {with_threshold})"
        )
    return method.check(replace(params, contests=tuple(params.contests)))


def check_inputs(state: AuditState) -> list[str]:
    """Problems that make the method's own inputs (manifest, CVRs) unusable for the
    audited contests."""
    return method_of(state).input_problems(state)


def assertions(state: AuditState, cid: str) -> list[Assertion]:
    """Winner–loser assertions of a ballot-level audit over the manifest (comparison: from
    the CVR totals)."""
    method = method_of(state)
    if not isinstance(method, BallotMethod):
        raise TypeError(f"{state.method} audits have no ballot assertions")
    return method.assertions(state, cid)


def estimates(state: AuditState) -> list[Estimate]:
    """Per contest: expected tables and ballots to retrieve (or attained risk, fixed %);
    comparison audits add their sizes for a 70/80/90 % chance of finishing in round 1."""
    return with_finish_sizes(state, method_of(state).estimates(state))


def first_round_sizes(state: AuditState, size: int | None = None) -> dict[str, int]:
    """Round-1 sizes per contest (MACRO and ballot-level: key ``"*"``, draws); ``size``
    overrides."""
    return method_of(state).first_round_sizes(state, size)


def draw(state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
    """The next round's tables (ballot-level: ballots): continues each contest's consistent
    sample from the seed."""
    return method_of(state).draw(state, sizes)


def status(state: AuditState) -> AuditStatus:
    """Measured risk per contest, discrepancies, escalation and the overall conclusion."""
    method = method_of(state)
    contests = method.statuses(state)
    pending = len(state.missing())
    return AuditStatus(
        len(state.rounds), contests, pending, method.conclusion(state, contests, pending)
    )


def next_round_sizes(state: AuditState, st: AuditStatus, size: int | None = None) -> dict[str, int]:
    """Sizes of the next round (empty when nothing is to be drawn)."""
    method = method_of(state)
    if not state.rounds:
        return method.first_round_sizes(state, size)
    if st.pending:
        return {}
    return method.next_round_sizes(state, st, size)
