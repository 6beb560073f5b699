"""forensics --counts FILE.csv without a store, reconcile of two files with a crosswalk, and
rows rejected at intake shown as their own group in the forensic report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.forensics.simulate import simulate_election

RUNNER = CliRunner()


def run(args: list[str], code: int = 0, env: dict[str, str] | None = None) -> str:
    result = RUNNER.invoke(app, args, env={"COLUMNS": "200", **(env or {})})
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_forensics_of_a_csv_file(tmp_path: Path) -> None:
    frame = simulate_election(1_500, seed=5)
    path = tmp_path / "actas.csv"
    frame.write_csv(path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("bad1,R01,500,300,4,1O0,90,10,7\n")  # a letter O in a count
    out_dir = tmp_path / "f"
    out = run(
        [
            "forensics",
            "--counts",
            str(path),
            "--options",
            "A,B,C",
            "--regions",
            "region",
            "--unit",
            "unit",
            "--registered",
            "registered",
            "--voters",
            "voters",
            "--null",
            "null",
            "--resamples",
            "50",
            "--out",
            str(out_dir),
        ]
    )
    assert "1 rows set apart" in out and "fingerprint" in out
    rejected = pl.read_csv(out_dir / "rejected.csv")
    assert (
        rejected["line"].to_list() == [1_502]
        and "A: expected a whole number" in rejected["issues"][0]
    )
    html = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "Rejected at intake: a flagged group (1)" in html and "bad1,R01" in html
    tests = pl.read_csv(out_dir / "tests.csv")
    assert tests.filter(pl.col("test").str.contains("fingerprint"))["n_used"][0] == 1_500


def test_forensics_counts_errors_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")
    out = run(["forensics", "--counts", str(path), "--out", str(tmp_path / "o")], code=2)
    assert "needs --options" in out
    out = run(
        ["forensics", "--counts", str(path), "--options", "A", "--out", str(tmp_path / "o")],
        code=2,
    )
    assert "missing column(s) A" in out
    out = run(["forensics", "--options", "A", "--out", str(tmp_path / "o")], code=2)
    assert "give --counts FILE.csv too" in out


def test_reconcile_files_with_crosswalk(tmp_path: Path) -> None:
    header = "Estado,Parroquia,egu,nm\n"
    (tmp_path / "a.csv").write_text(
        header + "DISTRITO CAPITAL,Catedral,300,120\nEDO. ZULIA,San Francisco,250,140\n",
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        header + "CAPITAL,CATEDRAL,300,120\nZulia,SN FRANCISCO,250,140\n", encoding="utf-8"
    )
    args = ["reconcile", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--counts", "egu,nm"]
    args += ["--regions", "Estado,Parroquia", "--out", str(tmp_path / "r")]
    out = run(args)
    assert "'identical': 1" in out and "2 unmatched place name(s)" in out
    (tmp_path / "cw.csv").write_text(
        "column,a,b\nParroquia,San Francisco,SN FRANCISCO\n", encoding="utf-8"
    )
    out = run([*args, "--crosswalk", str(tmp_path / "cw.csv")])
    assert "'identical': 2" in out and "0 unmatched place name(s)" in out
    (tmp_path / "bad.csv").write_text("column,a\n", encoding="utf-8")
    out = run([*args, "--crosswalk", str(tmp_path / "bad.csv")], code=2)
    assert "bad.csv: line 1: expected the header column,a,b" in out


def test_store_forensics_lists_rejected_rows(tmp_path: Path, db_url: str) -> None:
    from test_core_cli import DEFINITION, HEADER, REGIONS, UNITS, acta

    (tmp_path / "election.yaml").write_text(DEFINITION)
    (tmp_path / "regions.csv").write_text(REGIONS)
    (tmp_path / "units.csv").write_text(UNITS)
    env = {"ESCRUTINIO_DB": db_url}
    run(["init", str(tmp_path / "election.yaml")], env=env)
    actas = tmp_path / "official.csv"
    bad = "u9,gov-A,,2017-10-15T22:00:00Z,999,2,,1,2,3\n"  # voters do not add up
    actas.write_text(HEADER + "".join(acta(i, 200 + i, 20, 150 - i) for i in range(8)) + bad)
    run(["import", str(actas)], code=1, env=env)
    out = run(["forensics", "--out", str(tmp_path / "f"), "--resamples", "50"], env=env)
    assert "1 rows rejected at intake" in out
    html = (tmp_path / "f" / "gov-A" / "index.html").read_text(encoding="utf-8")
    assert "Rejected at intake: a flagged group (1)" in html and "u9,gov-A" in html
    assert pl.read_csv(tmp_path / "f" / "gov-A" / "rejected.csv")["line"].to_list() == [10]
