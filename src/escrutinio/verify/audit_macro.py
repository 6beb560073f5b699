"""MACRO audits as the observer recomputes them: the pooled population, its PPEB draws and
the joint Kaplan–Markov risk (Stark, Ann. Appl. Stat. 2(3), 2008; IEEE TIFS 4(4), 2009).

The population is the sorted union of the audited contests' tables (those whose official
acta counted when the audit was created); each table's error bound is the largest over
contests and winner–loser pairs of (r_w − r_l + b) / V', ballots outside the tables reducing
every margin V' by the most they could overstate it (Bañuelos & Stark 2012). Draw k (from 0)
is the table whose cumulative bound interval holds the uniform number of the first 8 bytes
of SHA-256(``"SEED,k"``), with replacement; rounds continue the count. The risk is the
Kaplan–Markov P-value of the longest prefix of the draws whose tables have hand counts for
every audited contest they carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.stats.macro import BatchContest, error_bounds, make_batch_contest
from escrutinio.audit.stats.risk import macro_risk
from escrutinio.audit.stats.sampling import ppeb_sample
from escrutinio.model.definition import Definition
from escrutinio.verify.audit_reported import reported_contest
from escrutinio.verify.record import AuditStep, Record


@dataclass(frozen=True)
class Pooled:
    """A MACRO audit's population: sorted table ids, each contest over them (zero rows for
    tables outside it), which tables each contest holds, and every table's error bound."""

    units: list[str]
    contests: list[BatchContest]
    holds: list[set[str]]
    bounds: NDArray[np.float64]


def pooled(per_contest: list[tuple[list[str], BatchContest]]) -> Pooled:
    """The pooled population of contests given as (their sorted tables, their contest)."""
    units = sorted({u for tables, _ in per_contest for u in tables})
    pos = {u: i for i, u in enumerate(units)}
    contests = []
    for tables, c in per_contest:
        rows = np.array([pos[u] for u in tables], dtype=np.int64)
        rep = np.zeros((len(units), c.reported.shape[1]), dtype=np.int64)
        bal = np.zeros(len(units), dtype=np.int64)
        rep[rows] = c.reported
        bal[rows] = c.ballots
        contests.append(
            make_batch_contest(c.contest, rep, bal, c.seats, c.outside_votes, c.outside_ballots)
        )
    usable = [c for c in contests if c.pairs()]
    bounds = error_bounds(usable) if usable else np.zeros(len(units))
    holds = [set(tables) for tables, _ in per_contest]
    return Pooled(units, contests, holds, np.asarray(bounds, dtype=np.float64))


def macro_draws(pool: Pooled, seed: str, skip: int, size: int) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the pooled PPEB sample."""
    return [pool.units[i] for i in ppeb_sample(pool.bounds, seed, size, skip=skip)]


def macro_risks(
    pool: Pooled, draws: list[str], hand: dict[tuple[str, str], NDArray[np.int64]]
) -> list[float]:
    """Each contest's published risk: 0 when uncontested, 1 when its margin could vanish
    (a tie, or the outside ballots), else the joint MACRO risk of the audited prefix."""
    prefix: list[str] = []
    for u in draws:
        if any(
            u in held and (u, c.contest) not in hand
            for c, held in zip(pool.contests, pool.holds, strict=True)
        ):
            break
        prefix.append(u)
    active = [c for c in pool.contests if c.pairs()]
    risk = 1.0
    if prefix and active:
        pos = {u: i for i, u in enumerate(pool.units)}
        idx = np.array([pos[u] for u in prefix], dtype=np.int64)
        actual = []
        for c in active:
            rows = np.zeros((len(prefix), c.reported.shape[1]), dtype=np.int64)
            for k, u in enumerate(prefix):
                if (u, c.contest) in hand:
                    rows[k] = hand[(u, c.contest)]
            actual.append(rows)
        risk = macro_risk(active, pool.bounds, idx, actual)
    out = []
    for c in pool.contests:
        uncontested = c.reported.shape[1] <= c.seats
        if c.unconfirmable() and not uncontested:
            out.append(1.0)
        else:
            out.append(0.0 if uncontested else risk)
    return out


def pooled_for(
    definition: Definition, record: Record, create: AuditStep, contests: list[str]
) -> Pooled:
    """The pooled population of a MACRO audit's contests at its creation."""
    per = []
    for cid in contests:
        rep = reported_contest(definition, record, create, cid)
        per.append((rep.units, rep.contest))
    return pooled(per)
