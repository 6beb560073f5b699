"""Reconciliation of two collections with known insertions, deletions and alterations."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import polars as pl
import pytest

from escrutinio.reconcile.compare import reconcile
from escrutinio.reconcile.report import write_report
from escrutinio.reconcile.svgmap import choropleth_svg, load_states, normalize_name

COUNTS = ("egu", "nm", "otros")
STATES = ("ZULIA", "MIRANDA", "TACHIRA")
Pair = tuple[pl.DataFrame, pl.DataFrame, dict[str, set[str]]]


def _collection(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "id": [f"m{i:04d}" for i in range(n)],
            "state": [STATES[i % 3] for i in range(n)],
            "parish": [f"P{i % 17}" for i in range(n)],
            "egu": rng.integers(150, 400, n),
            "nm": rng.integers(50, 200, n),
            "otros": rng.integers(0, 30, n),
        }
    )


@pytest.fixture()
def pair() -> Pair:
    """A, and B = A minus 5 deleted rows, plus 4 inserted rows, with 6 rows altered."""
    a = _collection(300, seed=1)
    deleted = {"m0003", "m0050", "m0101", "m0202", "m0299"}
    altered = {"m0010", "m0020", "m0030", "m0140", "m0150", "m0260"}
    b = a.filter(~pl.col("id").is_in(list(deleted)))
    b = b.with_columns(
        pl.when(pl.col("id").is_in(list(altered)))
        .then(pl.col("nm") + 40)
        .otherwise(pl.col("nm"))
        .alias("nm")
    )
    inserted = pl.DataFrame(
        {
            "id": ["x1", "x2", "x3", "x4"],
            "state": ["ZULIA", "ZULIA", "MIRANDA", "TACHIRA"],
            "parish": ["P90", "P91", "P92", "P93"],
            "egu": [10, 20, 30, 40],
            "nm": [900, 800, 700, 600],
            "otros": [1, 2, 3, 4],
        }
    )
    b = pl.concat([b, inserted]).sample(fraction=1.0, shuffle=True, seed=3)
    known = {"only_a": deleted, "only_b": {"x1", "x2", "x3", "x4"}, "differing": altered}
    return a, b, known


def _by_status(units: pl.DataFrame) -> dict[str, set[str]]:
    return {
        s: set(units.filter(pl.col("status") == s)["id"].to_list())
        for s in ("identical", "differing", "only_a", "only_b")
    }


def test_match_by_id_classifies_every_unit(pair: Pair) -> None:
    a, b, known = pair
    rec = reconcile(a, b, COUNTS, unit="id", regions=("state", "parish"))
    got = _by_status(rec.units)
    for status in ("only_a", "only_b", "differing"):
        assert got[status] == known[status]
    assert len(got["identical"]) == 300 - 5 - 6
    assert rec.status_counts() == {"identical": 289, "differing": 6, "only_a": 5, "only_b": 4}
    diff = rec.units.filter(pl.col("status") == "differing")
    assert diff["nm_diff"].to_list() == [40] * 6 and diff["egu_diff"].to_list() == [0] * 6


def test_match_by_region_key_without_ids(pair: Pair) -> None:
    a, b, _ = pair
    rec = reconcile(a.drop("id"), b.drop("id"), COUNTS, regions=("state", "parish"))
    counts = rec.status_counts()
    assert counts == {"identical": 289, "differing": 6, "only_a": 5, "only_b": 4}
    # altered rows are paired with their originals: the only differences are +40 for nm
    diff = rec.units.filter(pl.col("status") == "differing")
    assert diff["nm_diff"].to_list() == [40] * 6
    assert set(rec.units.filter(pl.col("status") == "only_b")["parish"]) == {
        "P90",
        "P91",
        "P92",
        "P93",
    }


def test_totals_margins_and_rollups(pair: Pair) -> None:
    a, b, _ = pair
    rec = reconcile(a, b, COUNTS, unit="id", regions=("state", "parish"))
    totals = {r[0]: r[1:] for r in rec.totals().rows()}
    assert totals["nm"][0] == a["nm"].sum()
    assert totals["nm"][1] == b["nm"].sum()
    assert totals["nm"][2] == int(b["nm"].sum()) - int(a["nm"].sum())
    margins = rec.margins()
    assert margins["leader_a"] == "egu" and margins["runner_up_a"] == "nm"
    assert margins["margin_a"] == int(a["egu"].sum()) - int(a["nm"].sum())
    assert margins["margin_b_same_pair"] == int(b["egu"].sum()) - int(b["nm"].sum())
    assert margins["margin_change"] == cast(int, margins["margin_b"]) - margins["margin_a"]
    by_state = rec.margins_by("state")
    assert by_state["state"].to_list() == sorted(STATES)
    zulia_units = rec.units.filter(pl.col("state") == "ZULIA")
    zulia_margin = by_state.filter(pl.col("state") == "ZULIA")["margin_a"][0]
    assert zulia_margin == int(zulia_units["egu_a"].sum()) - int(zulia_units["nm_a"].sum())
    roll = rec.rollup("state")
    assert roll["discrepancies"].sum() == 15
    zulia = roll.filter(pl.col("state") == "ZULIA").row(0, named=True)
    assert zulia["only_b"] == 2


def test_duplicate_ids_rejected() -> None:
    a = _collection(10, seed=1)
    with pytest.raises(ValueError, match="duplicate"):
        reconcile(pl.concat([a, a.head(1)]), a, COUNTS, unit="id")


def test_svg_map_and_reports(pair: Pair, tmp_path: Path) -> None:
    a, b, _ = pair
    rec = reconcile(a, b, COUNTS, unit="id", regions=("state", "parish"))
    path = write_report(rec, tmp_path, "official", "witness", state_column="state")
    html = path.read_text()
    assert "<svg" in html and "official" in html
    svg = (tmp_path / "map.svg").read_text()
    assert svg.count("<path") == 25
    assert "ZULIA: " in svg and "#dddddd" in svg  # states without data are grey
    units = pl.read_csv(tmp_path / "units.csv")
    assert units.height == rec.units.height


def test_normalize_and_colors() -> None:
    assert normalize_name("Táchira ") == "TACHIRA"
    assert normalize_name("Fernando de Peñalver") == "FERNANDO DE PENALVER"
    svg = choropleth_svg(load_states(), {"Táchira": 5.0, "ZULIA": 10.0})
    assert 'fill="#ff0000"' in svg  # the largest value is full red
