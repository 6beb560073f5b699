"""First-round sizes that finish a comparison audit in one round with probability 70/80/90 %.

For ``ballot-comparison`` and ``table-comparison``, by seeded simulation of the audit under
the reported results with a stated error rate (Arlo offers these three sizes for its
rounds; its comparison estimates are not simulated):

* ballot comparison: each drawn ballot independently carries a one-vote overstatement
  (a CVR vote for the winner read as no vote) with probability
  :data:`BALLOT_ERROR_RATE`, drawn with replacement (ALPHA or Kaplan–Markov, as the audit);
* table comparison: each table independently has an error with probability
  :data:`TABLE_ERROR_RATE`; an erroneous acta gave the winner 1 % of the table's ballots
  (at least one) that the hand count gives to the loser (a supermajority: to the strongest
  other candidate); tables drawn and tested as the audit draws and tests them: PPEB with
  replacement (``table-comparison``, sizes in distinct tables) or without
  (``table-comparison-wor``) and the betting martingale of every winner–loser pair
  (:mod:`escrutinio.audit.stats.ppeb_wr_betting`, :mod:`escrutinio.audit.stats.ppeb_betting`;
  the same draws for every pair of a simulated audit, which stops when all pairs have);
  with a threshold, uniform draws and the supermajority batch assorter's P-values.

The size for q is the q-quantile of the :data:`SIMS` simulated stopping sizes (every
assertion of the contest stopped); −1 is shown as "full hand count".
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from escrutinio.audit.stats.assertions import Assertion, comparison_assorter
from escrutinio.audit.stats.batch_assorter import BatchAssorter
from escrutinio.audit.stats.kaplan_markov import SUPER_SIMPLE_GAMMA
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.ppeb_betting import TaintSampler, simulate_stops
from escrutinio.audit.stats.ppeb_wr_betting import simulate_wr
from escrutinio.audit.stats.simulated_sizes import (
    discrete_sampler,
    finishing_sizes,
    permutation_stops,
    simulated_stops,
)
from escrutinio.audit.stats.supermajority import (
    SupermajorityAssertion,
    batch_columns,
    comparison_bounds,
)
from escrutinio.audit.workflow import tables as tb
from escrutinio.audit.workflow.ballots import BallotMethod, total_ballots
from escrutinio.audit.workflow.registry import method_named, resolved_name
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, Estimate, IntArray
from escrutinio.audit.workflow.supermajority_tables import assorter_of, supermajority_of
from escrutinio.audit.workflow.table_comparison_wor import design

TARGETS = (0.7, 0.8, 0.9)
BALLOT_ERROR_RATE = 0.001
TABLE_ERROR_RATE = 0.01
TABLE_ERROR_SHARE = 0.01
SIMS = 200
SEED = 20180914


def ballot_assertion_stops(state: AuditState, a: Assertion, seed: int) -> FloatArray:
    """Simulated stopping sizes of one assertion of a ballot-comparison audit."""
    u = a.upper if isinstance(a, SupermajorityAssertion) else 1.0
    no_error, top = comparison_bounds(a, u)
    one_vote = float(comparison_assorter(u - 0.5, a.diluted_margin, u))
    sampler = discrete_sampler([one_vote, no_error], [BALLOT_ERROR_RATE, 1 - BALLOT_ERROR_RATE])
    terms = None
    if state.test == "kaplan-markov":
        g, v = SUPER_SIMPLE_GAMMA, a.diluted_margin

        def km(x: FloatArray) -> FloatArray:
            omega = u * (1 - x * (2 - v / u))  # back from B to ω
            out: FloatArray = np.log1p(-omega / g) - math.log(1 - v / (2 * g))
            return out

        terms = km
    return simulated_stops(
        sampler,
        state.risk_limit,
        upper=top,
        eta0=no_error + 0.8 * (top - no_error),
        population=None if state.replacement else a.ballots,
        cap=a.ballots,
        d=10_000.0,
        sims=SIMS,
        seed=seed,
        chunk=2_000,
        iid_terms=terms,
    )


def ballot_finish_sizes(state: AuditState, cid: str) -> list[int] | None:
    """Ballots for each target probability of finishing (None: nothing to audit)."""
    method = method_named(state.method)
    rc = state.reported[cid]
    if not isinstance(method, BallotMethod) or len(rc.candidate_ids) <= rc.seats:
        return None
    asr = method.assertions(state, cid)
    if min(a.diluted_margin for a in asr) <= 0:
        return None
    stops = np.max([ballot_assertion_stops(state, a, SEED) for a in asr], axis=0)
    n_all = total_ballots(state)
    stops = np.where(np.isfinite(stops), stops, np.inf)
    out = []
    for n in finishing_sizes(stops, TARGETS):  # draws in the contest's batches → manifest
        drawn = math.ceil(method.manifest_draws(state, cid, n)) if n >= 0 else n_all
        out.append(-1 if drawn >= n_all else drawn)
    return out


class RunTaints(TaintSampler):
    """Fixed taints per simulated audit: ``matrix[run, table]``."""

    def __init__(self, matrix: FloatArray) -> None:
        """Taints of every table in every simulated audit."""
        super().__init__()
        self.matrix = matrix

    def __call__(self, rng: np.random.Generator, order: IntArray, idx: IntArray) -> FloatArray:
        """Taints of each run's drawn positions ``order`` (into the available ``idx``)."""
        out: FloatArray = np.take_along_axis(self.matrix[:, idx], order, axis=1)
        return out


