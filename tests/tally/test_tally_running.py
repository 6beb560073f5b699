"""RunningTally: incremental updates equal a fresh full tally (hypothesis invariants)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tally_fixtures import counts_of, make_definition

from escrutinio.model import Definition
from escrutinio.tally import RunningTally, tally_contest

DEFINITION = make_definition()
CONTESTS = list(DEFINITION.contests)


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, int, list[int] | None]]:
    """A sequence of (contest, unit, row or None for remove) on eligible units."""
    ops: list[tuple[str, int, list[int] | None]] = []
    for _ in range(draw(st.integers(0, 25))):
        cid = draw(st.sampled_from(CONTESTS))
        unit = int(draw(st.sampled_from(list(DEFINITION.contest_units(cid)))))
        if draw(st.booleans()):
            ops.append((cid, unit, None))
        else:
            width = len(DEFINITION.contests[cid].options) + 3
            ops.append(
                (cid, unit, draw(st.lists(st.integers(0, 600), min_size=width, max_size=width)))
            )
    return ops


@settings(max_examples=150, deadline=None)
@given(operations())
def test_running_equals_full_tally(ops: list[tuple[str, int, list[int] | None]]) -> None:
    tally = RunningTally(DEFINITION)
    model: dict[str, dict[int, list[int]]] = {cid: {} for cid in CONTESTS}
    for cid, unit, row in ops:
        if row is None:
            if unit in model[cid]:
                tally.remove_acta(cid, unit)
                del model[cid][unit]
            else:
                with pytest.raises(KeyError):
                    tally.remove_acta(cid, unit)
        else:
            tally.set_acta(cid, unit, row)
            model[cid][unit] = row
        totals = tally.totals(cid)
        rows = list(model[cid].values())
        width = len(DEFINITION.contests[cid].options) + 3
        expected = np.array(rows, dtype=np.int64).reshape(-1, width).sum(axis=0)
        assert totals.options.tolist() == expected[:-3].tolist()
        assert [totals.null, totals.blank, totals.voters] == expected[-3:].tolist()
        assert totals.actas_counted == len(rows)
    for cid in CONTESTS:
        ids = {DEFINITION.units.ids[u]: r for u, r in model[cid].items()}
        fresh = tally_contest(DEFINITION, counts_of(DEFINITION, cid, ids))
        assert tally.result(cid) == fresh


def test_load_then_update(definition: Definition) -> None:
    rows = {u: [60, 40, 0, 0, 100] for u in ("u1", "u2", "u3", "u4")}
    tally = RunningTally(definition, [counts_of(definition, "pres", rows)])
    before = tally.result("pres")
    assert before.status is not None and before.status.state == "counting"
    u5 = definition.units.index["u5"]
    tally.set_acta("pres", u5, [300, 100, 0, 0, 400])
    after = tally.result("pres")
    assert after.status is not None and after.status.state == "final"
    assert after.candidate("p1").votes == 540
    tally.set_acta("pres", u5, [100, 300, 0, 0, 400])
    assert tally.result("pres").candidate("p1").votes == 340
    full = counts_of(definition, "pres", {**rows, "u5": [100, 300, 0, 0, 400]})
    assert tally.result("pres") == tally_contest(definition, full)
    assert tally.counts("pres").units.tolist() == sorted(full.units.tolist())
    summary = tally.summary()
    assert summary.seats == {"MUD": 1}


def test_rejects_bad_updates(definition: Definition) -> None:
    tally = RunningTally(definition)
    u4 = definition.units.index["u4"]
    with pytest.raises(KeyError, match="does not vote"):
        tally.set_acta("gov-S1", u4, [0] * 7)
    with pytest.raises(ValueError, match="values"):
        tally.set_acta("pres", u4, [0] * 6)
    with pytest.raises(KeyError, match="unknown contest"):
        tally.result("nope")
