"""Rendering of results and summary: Rich text, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from escrutinio.cli.render import (
    CSV_COLUMNS,
    render_result,
    render_text,
    results_csv,
    summary_tables,
    to_json,
)
from escrutinio.model import (
    Alliance,
    BallotOption,
    Candidate,
    Contest,
    Definition,
    DefinitionMeta,
    ElectionInfo,
    Party,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.tally import ContestCounts, ContestResult, summarize, tally_contest, tally_regions


def _definition() -> Definition:
    meta = DefinitionMeta(
        election=ElectionInfo(id="e", name="Elección de prueba", date="2017-10-15"),
        region_levels=["state"],
        alliances=[Alliance(id="GPP", name="Gran Polo"), Alliance(id="MUD", name="Unidad")],
        parties=[
            Party(id="PSUV", name="PSUV", alliance="GPP"),
            Party(id="PCV", name="PCV", alliance="GPP"),
            Party(id="AD", name="AD", alliance="MUD"),
        ],
        contests=[
            Contest(
                id="gov",
                name="Gobernación",
                candidates=[
                    Candidate(id="noguera", name="Justo Noguera"),
                    Candidate(id="av", name="Andrés Velásquez"),
                ],
                options=[
                    BallotOption(id="n-psuv", candidate="noguera", party="PSUV"),
                    BallotOption(id="n-pcv", candidate="noguera", party="PCV"),
                    BallotOption(id="av-ad", candidate="av", party="AD"),
                ],
            ),
            Contest(
                id="mayor",
                name="Alcaldía",
                scope="R1",
                candidates=[
                    Candidate(id="m1", name="M1", alliance="GPP"),
                    Candidate(id="m2", name="M2"),
                ],
            ),
        ],
    )
    regions = [RegionRow(f"R{i}", f"Región {i}", "state", None) for i in (1, 2, 3)]
    units = [
        UnitRow("u1", "R1", 1000),
        UnitRow("u2", "R1", 1000),
        UnitRow("u3", "R2", 800),
        UnitRow("u4", "R3", 900),
    ]
    return build_definition(meta, regions, units)


DEF = _definition()
COUNTS = {
    "gov": ContestCounts(
        "gov",
        np.array([0, 1, 2], np.int32),
        np.array(
            [[300, 50, 400, 10, 0, 760], [200, 40, 300, 5, 2, 547], [350, 20, 100, 4, 1, 475]]
        ),
    ),
    "mayor": ContestCounts(
        "mayor",
        np.array([0, 1], np.int32),
        np.array([[600, 150, 5, 5, 760], [300, 240, 5, 2, 547]]),
    ),
}


@pytest.fixture
def results() -> list[ContestResult]:
    """Whole-contest results followed by the governor race by state."""
    overall = [tally_contest(DEF, c) for c in COUNTS.values()]
    return overall + tally_regions(DEF, COUNTS["gov"], "state")


def test_result_text_has_status_actas_turnout(results: list[ContestResult]) -> None:
    gov = results[0]
    text = render_text(render_result(gov), width=120)
    assert "Gobernación" in text
    assert "Status: COUNTING — margin 160 <= 900 electors in 1 uncounted unit" in text
    assert "Actas: 3 of 4 (75.00%)" in text
    assert f"Turnout: {gov.turnout_pct:.2f}%" in text
    assert "Justo Noguera ✓" in text and "960" in text and "GPP" in text
    lines = [ln for ln in text.splitlines() if "Noguera" in ln or "Velásquez" in ln]
    assert "Noguera" in lines[0]  # ranked by votes
    mayor = render_text(render_result(results[1]), width=120)
    assert "FINAL" in mayor and "—" in mayor  # M2 has no alliance
    region = render_text(render_result(results[2]), width=120)
    assert "state Región 1 (R1)" in region and "Status" not in region


def test_summary_text(results: list[ContestResult]) -> None:
    summary = summarize(DEF, results, COUNTS)
    text = render_text(summary_tables(summary), width=120)
    assert "Pending: Gobernación" in text
    assert "Seats (decided races)" in text
    gpp = next(ln for ln in text.splitlines() if "GPP" in ln and "," in ln)
    assert "1,860" in gpp and "60.98" in gpp  # 960 on two governor cards + 900 for mayor
    assert summary.votes == {"GPP": 1860, "MUD": 800, "independent": 390}
    assert "turnout 63.64% (1,782 voters of 2,800 registered" in text


def test_json_round_trips(results: list[ContestResult]) -> None:
    text = to_json(results[0])
    assert "Andrés Velásquez" in text  # ensure_ascii=False
    assert ContestResult.from_dict(json.loads(text)) == results[0]
    many = json.loads(to_json(results))
    assert [d["region_id"] for d in many] == [None, None, "R1", "R2", "R3"]
    summary = json.loads(to_json(summarize(DEF, results, COUNTS)))
    assert summary["seats"] == {"GPP": 1}
    assert summary["pending"] == ["Gobernación"]


def test_csv_rows(results: list[ContestResult]) -> None:
    rows = list(csv.DictReader(io.StringIO(results_csv(results))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2 + 2 + 3 * 2
    noguera = [r for r in rows if r["candidate_id"] == "noguera"]
    assert [r["region_id"] for r in noguera] == ["", "R1", "R2", "R3"]
    assert int(noguera[0]["votes"]) == sum(int(r["votes"]) for r in noguera[1:]) == 960
    assert noguera[0]["status"] == "counting" and noguera[1]["status"] == ""
    assert noguera[0]["winner"] == "1"
