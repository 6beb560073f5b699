"""Invariants of reconciliation (hypothesis)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.reconcile.compare import reconcile

ROWS = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2", "P3"]),
        st.integers(0, 50),
        st.integers(0, 50),
    ),
    min_size=0,
    max_size=30,
)


def _frame(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"parish": [r[0] for r in rows], "x": [r[1] for r in rows], "y": [r[2] for r in rows]},
        schema={"parish": pl.String, "x": pl.Int64, "y": pl.Int64},
    )


@settings(max_examples=60, deadline=None)
@given(ROWS, ROWS)
def test_every_row_accounted_for_once(
    rows_a: list[tuple[str, int, int]], rows_b: list[tuple[str, int, int]]
) -> None:
    a, b = _frame(rows_a), _frame(rows_b)
    rec = reconcile(a, b, ("x", "y"), regions=("parish",))
    counts = rec.status_counts()
    assert counts["identical"] + counts["differing"] + counts["only_a"] == a.height
    assert counts["identical"] + counts["differing"] + counts["only_b"] == b.height
    assert sorted(rec.units["row_a"].drop_nulls().to_list()) == list(range(a.height))
    assert sorted(rec.units["row_b"].drop_nulls().to_list()) == list(range(b.height))
    totals = rec.totals()
    assert totals["total_a"].to_list() == [int(a["x"].sum()), int(a["y"].sum())]
    assert totals["diff"].to_list() == [
        int(b["x"].sum()) - int(a["x"].sum()),
        int(b["y"].sum()) - int(a["y"].sum()),
    ]


@settings(max_examples=30, deadline=None)
@given(ROWS)
def test_self_reconciliation_is_identical(rows: list[tuple[str, int, int]]) -> None:
    a = _frame(rows)
    rec = reconcile(a, a.reverse(), ("x", "y"), regions=("parish",))
    assert rec.status_counts()["identical"] == a.height
    assert rec.margins()["margin_change"] == 0
