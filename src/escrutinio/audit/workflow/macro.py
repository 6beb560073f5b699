"""``macro``: one sample for all contests, tables drawn with replacement with probability
proportional to their MACRO error bound (PPEB) and tested with the Kaplan–Markov P-value
(Stark, Ann. Appl. Stat. 2(3), 2008; IEEE TIFS 4(4), 2009). MACRO draw k uses the first 8
bytes of SHA-256(``"SEED,k"``) as a uniform number against the cumulative error bounds
(``stats.sampling.ppeb_sample``). Ballots outside the tables reduce every margin by the most
they could overstate it (Bañuelos & Stark 2012); a contest whose margin they could erase is
never confirmed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.stats.macro import BatchContest, error_bounds, ppeb_next_draws
from escrutinio.audit.stats.macro import overstatements as macro_overstatements
from escrutinio.audit.stats.risk import macro_risk
from escrutinio.audit.stats.sample_size import additional_draws, macro_sample_size, ppeb_drift
from escrutinio.audit.stats.sampling import ppeb_sample
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.method import (
    escalating_conclusion,
)
from escrutinio.audit.workflow.state import (
    POOLED,
    AuditState,
    AuditStatus,
    ContestStatus,
    Estimate,
)


def pooled_units(state: AuditState) -> list[str]:
    """Sorted union of the audited contests' tables (the MACRO population)."""
    return sorted({u for c in state.contests for u in state.reported[c].units})


def macro_bounds(state: AuditState) -> tuple[list[str], list[BatchContest], NDArray[np.float64]]:
    """MACRO population, the contests as the statistics see them, and error bounds u_p."""
    units = pooled_units(state)
    bcs = [tb.stats_contest(state.reported[c], units) for c in state.contests]
    usable = [b for b in bcs if b.pairs()]
    bounds = error_bounds(usable) if usable else np.zeros(len(units))
    return units, bcs, bounds


