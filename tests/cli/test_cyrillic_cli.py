"""Issue 14 "Done when": a definition and a results file with Cyrillic place names convert and
reconcile correctly, end to end through the CLI (convert → init → import → reconcile in the
store, and reconcile of two files spelled differently)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from escrutinio.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "io" / "data"


def run(args: list[str], code: int = 0, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", **(env or {})})
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_cyrillic_definition_converts_imports_and_reconciles(tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "ru"
    mapping, results = DATA / "russia_mapping.yaml", DATA / "russia_results.csv"
    text = run(["convert", str(mapping), str(results), "--out", str(out)])
    assert "7 of 7 rows converted, 9 regions, 7 units" in text
    regions = pl.read_csv(out / "regions.csv")
    # Орёл ≠ Орел and Йошкар ≠ Иошкар: four commissions, none merged, none emptied
    names = set(regions.get_column("name").to_list())
    assert {"Московская область", "Орёл", "Орел", "Йошкар-Олинская", "Иошкар-Олинская"} <= names
    assert regions.get_column("id").n_unique() == regions.height == 9

    env = {"ESCRUTINIO_DB": db_url}
    run(["init", str(out / "election.yaml")], env=env)
    run(["import", str(out / "actas.csv")], env=env)
    witness = pl.read_csv(out / "actas.csv").with_columns(
        pl.lit("witness").alias("source"),
        pl.when(pl.col("unit") == "uik-0301")  # the Орёл commission's sheet, one cell altered
        .then(pl.col("er") + 50)
        .otherwise(pl.col("er"))
        .alias("er"),
        pl.when(pl.col("unit") == "uik-0301")
        .then(pl.col("voters") + 50)
        .otherwise(pl.col("voters"))
        .alias("voters"),
    )
    witness.write_csv(tmp_path / "witness.csv")
    run(["import", str(tmp_path / "witness.csv")], env=env)
    text = run(["reconcile", "cik", "witness", "--out", str(tmp_path / "rec")], env=env)
    assert "│ duma │ 6 │ 1 │ 0 │ 0 │" in text
    units = pl.read_csv(tmp_path / "rec" / "duma" / "units.csv")
    differing = units.filter(pl.col("status") == "differing")
    assert differing.get_column("unit").to_list() == ["uik-0301"]
    html = (tmp_path / "rec" / "duma" / "index.html").read_text(encoding="utf-8")
    assert "Орловская область" in html and "Московская область" in html


def test_cyrillic_files_reconcile_through_the_cli(tmp_path: Path) -> None:
    witness = pl.read_csv(DATA / "russia_witness.csv").rename(
        {"регион": "Регион", "тик": "ТИК", "уик": "УИК"}
    )
    witness.write_csv(tmp_path / "witness.csv")
    args = ["reconcile", str(DATA / "russia_results.csv"), str(tmp_path / "witness.csv")]
    args += ["--counts", "ЕР,КПРФ,Другие", "--regions", "Регион,ТИК"]
    text = run([*args, "--out", str(tmp_path / "r1")])
    # МОСКОВСКАЯ обл. = Московская область, Марий Эл = Республика Марий Эл
    assert "'identical': 7" in text and "0 unmatched place name(s)" in text

    # a witness that writes Орел for Орёл: not the same place, listed with its candidate
    renamed = witness.with_columns(pl.col("ТИК").str.replace("^Орёл$", "Орел"))
    renamed.write_csv(tmp_path / "renamed.csv")
    args[2] = str(tmp_path / "renamed.csv")
    text = run([*args, "--out", str(tmp_path / "r2")])
    assert "'identical': 6" in text and "1 unmatched place name(s)" in text
    unmatched = pl.read_csv(tmp_path / "r2" / "unmatched_names.csv")
    row = unmatched.row(0, named=True)
    assert row["name"] == "Орёл" and row["candidates"].startswith("Орел (")

    # the crosswalk, written in Cyrillic, says they are the same commission
    (tmp_path / "cw.csv").write_text("column,a,b\nТИК,Орёл,Орел\n", encoding="utf-8")
    text = run([*args, "--out", str(tmp_path / "r3"), "--crosswalk", str(tmp_path / "cw.csv")])
    assert "'identical': 7" in text and "0 unmatched place name(s)" in text
