"""Regression (issue 9, item 7): reconcile when one collection has no actas for a contest.

``escrutinio reconcile`` used to stop with a Polars join error: an empty collection's columns
have no type, and joining them with the other side's text columns failed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.reconcile import reconcile, write_report

DEFINITION = """
election: {id: rec-test, name: Reconcile test, date: "2017-10-15"}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
contests:
  - {id: gov-A, name: Governor A, candidates: [{id: ana, name: Ana}, {id: beto, name: Beto}]}
  - {id: gov-B, name: Governor B, candidates: [{id: cira, name: Cira}, {id: dino, name: Dino}]}
"""
REGIONS = "id,name,level,parent\nA,State A,state,\nA1,Parish 1,parish,A\n"
UNITS = "id,region,registered\n" + "".join(f"u{i},A1,500\n" for i in range(4))


def _actas(contest: str, source: str, first: str, second: str) -> str:
    head = f"unit,contest,source,received_at,voters,null,blank,{first},{second}\n"
    return head + "".join(
        f"u{i},{contest},{source},2017-10-15T22:00:00Z,100,0,,{60 - i},{40 + i}\n" for i in range(4)
    )


def _cli(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return " ".join(result.output.split())


def test_one_side_empty_gives_only_a_rows() -> None:
    a = pl.DataFrame({"unit": ["u1", "u2"], "state": ["X", "Y"], "c1": [1, 2]})
    empty = pl.DataFrame({"unit": [], "state": [], "c1": []})
    rec = reconcile(a, empty, counts=("c1",), unit="unit", regions=("state",))
    assert rec.status_counts() == {"identical": 0, "differing": 0, "only_a": 2, "only_b": 0}
    assert rec.units["c1_diff"].to_list() == [-1, -2]
    flipped = reconcile(empty, a, counts=("c1",), regions=("state",))
    assert flipped.status_counts()["only_b"] == 2
    assert flipped.totals()["diff"].to_list() == [3]


def test_key_columns_of_different_types_are_compared_as_text() -> None:
    a = pl.DataFrame({"unit": [1, 2], "c1": [5, 6]})
    b = pl.DataFrame({"unit": ["1", "3"], "c1": [5, 7]})
    rec = reconcile(a, b, counts=("c1",), unit="unit")
    assert rec.status_counts() == {"identical": 1, "differing": 0, "only_a": 1, "only_b": 1}


def test_store_source_without_actas_for_a_contest(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "election.yaml").write_text(DEFINITION)
    (tmp_path / "regions.csv").write_text(REGIONS)
    (tmp_path / "units.csv").write_text(UNITS)
    env = {"ESCRUTINIO_DB": db_url, "COLUMNS": "160"}
    _cli(env, "init", str(tmp_path / "election.yaml"))
    for name, text in {
        "a.csv": _actas("gov-A", "official", "ana", "beto"),
        "b.csv": _actas("gov-B", "official", "cira", "dino"),
        "w.csv": _actas("gov-A", "witness", "ana", "beto"),
    }.items():
        (tmp_path / name).write_text(text)
        _cli(env, "import", str(tmp_path / name))
    out = _cli(env, "reconcile", "official", "witness", "--out", str(tmp_path / "rec"))
    assert "gov-A" in out and "gov-B" in out
    units_b = (tmp_path / "rec" / "gov-B" / "units.csv").read_text()
    assert units_b.count("only_a") == 4
    assert (tmp_path / "rec" / "gov-B" / "index.html").exists()
    units_a = (tmp_path / "rec" / "gov-A" / "units.csv").read_text()
    assert units_a.count("identical") == 4


def test_file_with_header_only(tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.write_text("unit,state,x,y\nu1,S,3,4\nu2,S,5,6\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("unit,state,x,y\n")
    out = _cli(
        {"COLUMNS": "160"},
        "reconcile",
        str(full),
        str(empty),
        "--out",
        str(tmp_path / "rec"),
        "--counts",
        "x,y",
        "--unit",
        "unit",
        "--regions",
        "state",
    )
    assert "'only_a': 2" in out
    assert (tmp_path / "rec" / "units.csv").read_text().count("only_a") == 2


def test_report_of_two_empty_collections(tmp_path: Path) -> None:
    empty = pl.DataFrame({"unit": [], "state": [], "c1": []})
    rec = reconcile(empty, empty, counts=("c1",), unit="unit", regions=("state",))
    assert rec.units.height == 0
    write_report(rec, tmp_path, label_a="a", label_b="b", state_column="state")
    assert (tmp_path / "index.html").exists()


def test_file_that_is_not_csv_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("unit,x\nu1,3\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("unit,x\nu1,3\nu2,4,5,6\n")
    out = _cli(
        {"COLUMNS": "160"},
        "reconcile",
        str(good),
        str(ragged),
        "--out",
        str(tmp_path / "rec"),
        "--counts",
        "x",
        "--unit",
        "unit",
        code=2,
    )
    assert "ragged.csv: cannot read as CSV" in out
    assert not (tmp_path / "rec").exists()
