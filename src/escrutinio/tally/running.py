"""Incremental tally: keep per-contest sums up to date one acta at a time.

Setting or removing an acta changes the contest's column sums by one row (O(k)); the
result is then rebuilt from the sums and the race status recomputed, without
re-summing the units. Units are located by binary search in the contest's sorted
eligible units, so memory is one row per eligible unit and contest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from escrutinio.model.definition import Definition, IdxArray, IntArray
from escrutinio.tally.build import build_result
from escrutinio.tally.counts import EXTRA_COLUMNS, ContestCounts, check_counts
from escrutinio.tally.results import ContestResult
from escrutinio.tally.summary import Summary, summarize
from escrutinio.tally.totals import Totals

_INT32_MAX = int(np.iinfo(np.int32).max)


class _ContestState:
    def __init__(self, definition: Definition, contest_id: str) -> None:
        self.contest_id = contest_id
        self.units: IdxArray = definition.contest_units(contest_id)
        self.unit_registered: IntArray = definition.units.registered[self.units]
        self.width = len(definition.contests[contest_id].options) + EXTRA_COLUMNS
        self.rows: IntArray = np.zeros((self.units.shape[0], self.width), dtype=np.int64)
        self.counted = np.zeros(self.units.shape[0], dtype=bool)
        self.sums: IntArray = np.zeros(self.width, dtype=np.int64)
        self.registered = int(self.unit_registered.sum())
        self.registered_counted = 0
        self.actas_counted = 0

    def load(self, counts: ContestCounts) -> None:
        pos = np.searchsorted(self.units, counts.units)
        self.rows[:] = 0
        self.counted[:] = False
        self.rows[pos] = counts.counts
        self.counted[pos] = True
        self.sums = counts.counts.sum(axis=0, dtype=np.int64)
        self.registered_counted = int(self.unit_registered[pos].sum())
        self.actas_counted = int(pos.shape[0])

    def position(self, unit: int) -> int:
        if not 0 <= unit <= _INT32_MAX:
            raise KeyError(f"unit {unit} does not vote in contest '{self.contest_id}'")
        pos = int(self.units.searchsorted(np.int32(unit)))  # an int64 key would copy units
        if pos >= self.units.shape[0] or int(self.units[pos]) != unit:
            raise KeyError(f"unit {unit} does not vote in contest '{self.contest_id}'")
        return pos

    def remove_at(self, pos: int) -> None:
        self.sums -= self.rows[pos]
        self.rows[pos] = 0
        self.counted[pos] = False
        self.registered_counted -= int(self.unit_registered[pos])
        self.actas_counted -= 1

    def totals(self) -> Totals:
        return Totals.from_sums(
            self.sums,
            registered=self.registered,
            registered_counted=self.registered_counted,
            actas_counted=self.actas_counted,
            actas_expected=int(self.units.shape[0]),
        )

    def counts(self) -> ContestCounts:
        return ContestCounts(self.contest_id, self.units[self.counted], self.rows[self.counted])


class RunningTally:
    """Per-contest totals kept current as actas are set and removed."""

    def __init__(self, definition: Definition, counts: Iterable[ContestCounts] = ()) -> None:
        self.definition = definition
        self._states = {cid: _ContestState(definition, cid) for cid in definition.contests}
        for c in counts:
            self.load(c)

    def _state(self, contest_id: str) -> _ContestState:
        try:
            return self._states[contest_id]
        except KeyError:
            raise KeyError(f"unknown contest '{contest_id}'") from None

    def load(self, counts: ContestCounts) -> None:
        """Replace everything known about a contest with these counts."""
        check_counts(self.definition, counts)
        self._state(counts.contest_id).load(counts)

    def set_acta(self, contest_id: str, unit_index: int, row: Sequence[int] | IntArray) -> None:
        """Count this row (options, null, blank, voters) for the unit, replacing any previous one.

        Raises ``KeyError`` when the unit does not vote in the contest and ``ValueError``
        when the row has the wrong width.
        """
        state = self._state(contest_id)
        values = np.asarray(row, dtype=np.int64)
        if values.shape != (state.width,):
            raise ValueError(
                f"contest '{contest_id}' rows have {state.width} values, got {values.shape}"
            )
        pos = state.position(unit_index)
        if state.counted[pos]:
            state.remove_at(pos)
        state.rows[pos] = values
        state.counted[pos] = True
        state.sums += values
        state.registered_counted += int(state.unit_registered[pos])
        state.actas_counted += 1

    def remove_acta(self, contest_id: str, unit_index: int) -> None:
        """Stop counting the unit's acta; raises ``KeyError`` when none is counted."""
        state = self._state(contest_id)
        pos = state.position(unit_index)
        if not state.counted[pos]:
            raise KeyError(f"no acta counted for unit {unit_index} in contest '{contest_id}'")
        state.remove_at(pos)

    def totals(self, contest_id: str) -> Totals:
        """Current summed counts of the contest."""
        return self._state(contest_id).totals()

    def result(self, contest_id: str) -> ContestResult:
        """Current whole-contest result with race status."""
        return build_result(self.definition, contest_id, self._state(contest_id).totals())

    def results(self) -> list[ContestResult]:
        """Current whole-contest results of every contest, in definition order."""
        return [self.result(cid) for cid in self._states]

    def counts(self, contest_id: str) -> ContestCounts:
        """The counted rows of a contest (sorted by unit index)."""
        return self._state(contest_id).counts()

    def summary(self) -> Summary:
        """Election summary of the current state (O(units) for the turnout)."""
        return summarize(
            self.definition, self.results(), [s.counts() for s in self._states.values()]
        )
