"""Race status: final, irreversible (the CNE rule) and counting, with their boundaries."""

from __future__ import annotations

import numpy as np
import pytest
from tally_fixtures import counts_of, make_definition

from escrutinio.model import Definition
from escrutinio.tally import ContestResult, RaceStatus, tally_contest


def _pres(definition: Definition, rows: dict[str, list[int]]) -> RaceStatus:
    result: ContestResult = tally_contest(definition, counts_of(definition, "pres", rows))
    assert result.status is not None
    return result.status


def test_margin_equal_to_outstanding_is_not_irreversible(definition: Definition) -> None:
    # u1..u3 (100 + 200 + 300 = 600 electors) are outstanding.
    status = _pres(definition, {"u5": [400, 0, 0, 0, 400], "u4": [300, 100, 0, 0, 400]})
    assert status.margin_votes == 600
    assert status.outstanding_electors == 600
    assert status.actas_outstanding == 3
    assert status.state == "counting"
    assert status.leaders == ("p1",)


def test_margin_one_above_outstanding_is_irreversible(definition: Definition) -> None:
    status = _pres(definition, {"u5": [400, 0, 0, 0, 400], "u4": [301, 100, 0, 0, 401]})
    assert status.state == "irreversible"
    assert status.decided
    assert status.reason == "margin 601 > 600 electors in 3 uncounted units"


def test_tolerance_widens_the_outstanding_bound() -> None:
    definition = make_definition(registered_tolerance=1)
    status = _pres(definition, {"u5": [400, 0, 0, 0, 400], "u4": [302, 100, 0, 0, 402]})
    assert status.outstanding_electors == 603
    assert status.state == "counting"


def test_no_acta_counted_is_counting(definition: Definition) -> None:
    r = tally_contest(
        definition,
        counts_of(definition, "pres", {"u1": [0, 0, 0, 0, 0]}),
    )
    assert r.status is not None and r.status.state == "counting"
    assert r.margin_pct is None


def test_final_with_recount_range(definition: Definition) -> None:
    rows = {
        "u1": [50, 50, 0, 0, 100],
        "u2": [100, 100, 0, 0, 200],
        "u3": [150, 150, 0, 0, 300],
        "u4": [200, 200, 0, 0, 400],
        "u5": [251, 249, 0, 0, 500],
    }
    r = tally_contest(definition, counts_of(definition, "pres", rows))
    assert r.status is not None
    assert r.status.state == "final"
    assert r.status.recount_range and not r.status.tie
    assert r.margin_votes == 2
    assert r.margin_pct == pytest.approx(100 * 2 / 1500)
    assert "under the 0.5% recount threshold" in r.status.reason


def test_final_outside_recount_range(definition: Definition) -> None:
    rows = {u: [60, 40, 0, 0, 100] for u in ("u1", "u2", "u3", "u4", "u5")}
    r = tally_contest(definition, counts_of(definition, "pres", rows))
    assert r.status is not None
    assert r.status.state == "final" and not r.status.recount_range
    assert r.status.outstanding_electors == 0


def test_tie_for_last_seat_is_final_recount_and_tie(definition: Definition) -> None:
    rows = {u: [50, 50, 0, 0, 100] for u in ("u1", "u2", "u3", "u4", "u5")}
    r = tally_contest(definition, counts_of(definition, "pres", rows))
    assert r.status is not None
    assert (r.status.state, r.status.recount_range, r.status.tie) == ("final", True, True)
    assert r.winners == ("p1",)  # definition order breaks the tie, flagged above
    assert r.margin_votes == 0


def test_custom_recount_threshold() -> None:
    definition = make_definition(recount_threshold_pct=25.0)
    rows = {u: [60, 40, 0, 0, 100] for u in ("u1", "u2", "u3", "u4", "u5")}
    r = tally_contest(definition, counts_of(definition, "pres", rows))
    assert r.status is not None and r.status.recount_range


def test_multi_seat_irreversible_uses_last_winner(definition: Definition) -> None:
    # council: x, y win; margin y - z must exceed u2..u5 electors (1400).
    rows = {"u1": [3000, 1500, 99, 0, 0, 0, 4599]}
    r = tally_contest(definition, counts_of(definition, "council", rows))
    assert r.margin_votes == 1401
    assert r.status is not None and r.status.state == "irreversible"
    rows = {"u1": [3000, 1499, 99, 0, 0, 0, 4598]}
    r = tally_contest(definition, counts_of(definition, "council", rows))
    assert r.status is not None and r.status.state == "counting"
    assert np.isclose(r.electors_reported_pct, 100 * 100 / 1500)
