"""Tests of the outlier screens."""

from __future__ import annotations

import numpy as np
import polars as pl

from escrutinio.forensics.outliers import find_outliers, order_change_point, order_shifts
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import from_frame


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit": ["u1", "u2", "u3", "u4", "u5"],
            "region": ["X", "X", "X", "Y", "Y"],
            "registered": [100, 300, 300, 300, 300],
            "voters": [120, 200, 200, 200, 150],
            "null": [0, 0, 0, 0, 0],
            "A": [60, 100, 100, 100, 148],
            "B": [60, 100, 100, 100, 2],
            "C": [0, 0, 0, 0, 0],
        }
    )


def test_each_kind_found_with_geography() -> None:
    found = find_outliers(from_frame(_frame(), COLUMNS))
    kinds = [(o.kind, o.unit) for o in found]
    assert kinds[0] == ("turnout_over_100", "u1")
    # u2 and u3 are identical in region X; u4 has the same numbers but is in region Y
    assert ("duplicate_result", "u2") in kinds and ("duplicate_result", "u3") in kinds
    assert ("duplicate_result", "u4") not in kinds
    assert ("near_unanimous", "u5") in kinds
    assert found[0].region == {"region": "X"}
    assert "120 voters for 100 registered" in found[0].reason


def test_reporting_order_shift_detected() -> None:
    frame = simulate_election(20_000, seed=4)
    order = np.argsort(frame["received_at"].to_numpy())
    late = order[-600:]
    a = frame["A"].to_numpy().copy()
    b = frame["B"].to_numpy().copy()
    a[late] += b[late] // 2
    b[late] -= b[late] // 2
    frame = frame.with_columns(pl.Series("A", a), pl.Series("B", b))
    shifts = order_shifts(from_frame(frame, COLUMNS), block=200)
    assert shifts
    assert all("reporting positions" in s.reason for s in shifts)
    assert any("19801-20000" in s.reason for s in shifts)
    change = order_change_point(from_frame(frame, COLUMNS), block=200)
    assert len(change) == 1
    assert "position 19401" in change[0].reason


def test_no_change_point_on_clean_order() -> None:
    assert order_change_point(from_frame(simulate_election(20_000, seed=5), COLUMNS)) == []


def test_no_shift_without_order() -> None:
    data = from_frame(simulate_election(2_000, seed=4).drop("received_at"), COLUMNS)
    assert order_shifts(data) == []
