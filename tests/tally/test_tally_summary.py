"""Election summary, JSON dicts and the comparison helper."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from tally_fixtures import counts_of

from escrutinio.model import Definition
from escrutinio.tally import (
    ContestCounts,
    ContestResult,
    diff,
    summarize,
    tally_contest,
    tally_regions,
)


def _counts(definition: Definition) -> dict[str, ContestCounts]:
    gov = {
        "u1": [30, 10, 35, 5, 2, 1, 83],
        "u2": [60, 20, 70, 10, 4, 0, 164],
        "u3": [90, 30, 100, 20, 5, 3, 248],
    }
    council = {"u1": [10, 9, 8, 1, 0, 0, 90]}
    pres = {
        "u5": [450, 10, 5, 0, 465],
        "u4": [380, 5, 0, 0, 385],
        "u1": [80, 10, 0, 0, 90],
    }
    return {
        "gov-S1": counts_of(definition, "gov-S1", gov),
        "council": counts_of(definition, "council", council),
        "pres": counts_of(definition, "pres", pres),
    }


def test_summary_seats_pending_votes_turnout(definition: Definition) -> None:
    counts = _counts(definition)
    results = [tally_contest(definition, c) for c in counts.values()]
    states = {r.contest_id: r.status.state for r in results if r.status}
    assert states == {"gov-S1": "final", "council": "counting", "pres": "irreversible"}
    s = summarize(definition, results, counts)
    assert s.seats == {"GPP": 2}
    assert s.pending == ("Council",)
    assert s.pending_ids == ("council",)
    # gov: GPP 240, MUD 205, independent 35; council: GPP 10, MUD 17, indep 1;
    # pres: GPP 910, MUD 25.
    assert s.votes == {"GPP": 1160, "MUD": 247, "independent": 36}
    assert s.valid == 480 + 28 + 935
    assert sum(s.vote_shares.values()) == pytest.approx(100.0)
    # units counted: u1 (max 90), u2 164, u3 248, u4 385, u5 465; all registered 1500.
    assert s.turnout.voters == 90 + 164 + 248 + 385 + 465
    assert s.turnout.registered == 1500
    assert s.turnout.pct == pytest.approx(100 * 1352 / 1500)
    assert (s.actas_counted, s.actas_expected) == (3 + 1 + 3, 3 + 5 + 5)
    assert s.contests_by_status == {
        "final": ["gov-S1"],
        "irreversible": ["pres"],
        "counting": ["council"],
    }
    d = s.to_dict()
    for key in ("seats", "pending", "votes", "turnout"):
        assert key in d
    assert json.loads(json.dumps(d)) == d


def test_summary_ignores_region_rows(definition: Definition) -> None:
    counts = _counts(definition)
    results = [tally_contest(definition, c) for c in counts.values()]
    regional = tally_regions(definition, counts["pres"], "state")
    assert summarize(definition, results + regional, counts) == summarize(
        definition, results, counts
    )


def test_independent_winner_seat_key(definition: Definition) -> None:
    rows = {u: [10, 10, 10, 50, 0, 0, 80] for u in ("u1", "u2", "u3", "u4", "u5")}
    counts = {"council": counts_of(definition, "council", rows)}
    result = tally_contest(definition, counts["council"])
    assert result.winners == ("w", "x")
    s = summarize(definition, [result], counts)
    assert s.seats == {"GPP": 1, "independent": 1}
    assert [w.alliance for w in s.seat_winners] == ["independent", "GPP"]


def test_result_dict_round_trip_and_diff(definition: Definition) -> None:
    counts = _counts(definition)
    for c in counts.values():
        for r in [tally_contest(definition, c), *tally_regions(definition, c, "municipality")]:
            d = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
            assert ContestResult.from_dict(d) == r
            assert diff(d, r.to_dict()) == []
    r = tally_contest(definition, counts["pres"])
    published = cast(dict[str, Any], r.to_dict())  # edited below like a tampered file
    published["candidates"][0]["votes"] += 1
    published["turnout_pct"] += 1e-3
    del published["null"]
    assert diff(published, r.to_dict()) == [
        "$.candidates[0].votes: 911 != 910",
        "$.null: unexpected in actual",
        f"$.turnout_pct: {published['turnout_pct']!r} != {r.turnout_pct!r}",
    ]


def test_diff_types_and_lengths() -> None:
    assert diff({"a": [1, 2]}, {"a": [1]}) == ["$.a: length 2 != 1"]
    assert diff({"a": 1}, {"a": True}) == ["$.a: 1 != True"]
    assert diff({"a": 1.0}, {"a": 1}) == []
    assert diff({"a": None}, {}) == ["$.a: missing in actual"]
