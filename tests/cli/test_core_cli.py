"""The core commands end to end, as a user runs them: init, import, results, bulletins,
versions, conflicts, adjudicate, reconcile and forensics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app

DEFINITION = """
election: {id: cli-test, name: CLI test, date: "2017-10-15", recount_threshold_pct: 0.5}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
alliances: [{id: GPP, name: Gran Polo}, {id: MUD, name: Unidad}]
parties:
  - {id: PSUV, name: PSUV, alliance: GPP}
  - {id: PCV, name: PCV, alliance: GPP}
  - {id: MUDP, name: MUD, alliance: MUD}
contests:
  - id: gov-A
    name: Governor A
    scope: A
    candidates: [{id: ana, name: Ana}, {id: beto, name: Beto}]
    options:
      - {id: ana-psuv, candidate: ana, party: PSUV}
      - {id: ana-pcv, candidate: ana, party: PCV}
      - {id: beto-mud, candidate: beto, party: MUDP}
"""
REGIONS = "id,name,level,parent\nA,Bolívar,state,\nA1,Parish 1,parish,A\nA2,Parish 2,parish,A\n"
UNITS = "id,region,registered\n" + "".join(f"u{i},A{1 + i % 2},500\n" for i in range(10))
HEADER = "unit,contest,source,received_at,voters,null,blank,ana-psuv,ana-pcv,beto-mud\n"


def acta(unit: int, psuv: int, pcv: int, mud: int, source: str = "") -> str:
    voters = psuv + pcv + mud + 2
    return f"u{unit},gov-A,{source},2017-10-15T22:00:00Z,{voters},2,,{psuv},{pcv},{mud}\n"


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    (tmp_path / "election.yaml").write_text(DEFINITION)
    (tmp_path / "regions.csv").write_text(REGIONS)
    (tmp_path / "units.csv").write_text(UNITS)
    return {"ESCRUTINIO_DB": db_url, "COLUMNS": "160"}


def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    """Run the CLI; JSON/CSV output is returned as is, other text with wrapping undone."""
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    if "json" in args or "csv" in args:
        return result.output
    return " ".join(result.output.split())


def test_election_night(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "init", str(tmp_path / "election.yaml"))
    assert "10 polling units" in out and "5,000 registered electors" in out
    wave1 = tmp_path / "wave1.csv"
    wave1.write_text(
        HEADER + "".join(acta(i, 200, 20, 150) for i in range(8)) + "u99,gov-A,,,10,0,,1,1,1\n"
    )
    out = run(env, "import", str(wave1), code=1)
    assert "8 accepted" in out and "1 rejected" in out and "unknown polling unit 'u99'" in out
    summary = json.loads(run(env, "results", "--summary", "-f", "json"))
    # margin 8 × 70 = 560 ≤ 1,000 outstanding electors: still counting
    assert summary["seats"] == {} and summary["pending"] == ["Governor A"]
    results = json.loads(run(env, "results", "-f", "json"))
    assert results[0]["status"]["state"] == "counting"
    ana = next(c for c in results[0]["candidates"] if c["candidate_id"] == "ana")
    assert ana["votes"] == 8 * 220
    run(env, "bulletin")
    wave2 = tmp_path / "wave2.csv"
    wave2.write_text(HEADER + acta(8, 100, 10, 112) + acta(9, 100, 10, 112))
    run(env, "import", str(wave2))
    results = json.loads(run(env, "results", "-f", "json"))
    assert results[0]["status"]["state"] == "final"
    run(env, "bulletin")
    listing = json.loads(run(env, "bulletins", "-f", "json"))
    assert [b["number"] for b in listing] == [1, 2]
    first = json.loads(run(env, "results", "--bulletin", "1", "--summary", "-f", "json"))
    assert first["pending"] == ["Governor A"] and first["bulletin"] == 1
    csv_text = run(env, "results", "--level", "parish", "-f", "csv")
    assert csv_text.splitlines()[0].startswith("contest_id,") and "Parish 2" in csv_text
    table = run(env, "results")
    assert "FINAL" in table and "Ana" in table


def test_conflict_and_adjudication(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "init", str(tmp_path / "election.yaml"))
    first = tmp_path / "a.csv"
    first.write_text(HEADER + acta(0, 200, 20, 150))
    run(env, "import", str(first))
    second = tmp_path / "b.csv"
    second.write_text(HEADER + acta(0, 180, 20, 170))
    assert "1 conflicting" in run(env, "import", str(second))
    conflicts = json.loads(run(env, "conflicts", "-f", "json"))
    assert conflicts == [{"unit": "u0", "contest": "gov-A", "source": "official", "versions": 2}]
    versions = json.loads(run(env, "versions", "u0", "gov-A", "-f", "json"))
    assert [(v["version"], v["counting"]) for v in versions] == [(1, True), (2, False)]
    out = run(
        env, "adjudicate", "u0", "gov-A", "--version", "2", "--reason", "recount", "--by", "board"
    )
    assert "version 2" in out
    assert json.loads(run(env, "conflicts", "-f", "json")) == []
    run(env, "adjudicate", "u0", "gov-A", "--reason", "x", "--by", "board", code=2)


def test_reconcile_two_sources(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "init", str(tmp_path / "election.yaml"))
    official = tmp_path / "official.csv"
    official.write_text(HEADER + "".join(acta(i, 200, 20, 150) for i in range(10)))
    witness = tmp_path / "witness.csv"
    witness.write_text(
        HEADER
        + "".join(acta(i, 200, 20, 150, "witness:MUD") for i in range(8))
        + acta(8, 190, 20, 160, "witness:MUD")
    )
    run(env, "import", str(official))
    run(env, "import", str(witness))
    out_dir = tmp_path / "rec"
    out = run(env, "reconcile", "official", "witness:MUD", "--out", str(out_dir))
    assert "gov-A" in out
    units = (out_dir / "gov-A" / "units.csv").read_text()
    assert units.count("identical") == 8 and "differing" in units and "only_a" in units
    assert (out_dir / "gov-A" / "index.html").exists()
    run(env, "reconcile", "official", "nobody", "--out", str(out_dir), code=2)


def test_forensics_refuses_tiny_samples_with_reasons(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "init", str(tmp_path / "election.yaml"))
    official = tmp_path / "official.csv"
    official.write_text(HEADER + "".join(acta(i, 200 + i, 20, 150 - i) for i in range(10)))
    run(env, "import", str(official))
    out = run(env, "forensics", "--out", str(tmp_path / "f"), "--resamples", "50")
    assert "refused" in out and "never proof of fraud" in out
    assert (tmp_path / "f" / "gov-A" / "index.html").exists()


def test_clear_errors(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "results", code=2)
    assert "no election definition loaded" in out
    (tmp_path / "bad.yaml").write_text(DEFINITION.replace("scope: A", "scope: Q"))
    out = run(env, "init", str(tmp_path / "bad.yaml"), code=2)
    assert "scope region 'Q'" in out
    run(env, "init", str(tmp_path / "election.yaml"))
    out = run(env, "import", str(tmp_path / "missing.csv"), code=2)
    assert "file not found" in out
