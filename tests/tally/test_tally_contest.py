"""Whole-contest and regional tallies on the small hand-made election."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tally_fixtures import counts_of, make_definition

from escrutinio.model import Acta, Definition
from escrutinio.tally import ContestCounts, counts_from_actas, tally_contest, tally_regions

GOV_ROWS = {
    "u1": [30, 10, 35, 5, 2, 1, 83],
    "u2": [60, 20, 70, 10, 4, 0, 164],
    "u3": [90, 30, 100, 20, 5, 3, 248],
}


def test_candidate_on_two_cards_is_summed(definition: Definition) -> None:
    r = tally_contest(definition, counts_of(definition, "gov-S1", GOV_ROWS))
    assert r.candidate("ana").votes == 180 + 60
    assert r.candidate("beto").votes == 205
    assert r.candidate("cruz").votes == 35
    assert r.valid == 480
    assert r.candidate("ana").pct == pytest.approx(50.0)
    assert r.candidate("ana").alliance == "GPP"
    assert r.candidate("cruz").alliance is None
    assert [p.votes for p in r.parties] == [180, 60, 205, 35]
    assert r.winners == ("ana",)
    assert r.margin_votes == 35
    assert r.null == 11 and r.blank == 4 and r.voters == 495


def test_alliance_totals(definition: Definition) -> None:
    r = tally_contest(definition, counts_of(definition, "gov-S1", GOV_ROWS))
    assert {a.alliance_id: a.votes for a in r.alliances} == {"GPP": 240, "MUD": 205}
    assert {a.alliance_id: round(a.pct, 6) for a in r.alliances} == {
        "GPP": 50.0,
        "MUD": round(100 * 205 / 480, 6),
    }


def test_expected_and_turnout(definition: Definition) -> None:
    rows = {"u1": GOV_ROWS["u1"], "u3": GOV_ROWS["u3"]}
    r = tally_contest(definition, counts_of(definition, "gov-S1", rows))
    assert (r.actas_counted, r.actas_expected) == (2, 3)
    assert r.registered == 600 and r.registered_counted == 400
    assert r.turnout_pct == pytest.approx(100 * (83 + 248) / 400)
    assert r.reported_pct == pytest.approx(100 * 2 / 3)
    assert r.electors_reported_pct == pytest.approx(100 * 400 / 600)
    assert r.region_id is None and r.status is not None


def test_regions_roll_up_to_overall(definition: Definition) -> None:
    rows = {
        "u1": [10, 20, 3, 5, 1, 1, 40],
        "u3": [7, 8, 9, 1, 0, 0, 25],
        "u4": [50, 60, 70, 80, 2, 2, 264],
    }
    counts = counts_of(definition, "council", rows)
    overall = tally_contest(definition, counts)
    for level in ("state", "municipality"):
        rows_at = tally_regions(definition, counts, level)
        assert all(r.status is None and r.region_level == level for r in rows_at)
        for field in ("valid", "null", "blank", "voters", "registered", "registered_counted"):
            assert sum(getattr(r, field) for r in rows_at) == getattr(overall, field)
        assert sum(r.actas_expected for r in rows_at) == overall.actas_expected
        for i, cand in enumerate(overall.candidates):
            assert sum(r.candidates[i].votes for r in rows_at) == cand.votes
    muni = {r.region_id: r for r in tally_regions(definition, counts, "municipality")}
    assert set(muni) == {"M1", "M2", "M3"}
    assert (muni["M1"].actas_counted, muni["M1"].actas_expected) == (1, 2)
    assert muni["M1"].registered == 300 and muni["M1"].registered_counted == 100
    assert muni["M3"].region_name == "Mun 3"


def test_regions_only_where_contest_is_held(definition: Definition) -> None:
    counts = counts_of(definition, "gov-S1", GOV_ROWS)
    assert [r.region_id for r in tally_regions(definition, counts, "state")] == ["S1"]
    with pytest.raises(KeyError):
        tally_regions(definition, counts, "parish")


def test_counts_from_actas_matches_rows(definition: Definition) -> None:
    opts = tuple(o.id for o in definition.contests["gov-S1"].options)
    actas = [
        Acta(u, "gov-S1", "official", opts, tuple(r[:4]), r[4], r[5] or None, r[6], "t")
        for u, r in GOV_ROWS.items()
    ]
    by_contest = counts_from_actas(definition, actas)
    assert set(by_contest) == {"gov-S1", "council", "pres"}
    assert by_contest["pres"].units.size == 0
    a = tally_contest(definition, by_contest["gov-S1"])
    b = tally_contest(definition, counts_of(definition, "gov-S1", GOV_ROWS))
    assert a == b
    with pytest.raises(ValueError, match="two counting actas"):
        counts_from_actas(definition, [actas[0], actas[0]])


def test_bad_counts_are_rejected(definition: Definition) -> None:
    u4 = definition.units.index["u4"]
    outside = ContestCounts("gov-S1", np.array([u4], np.int32), np.zeros((1, 7), np.int64))
    with pytest.raises(ValueError, match="does not vote"):
        tally_contest(definition, outside)
    twice = ContestCounts("pres", np.array([0, 0], np.int32), np.zeros((2, 5), np.int64))
    with pytest.raises(ValueError, match="twice"):
        tally_contest(definition, twice)
    narrow = ContestCounts("pres", np.array([0], np.int32), np.zeros((1, 4), np.int64))
    with pytest.raises(ValueError, match="option columns"):
        tally_contest(definition, narrow)


def test_multi_seat_contest(definition: Definition) -> None:
    rows = {u: [40, 30, 29, 1, 0, 0, 100] for u in ("u1", "u2", "u3", "u4", "u5")}
    r = tally_contest(definition, counts_of(definition, "council", rows))
    assert r.winners == ("x", "y")
    assert r.margin_votes == 5  # y 150 - z 145
    assert r.status is not None and r.status.state == "final"
    assert r.status.leaders == ("x", "y")


def test_turnout_none_when_registered_unknown() -> None:
    definition = make_definition(registered_known=False)
    r = tally_contest(definition, counts_of(definition, "gov-S1", GOV_ROWS))
    assert r.turnout_pct is None
    assert r.status is not None and r.status.state == "final"


def test_registered_unknown_never_irreversible() -> None:
    definition = make_definition(registered_known=False)
    r = tally_contest(definition, counts_of(definition, "pres", {"u1": [100, 0, 0, 0, 100]}))
    assert r.status is not None
    assert r.status.state == "counting"
    assert r.status.outstanding_electors is None


_DEF = make_definition()


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(_DEF.contests)),
    st.lists(st.booleans(), min_size=5, max_size=5),
    st.data(),
)
def test_region_rows_always_sum_to_overall(
    contest_id: str, take: list[bool], data: st.DataObject
) -> None:
    width = len(_DEF.contests[contest_id].options) + 3
    units = [u for u, t in zip(_DEF.contest_units(contest_id).tolist(), take, strict=False) if t]
    row = st.lists(st.integers(0, 10**6), min_size=width, max_size=width)
    rows = {_DEF.units.ids[u]: data.draw(row) for u in units}
    counts = counts_of(_DEF, contest_id, rows)
    overall = tally_contest(_DEF, counts)
    assert overall.valid == sum(sum(r[:-3]) for r in rows.values())
    assert sum(c.votes for c in overall.candidates) == overall.valid
    for level in _DEF.region_levels:
        regional = tally_regions(_DEF, counts, level)
        assert sum(r.valid for r in regional) == overall.valid
        assert sum(r.voters for r in regional) == overall.voters
        assert sum(r.actas_counted for r in regional) == overall.actas_counted
        for i, opt in enumerate(overall.options):
            assert sum(r.options[i].votes for r in regional) == opt.votes
