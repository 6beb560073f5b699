"""An audit's reported results as the verifier reads them from the published acta leaves:
the tables whose official acta counted when the audit was created, their votes per candidate
and ballots cast (the acta's voters, or its votes + null + blank if larger), and the ballots
of tables without a counting acta (``pending`` audits), counted against the winners."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from escrutinio.audit.stats.macro import BatchContest, make_batch_contest
from escrutinio.model.definition import Definition
from escrutinio.verify.record import AuditStep, Record


def population_rows(
    definition: Definition, record: Record, create: AuditStep, cid: str
) -> tuple[list[str], list[int]]:
    """Tables whose official acta for ``cid`` counted when the audit was created (sorted),
    and their rows of ``record.actas``."""
    assert create.counting is not None
    actas = record.actas
    mask = (
        create.counting
        & (actas["contest"] == cid).to_numpy()
        & (actas["source"] == definition.info.official_source).to_numpy()
    )
    rows = np.flatnonzero(mask)
    units = actas["unit"].to_numpy()[rows]
    order = np.argsort(units.astype(object), kind="stable")
    return [str(u) for u in units[order]], [int(r) for r in rows[order]]


def pending_ballots(definition: Definition, cid: str, units: list[str]) -> int:
    """Registered electors (plus the tolerance) of the contest's tables without a counting
    acta: ballots an audit created with ``pending`` counts against the winners."""
    present = {definition.units.index[u] for u in units}
    missing = [int(i) for i in definition.contest_units(cid) if int(i) not in present]
    registered = sum(int(definition.units.registered[i]) for i in missing)
    return registered + len(missing) * int(definition.info.registered_tolerance)


@dataclass(frozen=True)
class Reported:
    """A contest's reported tables as the audit saw them (sorted ids), votes per candidate,
    ballots per table and the option → candidate map."""

    units: list[str]
    contest: BatchContest
    option_candidate: np.ndarray

    @property
    def position(self) -> dict[str, int]:
        """Table id → row."""
        return {u: i for i, u in enumerate(self.units)}

    def by_candidate(self, votes: list[tuple[int, ...]]) -> np.ndarray:
        """Option counts ``[tables, options]`` summed per candidate."""
        n_cand = self.contest.reported.shape[1]
        out = np.zeros((len(votes), n_cand), dtype=np.int64)
        for k, row in enumerate(votes):
            for opt, v in enumerate(row):
                out[k, int(self.option_candidate[opt])] += int(v)
        return out


def reported_contest(
    definition: Definition, record: Record, create: AuditStep, cid: str
) -> Reported:
    """The contest's reported results at the audit's creation, read from the acta leaves."""
    units, rows = population_rows(definition, record, create, cid)
    layout = definition.layout(cid)
    n_opt = len(layout.option_ids)
    opt_cand = np.asarray(layout.option_candidate[:n_opt], dtype=np.int64)
    actas = record.actas
    votes = np.zeros((len(rows), len(layout.candidate_ids)), dtype=np.int64)
    cast = np.zeros(len(rows), dtype=np.int64)
    for k, r in enumerate(rows):
        obj = json.loads(str(actas["votes"][r]))
        per_option = [int(obj.get(o, 0)) for o in layout.option_ids[:n_opt]]
        for opt, count in enumerate(per_option):
            votes[k, int(opt_cand[opt])] += count
        null, blank = int(actas["null"][r] or 0), int(actas["blank"][r] or 0)
        cast[k] = max(int(actas["voters"][r] or 0), sum(per_option) + max(null, 0) + max(blank, 0))
    outside = 0
    if create.leaf.get("pending") is True and definition.info.registered_known:
        outside = pending_ballots(definition, cid, units)
    seats = definition.contests[cid].seats
    n_cand = len(layout.candidate_ids)
    contest = make_batch_contest(cid, votes, cast, seats, (0,) * n_cand if outside else (), outside)
    return Reported(units, contest, opt_cand)
