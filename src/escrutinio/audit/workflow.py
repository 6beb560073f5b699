"""An audit's rounds: sample sizes, draws, measured risk, escalation and conclusion.

Pure functions over an :class:`AuditState` (the store keeps the state; ``store/audits.py``).
Methods, all with polling tables (actas) as batches:

* ``table-comparison``: tables of each contest drawn uniformly without replacement with
  Rivest's consistent sampler (arXiv:1808.10016); hand counts compared with the actas
  through SHANGRLA batch assorters (Stark, FC 2020) tested with ALPHA (Stark, Ann. Appl.
  Stat. 17(1), 2023). A contest is confirmed when every assertion's P-value is at most the
  risk limit.
* ``macro``: one sample for all contests, tables drawn with replacement with probability
  proportional to their MACRO error bound (PPEB), Kaplan–Markov P-value (Stark, Ann. Appl.
  Stat. 2(3), 2008; IEEE TIFS 4(4), 2009).
* ``full-hand-count``: every table, reconciled with its acta (Lindeman & Stark, IEEE S&P
  10(5), 2012): per-table discrepancies, corrected totals, changed outcomes.
* ``fixed-percentage``: a fixed share of each contest's tables drawn uniformly; the risk it
  attains is the hypergeometric bound of ``fixed_percentage``.
* ``ballot-polling`` and ``ballot-comparison``: ballots drawn from a ballot manifest, see
  :mod:`escrutinio.audit.ballot_audit` (BRAVO, ALPHA, SHANGRLA comparison, Kaplan–Markov).

Only the longest prefix of the draw order whose tables all have hand counts enters a test,
so a partially counted round is still a uniform (or PPEB) sample. Escalation sizes the next
round with ``sample_size.additional_draws``; when it would exceed the tables left, a full
hand count is required.

Reproducing a draw: for a contest, take its table ids (the audit's reported snapshot, as in
``retrieval.csv``), then ``consistent_sampler.sampler(ids, seed=SEED,
with_replacement=False, output="id")`` yields the tables in draw order; round r continues
where round r−1 stopped. MACRO draw k uses the first 8 bytes of SHA-256(``"SEED,k"``) as a
uniform number against the cumulative error bounds (``sampling.ppeb_sample``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.assertions import plurality_assertions, reported_winners
from escrutinio.audit.batch_assorter import BatchAssorter, batch_assorter
from escrutinio.audit.macro import BatchContest, error_bounds, make_batch_contest
from escrutinio.audit.reconcile import reconcile_contest
from escrutinio.audit.reported import ReportedContest
from escrutinio.audit.risk import batch_alpha_risk, macro_risk
from escrutinio.audit.sample_size import (
    additional_draws,
    alpha_batch_sample_size,
    macro_sample_size,
    ppeb_drift,
)
from escrutinio.audit.sampling import ppeb_sample, sample_ids

METHODS = (
    "table-comparison",
    "macro",
    "full-hand-count",
    "fixed-percentage",
    "ballot-polling",
    "ballot-comparison",
)
BALLOT_LEVEL = ("ballot-polling", "ballot-comparison")
POOLED = "*"  # draw key of the single MACRO sample shared by all contests

IntArray = NDArray[np.int64]


@dataclass
class AuditState:
    """Everything an audit has recorded: definition of the audit, rounds and hand counts.

    ``rounds[r][contest]`` lists the tables drawn for that contest in round r+1 (MACRO: key
    ``"*"``, with repeats). ``counts[(table, contest)]`` is the latest hand count per option.
    Ballot-level audits (``ballot_audit``) draw ballot ids ``batch:position`` under key
    ``"*"`` from ``manifest`` (batch → ballots); ``counts[(ballot, contest)]`` is then the
    hand reading, 0/1 per option, and ``cvrs[ballot][contest]`` the CVR in the same form.
    ``test`` is ``bravo``, ``alpha`` or ``kaplan-markov``; ``table_batches`` are the
    manifest's batches that are polling tables of the election.
    """

    name: str
    method: str
    risk_limit: float
    seed: str
    contests: tuple[str, ...]
    reported: dict[str, ReportedContest]
    percent: float | None = None
    rounds: list[dict[str, list[str]]] = field(default_factory=list)
    counts: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    manifest: dict[str, int] = field(default_factory=dict)
    cvrs: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    test: str = ""
    replacement: bool = True
    table_batches: frozenset[str] = frozenset()

    def drawn(self, contest: str) -> list[str]:
        """All tables drawn for a contest so far, in draw order (MACRO: pooled draws that
        fall in the contest)."""
        if self.method == "macro":
            members = set(self.reported[contest].units)
            return [u for r in self.rounds for u in r.get(POOLED, []) if u in members]
        return [u for r in self.rounds for u in r.get(contest, [])]

    def required(self) -> list[tuple[str, str]]:
        """(table, contest) pairs that need a hand count, in draw order, without repeats."""
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, str]] = []
        if self.method in BALLOT_LEVEL:
            from escrutinio.audit.ballot_audit import contest_lookup

            lookup = contest_lookup(self)
        for r in self.rounds:
            for key, units in r.items():
                for u in units:
                    if self.method in BALLOT_LEVEL:
                        cids = lookup(u)
                    elif key == POOLED:
                        cids = self.contests_of(u)
                    else:
                        cids = [key]
                    for cid in cids:
                        if (u, cid) not in seen:
                            seen.add((u, cid))
                            out.append((u, cid))
        return out

    def contests_of(self, unit: str) -> list[str]:
        """Audited contests in which the table voted."""
        return [c for c in self.contests if unit in self.reported[c].position]

    def missing(self) -> list[tuple[str, str]]:
        """Drawn (table, contest) pairs still without a hand count."""
        return [k for k in self.required() if k not in self.counts]


@dataclass(frozen=True)
class Estimate:
    """Sample-size estimate of one contest before drawing (or the attained risk, fixed %)."""

    contest: str
    tables: int
    margin: float
    expected_tables: float
    expected_ballots: float
    note: str


@dataclass(frozen=True)
class Discrepancy:
    """Hand count minus acta, per option, of one audited table."""

    unit: str
    contest: str
    difference: tuple[int, ...]


@dataclass
class ContestStatus:
    """Where one contest stands after the hand counts recorded so far."""

    contest: str
    tables: int
    drawn: int
    audited: int
    risk: float
    confirmed: bool
    discrepancies: list[Discrepancy]
    next_size: int = 0
    full_hand_count: bool = False
    corrected_totals: tuple[int, ...] | None = None
    reported_totals: tuple[int, ...] = ()
    outcome_changed: bool | None = None
    note: str = ""
    unit: str = "tables"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "contest": self.contest,
            "tables": self.tables,
            "drawn": self.drawn,
            "audited": self.audited,
            "risk": self.risk,
            "confirmed": self.confirmed,
            "discrepancies": [
                {"unit": d.unit, "difference": list(d.difference)} for d in self.discrepancies
            ],
            "next_size": self.next_size,
            "full_hand_count_required": self.full_hand_count,
            "reported_totals": list(self.reported_totals),
            "corrected_totals": (
                list(self.corrected_totals) if self.corrected_totals is not None else None
            ),
            "outcome_changed": self.outcome_changed,
            "note": self.note,
            "unit": self.unit,
        }


@dataclass
class AuditStatus:
    """Status of every contest, the pending hand counts and the overall conclusion."""

    round: int
    contests: list[ContestStatus]
    pending: int
    conclusion: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "round": self.round,
            "pending_hand_counts": self.pending,
            "conclusion": self.conclusion,
            "contests": [c.to_dict() for c in self.contests],
        }


# --------------------------------------------------------------------------- helpers
def _margin(rc: ReportedContest) -> float:
    totals = rc.candidate_counts.sum(axis=0)
    n = int(rc.ballots.sum())
    if totals.size < 2 or n == 0:
        return 1.0
    winners = reported_winners(totals, rc.seats)
    losers = [i for i in range(totals.size) if i not in winners]
    if not losers:
        return 1.0
    return float(min(totals[w] for w in winners) - max(totals[lo] for lo in losers)) / n


def _assorters(rc: ReportedContest) -> list[BatchAssorter]:
    cand = rc.candidate_counts
    totals = cand.sum(axis=0)
    assertions = plurality_assertions(rc.contest, totals, rc.seats, max(int(rc.ballots.sum()), 1))
    return [batch_assorter(a, cand[:, a.winner], cand[:, a.loser], rc.ballots) for a in assertions]


def _batch_contest(rc: ReportedContest, units: list[str]) -> BatchContest:
    """Candidate-level batch contest over ``units`` (zero rows for tables outside it)."""
    pos = rc.position
    cand = rc.candidate_counts
    rep = np.zeros((len(units), cand.shape[1]), dtype=np.int64)
    bal = np.zeros(len(units), dtype=np.int64)
    for i, u in enumerate(units):
        j = pos.get(u)
        if j is not None:
            rep[i] = cand[j]
            bal[i] = rc.ballots[j]
    return make_batch_contest(rc.contest, rep, bal, rc.seats)


def pooled_units(state: AuditState) -> list[str]:
    """Sorted union of the audited contests' tables (the MACRO population)."""
    return sorted({u for c in state.contests for u in state.reported[c].units})


