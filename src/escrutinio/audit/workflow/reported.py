"""The reported results an audit checks: a frozen snapshot of each contest's counting actas.

Each polling table (mesa) is one batch; its official acta gives the reported votes per ballot
option. Batch sizes (ballots cast per table) are the acta's voters, or the sum of its votes,
null and blank ballots if that is larger, so the batch bound of MACRO (Stark, Ann. Appl. Stat.
2(3), 2008) and of the SHANGRLA batch assorters (Stark, FC 2020) is never too small.

Ballots in the reported totals but in no auditable table (pending or provisional ballots, a
lost table) are ``outside_votes`` (per candidate) and ``outside_ballots``: every method
counts them in the worst way for the reported winners (docs/audits.md, "Ballots outside the
tables").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escrutinio.model.definition import Definition

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class ReportedContest:
    """Reported per-table votes of one contest, tables sorted by id."""

    contest: str
    seats: int
    option_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    option_candidate: tuple[int, ...]
    units: tuple[str, ...]
    counts: IntArray
    ballots: IntArray
    outside_votes: tuple[int, ...] = ()
    outside_ballots: int = 0

    @property
    def position(self) -> dict[str, int]:
        """Table id → row index."""
        return {u: i for i, u in enumerate(self.units)}

    def by_candidate(self, option_counts: Any) -> IntArray:
        """Aggregate ``[tables, options]`` counts to ``[tables, candidates]``."""
        oc = np.asarray(option_counts, dtype=np.int64).reshape(-1, len(self.option_ids))
        out = np.zeros((oc.shape[0], len(self.candidate_ids)), dtype=np.int64)
        for opt, cand in enumerate(self.option_candidate):
            out[:, cand] += oc[:, opt]
        return out

    @property
    def candidate_counts(self) -> IntArray:
        """Reported ``[tables, candidates]`` votes."""
        return self.by_candidate(self.counts)

    @property
    def candidate_totals(self) -> IntArray:
        """Reported totals per candidate: the tables plus the votes outside them."""
        t: IntArray = self.candidate_counts.sum(axis=0)
        if self.outside_votes:
            t = t + np.asarray(self.outside_votes, dtype=np.int64)
        return t

    @property
    def ballots_cast(self) -> int:
        """Ballots cast in the reported totals (tables and outside them)."""
        return int(self.ballots.sum()) + self.outside_ballots

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (integers and strings only)."""
        return {
            "contest": self.contest,
            "seats": self.seats,
            "option_ids": list(self.option_ids),
            "candidate_ids": list(self.candidate_ids),
            "option_candidate": list(self.option_candidate),
            "units": list(self.units),
            "counts": self.counts.tolist(),
            "ballots": self.ballots.tolist(),
            **(
                {"outside_votes": list(self.outside_votes), "outside_ballots": self.outside_ballots}
                if self.outside_votes or self.outside_ballots
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportedContest:
        """Inverse of :meth:`to_dict`."""
        n_opt = len(data["option_ids"])
        return cls(
            contest=data["contest"],
            seats=int(data["seats"]),
            option_ids=tuple(data["option_ids"]),
            candidate_ids=tuple(data["candidate_ids"]),
            option_candidate=tuple(int(x) for x in data["option_candidate"]),
            units=tuple(data["units"]),
            counts=np.asarray(data["counts"], dtype=np.int64).reshape(-1, n_opt),
            ballots=np.asarray(data["ballots"], dtype=np.int64),
            outside_votes=tuple(int(x) for x in data.get("outside_votes", ())),
            outside_ballots=int(data.get("outside_ballots", 0)),
        )


def pending_ballots(definition: Definition, cid: str, present: NDArray[np.int32]) -> int:
    """Most ballots the contest's tables without a counting acta could hold: their
    registered electors plus the definition's tolerance (0 if every table reported)."""
    missing = np.setdiff1d(definition.contest_units(cid), present)
    registered = definition.units.registered[missing].astype(np.int64)
    return int(registered.sum()) + int(missing.size) * int(definition.info.registered_tolerance)


def reported_contests(
    definition: Definition,
    arrays: dict[str, tuple[NDArray[np.int32], IntArray]],
    contests: Sequence[str],
    *,
    pending: bool = False,
) -> tuple[dict[str, ReportedContest], list[str]]:
    """Snapshot the given contests from ``Store.counting_arrays`` output.

    Returns the snapshot and a list of problems (eligible tables without a counting acta),
    which make the reported results incomplete and the audit population unknown. With
    ``pending`` (and registered electors known), such tables are no problem: their
    :func:`pending_ballots` become ballots outside the tables, counted against the winners.
    """
    out: dict[str, ReportedContest] = {}
    problems: list[str] = []
    for cid in contests:
        contest = definition.contests[cid]
        layout = definition.layout(cid)
        unit_idx, counts = arrays.get(
            cid, (np.zeros(0, np.int32), np.zeros((0, len(contest.options) + 3), np.int64))
        )
        n_opt = len(contest.options)
        missing = len(definition.contest_units(cid)) - len(unit_idx)
        outside = 0
        if missing > 0 and pending and definition.info.registered_known:
            outside = pending_ballots(definition, cid, unit_idx)
        elif missing > 0:
            problems.append(f"contest {cid}: {missing} tables have no counting acta")
        ids = [definition.units.ids[int(i)] for i in unit_idx]
        order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
        c = counts[order]
        votes = c[:, :n_opt]
        cast = votes.sum(axis=1) + np.maximum(c[:, n_opt], 0) + np.maximum(c[:, n_opt + 1], 0)
        ballots = np.maximum(c[:, n_opt + 2], cast)
        out[cid] = ReportedContest(
            contest=cid,
            seats=contest.seats,
            option_ids=tuple(layout.option_ids),
            candidate_ids=tuple(layout.candidate_ids),
            option_candidate=tuple(int(x) for x in layout.option_candidate),
            units=tuple(ids[int(i)] for i in order),
            counts=np.ascontiguousarray(votes, dtype=np.int64),
            ballots=ballots.astype(np.int64),
            outside_votes=(0,) * len(layout.candidate_ids) if outside else (),
            outside_ballots=outside,
        )
    return out, problems


def region_names(definition: Definition, unit: str) -> list[str]:
    """Names of the unit's region and its ancestors, outermost first."""
    names: list[str] = []
    r = int(definition.units.region[definition.units.index[unit]])
    while r >= 0:
        names.append(definition.regions.names[r])
        r = int(definition.regions.parent[r])
    return names[::-1]
