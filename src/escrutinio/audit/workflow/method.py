"""The contract every audit method fulfils, and the checks of an audit's parameters.

A method is one module of this package exposing an object that satisfies :class:`Method`;
:mod:`escrutinio.audit.workflow.registry` maps its name to it. The round functions of
:mod:`escrutinio.audit.workflow.rounds` only ever call these entry points, so adding a method
touches its own module and the registry, nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.workflow.state import AuditState, AuditStatus, ContestStatus, Estimate


@dataclass(frozen=True)
class AuditParameters:
    """What an audit is asked to do, before anything is stored.

    ``manifest`` (batch → ballots) and ``cvrs`` (ballot → contest → 0/1 per option) are
    the ballot methods' inputs; ``test`` the risk-measuring test (empty: the method's
    default); ``replacement`` False samples ballots without replacement; ``threshold`` the
    share of the valid votes the winner needs (supermajority; None: plurality).
    """

    method: str
    risk_limit: float
    seed: str
    contests: tuple[str, ...]
    percent: float | None = None
    manifest: Mapping[str, int] | None = None
    cvrs: Mapping[str, Mapping[str, tuple[int, ...]]] | None = None
    test: str = ""
    replacement: bool = True
    threshold: float | None = None


class Method(Protocol):
    """One audit method: how it sizes, draws, measures and concludes.

    ``unit`` names what it draws (``tables`` or ``ballots``); ``tests`` the risk-measuring
    tests it accepts, the first being the default (empty when it has no choice); ``inputs``
    the files it takes besides the actas (``manifest``, ``cvrs``).
    """

    name: str
    unit: str
    tests: tuple[str, ...]
    inputs: tuple[str, ...]

    def check(self, params: AuditParameters) -> AuditParameters:
        """The parameters with defaults filled in; raises :class:`AuditParameterError`
        naming the parameter and what it must be."""
        ...

    def input_problems(self, state: AuditState) -> list[str]:
        """Why the method's own inputs (manifest, CVRs) do not fit the reported results."""
        ...

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Per contest: expected units to retrieve (or the attained risk) before drawing."""
        ...

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """Round-1 sizes per draw key; ``size`` overrides the estimate."""
        ...

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """The next round's units, continuing the consistent sample from the seed."""
        ...

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Measured risk, discrepancies and escalation of every audited contest."""
        ...

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """Sizes of the next round once round 1 is drawn and fully counted (empty: none)."""
        ...

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """The overall conclusion in one sentence."""
        ...


def check_common(params: AuditParameters, known_contests: Collection[str]) -> None:
    """Checks every method shares: risk limit in (0, 1), a seed, known contests."""
    if not 0 < params.risk_limit < 1:
        raise AuditParameterError("risk_limit", "the risk limit must be between 0 and 1")
    if not params.seed.strip():
        raise AuditParameterError("seed", "the public random seed must not be empty")
    if params.threshold is not None and not 0.5 <= params.threshold < 1:
        raise AuditParameterError("threshold", "the threshold share must be in [1/2, 1)")
    unknown = [c for c in params.contests if c not in known_contests]
    if unknown or not params.contests:
        raise AuditParameterError(
            "contest", f"unknown contest(s): {', '.join(unknown) or '(none given)'}"
        )


def no_ballot_inputs(params: AuditParameters) -> AuditParameters:
    """Refuse ballot-method inputs given to a table method; clear its test."""
    for name, value in (("manifest", params.manifest), ("cvrs", params.cvrs)):
        if value:
            raise AuditParameterError(
                name, f"a {params.method} audit draws tables and takes no {name}"
            )
    return replace(params, test="", manifest=None, cvrs=None)  # one test; --test is ignored


def progress(state: AuditState, pending: int) -> str | None:
    """The conclusion while a round is not drawn or not fully counted (None otherwise)."""
    if not state.rounds:
        return "not started: draw round 1"
    if pending:
        return f"round {len(state.rounds)} in progress: {pending} hand counts missing"
    return None


def escalating_conclusion(state: AuditState, contests: list[ContestStatus], pending: int) -> str:
    """Conclusion of a method that escalates round by round up to a full hand count."""
    early = progress(state, pending)
    if early is not None:
        return early
    if any(c.outcome_changed for c in contests):
        return "hand count complete: an outcome changed"
    if all(c.confirmed for c in contests):
        return "confirmed: every contest's risk is within the risk limit"
    if any(c.full_hand_count for c in contests):
        return "full hand count required"
    return "not confirmed yet: draw the next round"