def macro_bounds(state: AuditState) -> tuple[list[str], list[BatchContest], NDArray[np.float64]]:
    """MACRO population, batch contests and error bounds u_p."""
    units = pooled_units(state)
    bcs = [_batch_contest(state.reported[c], units) for c in state.contests]
    return units, bcs, error_bounds([b for b in bcs if b.pairs()])


def _uncontested(rc: ReportedContest) -> bool:
    return len(rc.candidate_ids) <= rc.seats


def _tied(rc: ReportedContest) -> bool:
    return not _uncontested(rc) and _margin(rc) <= 0


def _tables_estimate(state: AuditState, rc: ReportedContest) -> float:
    """Expected tables for a table-comparison audit with no discrepancy (∞ if it cannot stop)."""
    if _uncontested(rc):
        return 0.0
    if _tied(rc):
        return math.inf
    return alpha_batch_sample_size(_assorters(rc), state.risk_limit).expected


# -------------------------------------------------------------------------- estimates
def estimates(state: AuditState) -> list[Estimate]:
    """Per contest: expected tables and ballots to retrieve (or attained risk, fixed %)."""
    out: list[Estimate] = []
    if state.method in BALLOT_LEVEL:
        from escrutinio.audit import ballot_audit

        return ballot_audit.estimates(state)
    if state.method == "macro":
        units, _, bounds = macro_bounds(state)
        total = float(bounds.sum())
        n = macro_sample_size(total, state.risk_limit).expected
        prob = bounds / total
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
                    _margin(rc),
                    share,
                    ballots,
                    f"pooled PPEB: {n:.0f} draws, {distinct:.0f} distinct tables, U={total:.2f}",
                )
            )
        return out
    for cid in state.contests:
        rc = state.reported[cid]
        n_tab = len(rc.units)
        mean_ballots = float(rc.ballots.mean()) if n_tab else 0.0
        if state.method == "full-hand-count":
            out.append(
                Estimate(cid, n_tab, _margin(rc), n_tab, float(rc.ballots.sum()), "every table")
            )
        elif state.method == "fixed-percentage":
            k = fixed_size(state, rc)
            risk = no_discrepancy_risk(rc, k)
            out.append(
                Estimate(
                    cid,
                    n_tab,
                    _margin(rc),
                    k,
                    k * mean_ballots,
                    f"attained risk if no discrepancy: {risk:.4g}",
                )
            )
        else:
            n = _tables_estimate(state, rc)
            note = "uncontested" if n == 0 else ""
            if n >= n_tab:
                n, note = float(n_tab), "full hand count expected"
            out.append(Estimate(cid, n_tab, _margin(rc), n, n * mean_ballots, note))
    return out


