"""The commands that work on files a user brings: `convert` (a foreign spreadsheet through a
column mapping, then init/import/results on what it wrote) and `reconcile` of two CSV files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "venezuela-2024" / "mapping.yaml"
FOREIGN_HEADER = "Estado,Municipio,Parroquia,validos,nulos,egu,nm,otros\n"
FOREIGN_ROWS = [
    "ZULIA,MARACAIBO,CHIQUINQUIRA,100,2,60,35,5\n",
    "ZULIA,MARACAIBO,CHIQUINQUIRA,80,1,50,28,2\n",
    "ZULIA,CABIMAS,AMBROSIO,90,0,40,45,5\n",
    '"DELTA AMACURO","TUCUPITA","SAN JOSE, SUR",20,2,10,9,1\n',
]
BOX = re.compile("[\u2500-\u257f]")


def cli(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI; (exit code, output with boxes and wrapping undone)."""
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    return result.exit_code, " ".join(BOX.sub(" ", result.output).split())


def test_convert_then_count(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.csv"
    foreign.write_text(FOREIGN_HEADER + "".join(FOREIGN_ROWS), encoding="utf-8")
    out_dir = tmp_path / "native"
    code, out = cli("convert", MAPPING, foreign, "--out", out_dir)
    assert code == 0, out
    assert "4 of 4 rows converted" in out
    assert {p.name for p in out_dir.iterdir()} >= {"election.yaml", "actas.csv"}

    env = {"ESCRUTINIO_DB": str(tmp_path / "e.db")}
    assert cli("init", out_dir / "election.yaml", env=env)[0] == 0
    code, out = cli("import", out_dir / "actas.csv", env=env)
    assert code == 0 and "4 accepted" in out, out
    result = CliRunner().invoke(app, ["results", "-f", "json"], env=env)
    assert result.exit_code == 0, result.output
    (contest,) = json.loads(result.output)
    votes = {c["candidate_id"]: c["votes"] for c in contest["candidates"]}
    assert votes == {"gonzalez": 60 + 50 + 40 + 10, "maduro": 35 + 28 + 45 + 9, "otros": 13}
    assert contest["null"] == 5


def test_convert_reports_bad_rows_and_exits_1(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.csv"
    foreign.write_text(
        FOREIGN_HEADER + FOREIGN_ROWS[0] + "ZULIA,MARACAIBO,CHIQUINQUIRA,12,0,x,4,1\n",
        encoding="utf-8",
    )
    code, out = cli("convert", MAPPING, foreign, "--out", tmp_path / "native")
    assert code == 1
    assert "1 of 2 rows converted" in out
    assert f"{foreign}, line 3, field 'egu'" in out


def test_convert_refuses_a_file_missing_a_column(tmp_path: Path) -> None:
    foreign = tmp_path / "short.csv"
    foreign.write_text("Estado,Municipio,Parroquia,validos,egu,nm,otros\n", encoding="utf-8")
    code, out = cli("convert", MAPPING, foreign, "--out", tmp_path / "native")
    assert code == 2
    assert "nulos" in out and "line 1" in out
    assert not (tmp_path / "native" / "actas.csv").exists()


def _write(path: Path, rows: list[dict[str, int | str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def collections(tmp_path: Path) -> tuple[Path, Path]:
    a = [
        {"id": f"t{i}", "state": "S1" if i < 3 else "S2", "egu": 100 + i, "nm": 50}
        for i in range(5)
    ]
    b = [dict(r) for r in a[:4]]
    b[1]["egu"] = 90  # t1 differs by -11 on egu
    b.append({"id": "t9", "state": "S2", "egu": 10, "nm": 10})  # only in B
    return _write(tmp_path / "a.csv", a), _write(tmp_path / "b.csv", b)


def test_reconcile_two_files_by_unit(tmp_path: Path, collections: tuple[Path, Path]) -> None:
    a, b = collections
    out_dir = tmp_path / "rec"
    code, out = cli(
        "reconcile", a, b, "--counts", "egu,nm", "--unit", "id", "--regions", "state",
        "--out", out_dir, "--db", tmp_path / "unused.db",
    )  # fmt: skip
    assert code == 0, out
    assert "'identical': 3" in out and "'differing': 1" in out
    assert "'only_a': 1" in out and "'only_b': 1" in out
    assert (out_dir / "index.html").exists()
    with (out_dir / "units.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    status = {r.get("id") or r.get("id_a") or r.get("id_b"): r["status"] for r in rows}
    assert status == {
        "t0": "identical",
        "t1": "differing",
        "t2": "identical",
        "t3": "identical",
        "t4": "only_a",
        "t9": "only_b",
    }
    # comparing two files needs no database: none was created
    assert not (tmp_path / "unused.db").exists()


def test_reconcile_two_files_needs_counts_and_a_key(
    tmp_path: Path, collections: tuple[Path, Path]
) -> None:
    a, b = collections
    code, out = cli("reconcile", a, b, "--unit", "id", "--out", tmp_path / "r")
    assert code == 2 and "comparing two files needs --counts" in out
    code, out = cli("reconcile", a, b, "--counts", "egu,nm", "--out", tmp_path / "r")
    assert code == 2 and "give --unit (an id column) or --regions" in out
    code, out = cli(
        "reconcile", a, b, "--counts", "egu,xx", "--unit", "id", "--out", tmp_path / "r"
    )
    assert code == 2 and f"{a}: missing column(s) xx" in out
    assert not (tmp_path / "r").exists()