def current_taints(
    contests: list[BatchContest],
    bounds: NDArray[np.float64],
    idx: NDArray[np.int64],
    actual: list[NDArray[np.int64]],
) -> tuple[NDArray[np.float64], float]:
    """Taints of the audited draws (a draw beyond its bound scores 1) and the current
    Kaplan–Markov P-value Π (1 − 1/U)/(1 − t) (not its running minimum)."""
    e = macro_overstatements(contests, idx, actual)
    u = bounds[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.minimum(np.where(u > 0, e / u, np.where(e > 0, 1.0, 0.0)), 1.0)
        log_p = idx.size * math.log1p(-1 / float(bounds.sum())) - float(np.sum(np.log1p(-t)))
    return t, float(min(1.0, math.exp(min(log_p, 0.0)))) if math.isfinite(log_p) else 1.0


def statuses(state: AuditState) -> list[ContestStatus]:
    """The joint MACRO risk of every contest and the escalation of the pooled sample."""
    units, bcs, bounds = macro_bounds(state)
    draws = [u for r in state.rounds for u in r.get(POOLED, [])]
    prefix: list[str] = []
    for u in draws:
        if any((u, c) not in state.counts for c in state.contests_of(u)):
            break
        prefix.append(u)
    pos = {u: i for i, u in enumerate(units)}
    risk, taints, p_now = 1.0, np.zeros(0), 1.0
    active = [(b, state.reported[b.contest]) for b in bcs if b.pairs()]
    blocked = {
        b.contest
        for b in bcs
        if b.unconfirmable() and not tb.uncontested(state.reported[b.contest])
    }
    if prefix and active:
        idx = np.array([pos[u] for u in prefix], dtype=np.int64)
        actual = []
        for b, rc in active:
            rows = np.zeros((len(prefix), len(rc.candidate_ids)), dtype=np.int64)
            for k, u in enumerate(prefix):
                if (u, b.contest) in state.counts:
                    rows[k] = rc.by_candidate(state.counts[(u, b.contest)])[0]
            actual.append(rows)
        risk = macro_risk([b for b, _ in active], bounds, idx, actual)
        taints, p_now = current_taints([b for b, _ in active], bounds, idx, actual)
    confirmed = risk <= state.risk_limit and len(prefix) == len(draws) and not blocked
    extra, finish = 0, 1.0
    if not confirmed and len(prefix) == len(draws) and float(bounds.sum()) > 0:
        if prefix and active:
            extra, finish = ppeb_next_draws(
                taints, float(bounds.sum()), p_now, state.risk_limit, cap=20 * len(units)
            )
        else:
            extra = additional_draws(risk, state.risk_limit, ppeb_drift(float(bounds.sum())))
    out = []
    for cid in state.contests:
        rc = state.reported[cid]
        drawn = state.drawn(cid)
        st = ContestStatus(
            cid,
            len(rc.units),
            len(set(drawn)),
            len({u for u in prefix if u in rc.position}),
            0.0 if tb.uncontested(rc) else risk,
            confirmed or tb.uncontested(rc),
            tb.discrepancies(state, cid),
            note="joint MACRO risk of all audited contests",
        )
        if not st.confirmed and extra:
            st.next_size = extra
            st.full_hand_count = len(set(draws)) + extra >= len(units)
            if prefix and not st.full_hand_count:
                st.note += (
                    f"; next round: {extra} draws finish with probability {finish:.2f} if the "
                    "draws show the taints seen so far"
                )
        if cid in blocked:
            st.risk, st.full_hand_count = 1.0, True
            st.note = (
                "a reported tie, or ballots outside the tables that could change the outcome: "
                "no sample can confirm it"
            )
        out.append(st)
    return out


class Macro(tb.ActaMethod):
    """The ``macro`` method (see the module's docstring)."""

    name = "macro"

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Expected PPEB draws with no error, and each contest's expected distinct tables."""
        out: list[Estimate] = []
        units, _, bounds = macro_bounds(state)
        total = float(bounds.sum())
        n = macro_sample_size(total, state.risk_limit).expected if total > 0 else math.inf
        prob = bounds / total if total > 0 else bounds
        distinct = float(np.sum(1 - (1 - prob) ** n)) if math.isfinite(n) else len(units)
        pos = {u: i for i, u in enumerate(units)}
        for cid in state.contests:
            rc = state.reported[cid]
            idx = np.array([pos[u] for u in rc.units], dtype=np.int64)
            share = float(np.sum(1 - (1 - prob[idx]) ** n)) if math.isfinite(n) else len(idx)
            ballots = float(np.sum((1 - (1 - prob[idx]) ** n) * rc.ballots)) if idx.size else 0.0
            out.append(
                Estimate(
                    cid,
                    len(rc.units),
                    tb.margin(rc),
                    share,
                    ballots,
                    f"pooled PPEB: {n:.0f} draws, {distinct:.0f} distinct tables, U={total:.2f}",
                )
            )
        return out

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """Draws of the pooled sample (key ``"*"``): the no-error estimate or ``size``."""
        _, _, bounds = macro_bounds(state)
        if float(bounds.sum()) <= 0:
            return {}  # nothing a sample can confirm: see the status
        if size is None:
            n = macro_sample_size(float(bounds.sum()), state.risk_limit).expected
            size = math.ceil(n) if math.isfinite(n) else len(pooled_units(state))
        return {POOLED: size}

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """The next PPEB draws of the pooled sample."""
        size = sizes.get(POOLED, 0)
        if size <= 0:
            return {}
        units, _, bounds = macro_bounds(state)
        skip = sum(len(r.get(POOLED, [])) for r in state.rounds)
        return {POOLED: [units[i] for i in ppeb_sample(bounds, state.seed, size, skip=skip)]}

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """The joint MACRO risk, shared by every contest."""
        return statuses(state)

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """More pooled draws while a contest is not confirmed."""
        extra = max((c.next_size for c in st.contests if not c.confirmed), default=0)
        return {POOLED: size if size is not None else extra} if extra else {}

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed, escalating, or a full hand count required."""
        return escalating_conclusion(state, contests, pending)


METHOD = Macro()