def fixed_size(state: AuditState, rc: ReportedContest) -> int:
    """Tables a fixed-percentage audit draws from the contest."""
    return min(len(rc.units), math.ceil((state.percent or 0) / 100 * len(rc.units)))


def no_discrepancy_risk(rc: ReportedContest, k: int) -> float:
    """Risk a uniform sample of k tables attains if it finds no discrepancy."""
    from escrutinio.audit.fixed_percentage import attained_risk, min_outcome_changing_tables

    bc = _batch_contest(rc, list(rc.units))
    if not bc.pairs():
        return 0.0 if _uncontested(rc) else 1.0
    if min_outcome_changing_tables(bc) > len(rc.units):
        return 0.0
    idx = np.arange(k, dtype=np.int64)
    return attained_risk(bc, idx, bc.reported[idx]).risk


# ------------------------------------------------------------------------------ draws
def first_round_sizes(state: AuditState, size: int | None = None) -> dict[str, int]:
    """Round-1 sizes per contest (MACRO and ballot-level: key ``"*"``, draws); ``size``
    overrides."""
    if state.method in BALLOT_LEVEL:
        from escrutinio.audit import ballot_audit

        return {POOLED: ballot_audit.first_round_size(state, size)}
    if state.method == "macro":
        if size is None:
            _, _, bounds = macro_bounds(state)
            n = macro_sample_size(float(bounds.sum()), state.risk_limit).expected
            size = math.ceil(n) if math.isfinite(n) else len(pooled_units(state))
        return {POOLED: size}
    out: dict[str, int] = {}
    for cid in state.contests:
        rc = state.reported[cid]
        n_tab = len(rc.units)
        if state.method == "full-hand-count":
            out[cid] = n_tab
        elif state.method == "fixed-percentage":
            out[cid] = fixed_size(state, rc)
        elif size is not None:
            out[cid] = min(size, n_tab)
        else:
            n = _tables_estimate(state, rc)
            out[cid] = n_tab if not math.isfinite(n) else min(n_tab, math.ceil(n))
    return out