def ppeb_finish_stops(
    state: AuditState, rc: ReportedContest, wrong: npt.NDArray[np.bool_], replacement: bool
) -> FloatArray:
    """Simulated stopping sizes in tables (∞: a full hand count) of the table-comparison
    audit (with replacement: distinct tables) of a contest whose tables ``wrong[run,
    table]`` carry the error described above."""
    d = design(rc)
    shift = np.maximum(1, np.round(TABLE_ERROR_SHARE * rc.ballots)).astype(np.float64)
    u = d.bounds
    stops = np.zeros(wrong.shape[0])
    for _, _, v in d.pairs:
        with np.errstate(divide="ignore", invalid="ignore"):
            taint = np.where(u > 0, np.minimum(2 * shift / v / u, 1.0), 0.0)
        taints = RunTaints(np.where(wrong, taint[None, :], 0.0))
        if replacement:
            drawn, run = simulate_wr(u, taints, state.risk_limit, runs=wrong.shape[0], seed=SEED)
            run = np.where(drawn > 0, np.maximum(run, 1), 0)
        else:
            run = simulate_stops(u, taints, state.risk_limit, runs=wrong.shape[0], seed=SEED)
        stops = np.maximum(stops, np.where(run > 0, run, np.inf))
    return stops


def table_finish_sizes(state: AuditState, cid: str) -> list[int] | None:
    """Tables for each target probability of finishing, drawn with replacement (None:
    nothing to audit)."""
    return _table_finish_sizes(state, cid, replacement=True)


def table_wor_finish_sizes(state: AuditState, cid: str) -> list[int] | None:
    """Tables for each target probability of finishing, drawn without replacement."""
    return _table_finish_sizes(state, cid, replacement=False)


def _table_finish_sizes(state: AuditState, cid: str, replacement: bool) -> list[int] | None:
    """Tables for each target probability of finishing (None: nothing to audit)."""
    rc = state.reported[cid]
    if tb.uncontested(rc) or tb.tied(rc):
        return None
    cand = rc.candidate_counts
    # the tables in error come from a stream of their own: the draw order's stream is
    # seeded with SEED, and sharing it would put the tables in error last in every order
    rng = np.random.default_rng([SEED, 1])
    wrong = rng.random((SIMS, len(rc.units))) < TABLE_ERROR_RATE
    if state.threshold is None:
        sizes = finishing_sizes(ppeb_finish_stops(state, rc, wrong, replacement), TARGETS)
        return [-1 if n >= len(rc.units) else n for n in sizes]
    shift = np.maximum(1, np.round(TABLE_ERROR_SHARE * rc.ballots)).astype(np.int64)
    stops = np.zeros(SIMS)
    for b, clean, bad in table_values(state, rc, cand, shift):
        values = np.where(wrong, bad[None, :], clean[None, :])

        def pv(x: FloatArray, b: BatchAssorter = b) -> FloatArray:
            return b.pvalues(x)

        stops = np.maximum(stops, permutation_stops(values, pv, state.risk_limit, seed=SEED))
    return finishing_sizes(stops, TARGETS)


def table_values(
    state: AuditState, rc: ReportedContest, cand: IntArray, shift: IntArray
) -> list[tuple[BatchAssorter, FloatArray, FloatArray]]:
    """Per batch assorter of the contest: each table's value when its hand count matches
    and when ``shift`` votes the acta gave the winner belonged to the loser (with a
    threshold: to the strongest other candidate)."""
    out = []
    if state.threshold is not None:
        a = supermajority_of(state, rc)
        if a.diluted_margin <= 0:
            return []
        b = assorter_of(state, rc)
        other = int(np.argsort(-cand.sum(axis=0))[1]) if cand.shape[1] > 1 else a.winner
        hand = cand.copy()
        hand[:, a.winner] -= shift
        hand[:, other] += shift
        sw, sl = batch_columns(a, cand)
        aw, al = batch_columns(a, hand)
        return [(b, b.values(sw, sl, sw, sl), b.values(sw, sl, aw, al))]
    for b in tb.assorters(rc):
        rw, rl = cand[:, b.assertion.winner], cand[:, b.assertion.loser]
        out.append((b, b.values(rw, rl, rw, rl), b.values(rw, rl, rw - shift, rl + shift)))
    return out


def finish_note(sizes: list[int], assumption: str) -> str:
    """The sizes as an estimate note."""
    shown = [f"{n:,}" if n >= 0 else "full hand count" for n in sizes]
    return f"P(finish in round 1) {assumption}: " + ", ".join(
        f"{t:.0%}: {s}" for t, s in zip(TARGETS, shown, strict=True)
    )


SIMULATED: dict[str, tuple[Callable[[AuditState, str], list[int] | None], str]] = {
    "ballot-comparison": (
        ballot_finish_sizes,
        f"at {BALLOT_ERROR_RATE:.1%} one-vote overstatements",
    ),
    "table-comparison": (table_finish_sizes, f"with {TABLE_ERROR_RATE:.0%} of tables in error"),
    "table-comparison-wor": (
        table_wor_finish_sizes,
        f"with {TABLE_ERROR_RATE:.0%} of tables in error",
    ),
}
"""Methods with simulated sizes: the sizes' function and the assumption shown."""


def with_finish_sizes(state: AuditState, estimates: list[Estimate]) -> list[Estimate]:
    """The estimates of a comparison audit with the 70/80/90 % sizes added to the note."""
    simulated = SIMULATED.get(resolved_name(state.method, state.draws))
    if simulated is None:
        return estimates
    sizes_of, assumption = simulated
    out = []
    for e in estimates:
        sizes = sizes_of(state, e.contest) if e.note != "uncontested" else None
        if sizes is not None:
            kept = e.note if e.note not in ("", "ballots") else ""
            note = "; ".join(x for x in (kept, finish_note(sizes, assumption)) if x)
            e = Estimate(e.contest, e.tables, e.margin, e.expected_tables, e.expected_ballots, note)
        out.append(e)
    return out
