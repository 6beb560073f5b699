"""End-to-end: analysis on synthetic and real data, and the HTML report."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from escrutinio.forensics.analyze import analyze
from escrutinio.forensics.report import write_report
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import UnitColumns

VZ_COLUMNS = UnitColumns(
    options=("egu", "nm", "otros"),
    unit=None,
    regions=("Estado", "Municipio", "Parroquia"),
    registered=None,
    voters=None,
    null="nulos",
)


def test_report_written(tmp_path: Path) -> None:
    result = analyze(simulate_election(3_000, seed=8, f_e=0.02), COLUMNS, n_resamples=100)
    path = write_report(result, tmp_path)
    html = path.read_text()
    assert "No statistical test proves fraud" in html
    for test in result.tests:
        assert test.note[:40] in html.replace("&#39;", "'")
    for stem in ("fingerprint", "percentages", "digits", "reporting_order"):
        assert (tmp_path / f"{stem}.png").stat().st_size > 1000
        assert (tmp_path / f"{stem}.svg").read_text().startswith("<?xml")
    assert pl.read_csv(tmp_path / "outliers.csv").height == len(result.outliers)


def test_real_venezuela_2024(venezuela_2024: pl.DataFrame, tmp_path: Path) -> None:
    result = analyze(venezuela_2024, VZ_COLUMNS, n_resamples=200)
    by_name = {t.name.split(" (")[0]: t for t in result.tests}
    assert by_name["turnout × winner-share fingerprint"].status == "refused"
    assert by_name["integer percentages: turnout"].status == "refused"
    assert "registered electors are unknown" in by_name["integer percentages: turnout"].reason
    assert by_name["integer percentages: egu share"].ran
    assert by_name["last digit"].ran and by_name["second digit Benford"].ran
    dups = {
        (o.region["Parroquia"], o.reason.split(":")[0])
        for o in result.outliers
        if o.kind == "duplicate_result"
    }
    assert {p for p, _ in dups} == {"CARIRUBANA", "SAN JOSECITO"}
    html = write_report(result, tmp_path).read_text()
    assert "refused" in html
    assert not (tmp_path / "fingerprint.png").exists()
