"""What the table methods share: margins, assorters, the audited prefix of the draws,
discrepancies and the reconciliation of a contest whose tables are all hand counted."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import BatchAssorter, batch_assorter
from escrutinio.audit.stats.macro import BatchContest, make_batch_contest
from escrutinio.audit.stats.reconcile import reconcile_contest
from escrutinio.audit.stats.sampling import sample_ids
from escrutinio.audit.workflow.method import (
    AuditParameters,
    escalating_conclusion,
    no_ballot_inputs,
)
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import (
    AuditState,
    AuditStatus,
    ContestStatus,
    Discrepancy,
    IntArray,
)


def margin(rc: ReportedContest) -> float:
    """Smallest reported winner–loser margin over the ballots cast (1 when uncontested),
    with the ballots outside the tables counted in the worst way for the winners."""
    totals = rc.candidate_totals
    n = rc.ballots_cast
    if totals.size < 2 or n == 0:
        return 1.0
    c = stats_contest(rc, list(rc.units))
    pairs = c.all_pairs()
    if not pairs:
        return 1.0
    return float(min(c.margin(w, lo) for w, lo in pairs)) / n


def assorters(rc: ReportedContest) -> list[BatchAssorter]:
    """SHANGRLA batch assorters of every winner–loser pair, tables as batches."""
    cand = rc.candidate_counts
    totals = cand.sum(axis=0)
    assertions = plurality_assertions(rc.contest, totals, rc.seats, max(int(rc.ballots.sum()), 1))
    return [batch_assorter(a, cand[:, a.winner], cand[:, a.loser], rc.ballots) for a in assertions]


def stats_contest(rc: ReportedContest, units: list[str]) -> BatchContest:
    """The contest as the statistics see it, over ``units`` (zero rows for tables outside it)."""
    cand = rc.candidate_counts
    if tuple(units) == rc.units:
        rep, bal = cand, rc.ballots
    else:
        pos = rc.position
        rows = np.array([pos.get(u, -1) for u in units], dtype=np.int64)
        inside = rows >= 0
        rep = np.zeros((len(units), cand.shape[1]), dtype=np.int64)
        bal = np.zeros(len(units), dtype=np.int64)
        rep[inside] = cand[rows[inside]]
        bal[inside] = rc.ballots[rows[inside]]
    return make_batch_contest(rc.contest, rep, bal, rc.seats, rc.outside_votes, rc.outside_ballots)


def draw_per_contest(state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
    """Each contest's next tables drawn uniformly, continuing its consistent sample (Rivest,
    arXiv:1808.10016) from the seed (fixed-percentage and full-hand-count audits)."""
    out: dict[str, list[str]] = {}
    for key, size in sizes.items():
        if size <= 0:
            continue
        rc = state.reported[key]
        out[key] = sample_ids(list(rc.units), state.seed, size, skip=len(state.drawn(key)))
    return out


def unretrievable_count(rc: ReportedContest, unit: str) -> tuple[int, ...]:
    """The hand count recorded for a table that cannot be found: the worst case for the
    reported winners, its acta's ballots plus one on the first option of the reported
    runner-up (more ballots than the acta: scored at the table's full error bound)."""
    totals = rc.candidate_totals
    order = np.lexsort((np.arange(totals.size), -totals))
    runner_up = int(order[min(rc.seats, totals.size - 1)])
    option = rc.option_candidate.index(runner_up)
    votes = [0] * len(rc.option_ids)
    votes[option] = int(rc.ballots[rc.position[unit]]) + 1
    return tuple(votes)


def uncontested(rc: ReportedContest) -> bool:
    """No more candidates than seats: nothing to audit."""
    return len(rc.candidate_ids) <= rc.seats


def tied(rc: ReportedContest) -> bool:
    """A reported tie (or worse) between a winner and a loser, counting the ballots outside
    the tables in the worst way: no sample of tables can confirm the outcome."""
    return not uncontested(rc) and margin(rc) <= 0


def settled_without_test(rc: ReportedContest, st: ContestStatus) -> bool:
    """Fill ``st`` for a contest that needs no test of its sample: uncontested (confirmed)
    or tied once the ballots outside the tables are taken at their worst (a full hand count,
    with the reason); False, ``st`` untouched, for any other contest."""
    if uncontested(rc):
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return True
    if tied(rc):
        st.note = (
            "the ballots outside the tables could change the outcome: no audit of the tables "
            "can confirm it"
            if rc.outside_ballots or rc.outside_votes
            else "reported tie: a full hand count is required"
        )
        escalate(st, st.tables)
        return True
    return False


def audited_prefix(state: AuditState, cid: str) -> list[str]:
    """Longest prefix of the contest's draws with hand counts for every table in it."""
    out: list[str] = []
    for u in state.drawn(cid):
        if (u, cid) not in state.counts:
            break
        out.append(u)
    return out


def discrepancies(state: AuditState, cid: str) -> list[Discrepancy]:
    """Every hand-counted table of the contest whose count differs from its acta."""
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


def hand_matrix(state: AuditState, cid: str, units: list[str]) -> IntArray:
    """Hand counts of ``units`` per candidate, one row per table."""
    rc = state.reported[cid]
    rows = [state.counts[(u, cid)] for u in units]
    return rc.by_candidate(np.asarray(rows, dtype=np.int64).reshape(-1, len(rc.option_ids)))


def escalate(st: ContestStatus, extra: int) -> None:
    """Set the next round's size, or a full hand count when it would reach every table."""
    if st.drawn + extra >= st.tables:
        st.next_size = st.tables - st.drawn
        st.full_hand_count = True
    else:
        st.next_size = extra


def reconciled(state: AuditState, cid: str) -> ContestStatus:
    """Status of a contest from its hand-counted tables reconciled with the actas; complete
    (risk 0) when every table is counted."""
    rc = state.reported[cid]
    n_tab = len(rc.units)
    pos = rc.position
    counted = {pos[u]: state.counts[(u, cid)] for (u, c) in state.counts if c == cid and u in pos}
    rec = reconcile_contest(
        rc.candidate_counts, {i: rc.by_candidate(h)[0] for i, h in counted.items()}, rc.seats
    )
    st = ContestStatus(cid, n_tab, len(state.drawn(cid)), len(counted), 1.0, False, [])
    st.discrepancies = discrepancies(state, cid)
    st.reported_totals = rec.reported_totals
    st.corrected_totals = rec.corrected_totals
    st.outcome_changed = rec.winners_changed
    if len(counted) == n_tab:
        st.risk = 0.0
        st.confirmed = not rec.winners_changed
        st.note = "hand count complete" + ("; OUTCOME CHANGED" if rec.winners_changed else "")
    return st


def sample_positions(rc: ReportedContest, units: list[str]) -> NDArray[np.int64]:
    """Row indices of ``units`` in the reported contest."""
    pos = rc.position
    return np.array([pos[u] for u in units], dtype=np.int64)


class ActaMethod:
    """What every table-level method shares: it samples polling tables, takes the actas as
    its only input and needs no ballot manifest, cast-vote records or test choice."""

    unit = "tables"
    tests: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()

    def check(self, params: AuditParameters) -> AuditParameters:
        """No ballot inputs; nothing else to choose."""
        return no_ballot_inputs(params)

    def input_problems(self, state: AuditState) -> list[str]:
        """None: the actas are the only input."""
        return []


class EscalatingActaMethod(ActaMethod, ABC):
    """A table-level method that measures each contest on its own and escalates round by
    round: a contest not confirmed asks for its own next round (``ContestStatus.next_size``).
    Subclasses give :meth:`contest_status` and :meth:`expected_count`."""

    @abstractmethod
    def contest_status(self, state: AuditState, cid: str) -> ContestStatus:
        """Measured risk, discrepancies and escalation of one contest."""

    @abstractmethod
    def expected_count(self, state: AuditState, rc: ReportedContest) -> float:
        """Tables the contest's audit needs if no discrepancy is found (∞: cannot stop)."""

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """The expected tables per contest (or ``size``), at most the contest's tables."""
        out: dict[str, int] = {}
        for cid in state.contests:
            n_tab = len(state.reported[cid].units)
            if size is not None:
                out[cid] = min(size, n_tab)
            else:
                n = self.expected_count(state, state.reported[cid])
                out[cid] = n_tab if not math.isfinite(n) else min(n_tab, math.ceil(n))
        return out

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Every audited contest's status."""
        return [self.contest_status(state, c) for c in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """The escalation of every contest not yet confirmed (``size`` caps it)."""
        out = {}
        for c in st.contests:
            if not c.confirmed and c.next_size:
                out[c.contest] = c.next_size if size is None else min(size, c.tables - c.drawn)
        return out

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed, escalating, or a full hand count required."""
        return escalating_conclusion(state, contests, pending)