def draw(state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
    """The next round's tables (ballot-level: ballots): continues each contest's consistent
    sample from the seed."""
    if state.method in BALLOT_LEVEL:
        from escrutinio.audit import ballot_audit

        return ballot_audit.draw(state, sizes.get(POOLED, 0))
    out: dict[str, list[str]] = {}
    for key, size in sizes.items():
        if size <= 0:
            continue
        if key == POOLED:
            units, _, bounds = macro_bounds(state)
            skip = sum(len(r.get(POOLED, [])) for r in state.rounds)
            out[key] = [units[i] for i in ppeb_sample(bounds, state.seed, size, skip=skip)]
        else:
            rc = state.reported[key]
            skip = len(state.drawn(key))
            out[key] = sample_ids(list(rc.units), state.seed, size, skip=skip)
    return out


# ----------------------------------------------------------------------------- status
def _audited_prefix(state: AuditState, cid: str) -> list[str]:
    """Longest prefix of the contest's draws with hand counts for every table in it."""
    out: list[str] = []
    for u in state.drawn(cid):
        if (u, cid) not in state.counts:
            break
        out.append(u)
    return out


def _discrepancies(state: AuditState, cid: str) -> list[Discrepancy]:
    rc = state.reported[cid]
    pos = rc.position
    out = []
    for (u, c), hand in sorted(state.counts.items()):
        if c != cid:
            continue
        diff = tuple(int(h - r) for h, r in zip(hand, rc.counts[pos[u]], strict=True))
        if any(diff):
            out.append(Discrepancy(u, cid, diff))
    return out


def _hand_matrix(state: AuditState, cid: str, units: list[str]) -> IntArray:
    rc = state.reported[cid]
    rows = [state.counts[(u, cid)] for u in units]
    return rc.by_candidate(np.asarray(rows, dtype=np.int64).reshape(-1, len(rc.option_ids)))


def _escalate(st: ContestStatus, extra: int) -> None:
    if st.drawn + extra >= st.tables:
        st.next_size = st.tables - st.drawn
        st.full_hand_count = True
    else:
        st.next_size = extra


def _table_comparison(state: AuditState, cid: str) -> ContestStatus:
    rc = state.reported[cid]
    n_tab = len(rc.units)
    drawn = state.drawn(cid)
    sample = _audited_prefix(state, cid)
    st = ContestStatus(cid, n_tab, len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = _discrepancies(state, cid)
    if _uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    if _tied(rc):
        st.note = "reported tie: a full hand count is required"
        _escalate(st, n_tab)
        return st
    assorters = _assorters(rc)
    if sample:
        pos = rc.position
        idx = np.array([pos[u] for u in sample], dtype=np.int64)
        cr = batch_alpha_risk(
            assorters, rc.candidate_counts[idx], _hand_matrix(state, cid, sample), state.risk_limit
        )
        st.risk, st.confirmed = cr.risk, cr.confirmed
    if st.confirmed or not sample or len(sample) < len(drawn):
        return st
    if len(sample) >= n_tab:
        full = _reconciled(state, cid)
        full.drawn, full.risk = st.drawn, 0.0 if full.confirmed else 1.0
        full.note = "every table hand counted: the hand count is the outcome" + (
            "; OUTCOME CHANGED" if full.outcome_changed else ""
        )
        return full
    extra = 0
    rep_s, act_s = rc.candidate_counts[idx], _hand_matrix(state, cid, sample)
    for b, ar in zip(assorters, cr.assertions, strict=True):
        if ar.pvalue <= state.risk_limit:
            continue
        w, lo = b.assertion.winner, b.assertion.loser
        mean = float(b.values(rep_s[:, w], rep_s[:, lo], act_s[:, w], act_s[:, lo]).mean())
        n_obs = _draws_at_mean(b, mean, state.risk_limit)
        if not math.isfinite(n_obs):
            extra = n_tab
            break
        extra = max(
            extra,
            additional_draws(ar.pvalue, state.risk_limit, math.log(1 / state.risk_limit) / n_obs),
        )
    _escalate(st, max(extra, 1))
    return st


def _draws_at_mean(b: BatchAssorter, mean: float, risk_limit: float) -> float:
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


def _reconciled(state: AuditState, cid: str) -> ContestStatus:
    rc = state.reported[cid]
    n_tab = len(rc.units)
    pos = rc.position
    counted = {pos[u]: state.counts[(u, cid)] for (u, c) in state.counts if c == cid and u in pos}
    rec = reconcile_contest(
        rc.candidate_counts, {i: rc.by_candidate(h)[0] for i, h in counted.items()}, rc.seats
    )
    st = ContestStatus(cid, n_tab, len(state.drawn(cid)), len(counted), 1.0, False, [])
    st.discrepancies = _discrepancies(state, cid)
    st.reported_totals = rec.reported_totals
    st.corrected_totals = rec.corrected_totals
    st.outcome_changed = rec.winners_changed
    if len(counted) == n_tab:
        st.risk = 0.0
        st.confirmed = not rec.winners_changed
        st.note = "hand count complete" + ("; OUTCOME CHANGED" if rec.winners_changed else "")
    return st


def _fixed(state: AuditState, cid: str) -> ContestStatus:
    # scipy.stats is slow to import: only fixed-percentage audits need it
    from escrutinio.audit.fixed_percentage import attained_risk

    rc = state.reported[cid]
    drawn = state.drawn(cid)
    sample = _audited_prefix(state, cid)
    st = ContestStatus(cid, len(rc.units), len(drawn), len(sample), 1.0, False, [])
    st.discrepancies = _discrepancies(state, cid)
    bc = _batch_contest(rc, list(rc.units))
    if _uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    if bc.pairs():
        pos = rc.position
        idx = np.array([pos[u] for u in sample], dtype=np.int64)
        act = _hand_matrix(state, cid, sample) if sample else np.zeros((0, bc.reported.shape[1]))
        fr = attained_risk(bc, idx, act)
        st.risk = fr.risk
        st.note = f"m*={fr.min_changing_tables} tables; {fr.tables_with_overstatement} overstated"
    st.confirmed = len(sample) == len(drawn) and st.risk <= state.risk_limit
    return st


def _macro(state: AuditState) -> list[ContestStatus]:
    units, bcs, bounds = macro_bounds(state)
    draws = [u for r in state.rounds for u in r.get(POOLED, [])]
    prefix: list[str] = []
    for u in draws:
        if any((u, c) not in state.counts for c in state.contests_of(u)):
            break
        prefix.append(u)
    pos = {u: i for i, u in enumerate(units)}
    risk = 1.0
    active = [(b, state.reported[b.contest]) for b in bcs if b.pairs()]
    if prefix:
        idx = np.array([pos[u] for u in prefix], dtype=np.int64)
        actual = []
        for b, rc in active:
            rows = np.zeros((len(prefix), len(rc.candidate_ids)), dtype=np.int64)
            for k, u in enumerate(prefix):
                if (u, b.contest) in state.counts:
                    rows[k] = rc.by_candidate(state.counts[(u, b.contest)])[0]
            actual.append(rows)
        risk = macro_risk([b for b, _ in active], bounds, idx, actual)
    confirmed = risk <= state.risk_limit and len(prefix) == len(draws)
    extra = 0
    if not confirmed and len(prefix) == len(draws):
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
            0.0 if _uncontested(rc) else risk,
            confirmed or _uncontested(rc),
            _discrepancies(state, cid),
            note="joint MACRO risk of all audited contests",
        )
        if not st.confirmed and extra:
            st.next_size = extra
            st.full_hand_count = len(set(draws)) + extra >= len(units)
        out.append(st)
    return out


def status(state: AuditState) -> AuditStatus:
    """Measured risk per contest, discrepancies, escalation and the overall conclusion."""
    if state.method in BALLOT_LEVEL:
        from escrutinio.audit import ballot_audit

        contests = ballot_audit.statuses(state)
    elif state.method == "macro":
        contests = _macro(state)
    elif state.method == "full-hand-count":
        contests = [_reconciled(state, c) for c in state.contests]
    elif state.method == "fixed-percentage":
        contests = [_fixed(state, c) for c in state.contests]
    else:
        contests = [_table_comparison(state, c) for c in state.contests]
    pending = len(state.missing())
    return AuditStatus(len(state.rounds), contests, pending, _conclusion(state, contests, pending))


def _conclusion(state: AuditState, contests: list[ContestStatus], pending: int) -> str:
    if not state.rounds:
        return "not started: draw round 1"
    if pending:
        return f"round {len(state.rounds)} in progress: {pending} hand counts missing"
    if any(c.outcome_changed for c in contests) or state.method == "full-hand-count":
        if any(c.outcome_changed for c in contests):
            return "hand count complete: an outcome changed"
        return "hand count complete: every reported outcome confirmed"
    if all(c.confirmed for c in contests):
        return "confirmed: every contest's risk is within the risk limit"
    if state.method == "fixed-percentage":
        return "not confirmed at the risk limit: a fixed-percentage audit does not escalate"
    if any(c.full_hand_count for c in contests):
        return "full hand count required"
    return "not confirmed yet: draw the next round"


def next_round_sizes(state: AuditState, st: AuditStatus, size: int | None = None) -> dict[str, int]:
    """Sizes of the next round (empty when nothing is to be drawn)."""
    if not state.rounds:
        return first_round_sizes(state, size)
    if st.pending or state.method in ("full-hand-count", "fixed-percentage"):
        return {}
    if state.method in BALLOT_LEVEL and any(c.full_hand_count for c in st.contests):
        return {}
    if state.method == "macro" or state.method in BALLOT_LEVEL:
        extra = max((c.next_size for c in st.contests if not c.confirmed), default=0)
        return {POOLED: size if size is not None else extra} if extra else {}
    out = {}
    for c in st.contests:
        if not c.confirmed and c.next_size:
            n = c.next_size if size is None else min(size, c.tables - c.drawn)
            out[c.contest] = n
    return out
