"""``escrutinio audit``: the whole workflow through the CLI on a small SQLite store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.model import Definition
from support import reported_store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, definition: Definition) -> str:
    path = str(tmp_path / "e.db")
    reported_store(path, definition, tmp_path).close()
    return path


def cli(db: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args, "--db", db], input=input)
    return result.exit_code, result.output


def fill(template: Path, out: Path, reported: dict[str, dict[str, int]]) -> None:
    with template.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["votes"] = str(reported[r["unit"]][r["option"]])
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["unit", "contest", "option", "votes"])
        w.writeheader()
        w.writerows(rows)


REPORTED = {
    "u1": {"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5},
    "u2": {"a1-psuv": 160, "a1-pcv": 10, "a2-mud": 120, "a3": 0},
    "u3": {"a1-psuv": 90, "a1-pcv": 10, "a2-mud": 90, "a3": 0},
    "u4": {"a1-psuv": 70, "a1-pcv": 5, "a2-mud": 60, "a3": 5},
    "u5": {"b1": 300, "b2": 90},
    "u6": {"b1": 60, "b2": 30},
}


def test_full_workflow(db: str, tmp_path: Path) -> None:
    code, out = cli(db, "create", "r1", "--all", "--risk-limit", "0.1", "--seed", "0123456789")
    assert code == 0, out
    assert "gov-A" in out and "tables to retrieve" in out
    code, out = cli(db, "draw", "r1")
    assert code == 0 and "round 1 drawn" in out
    code, out = cli(db, "draw", "r1")
    assert "nothing to draw" in out  # re-running a draw changes nothing
    ret = tmp_path / "ret"
    code, out = cli(db, "retrieval", "r1", "--out", str(ret))
    assert code == 0, out
    listed = list(csv.DictReader((ret / "retrieval.csv").open(encoding="utf-8")))
    assert listed and {"round", "order", "unit", "regions", "contests"} <= set(listed[0])
    assert "reported" not in listed[0]
    page = (ret / "tables" / f"{listed[0]['unit']}.html").read_text(encoding="utf-8")
    assert "Hand count (first)" in page and "State" in page
    counts = tmp_path / "hand.csv"
    fill(ret / "hand_counts_template.csv", counts, REPORTED)
    code, out = cli(db, "record", "r1", str(counts))
    assert code == 0 and "new hand counts" in out, out
    code, out = cli(db, "record", "r1", str(counts))
    assert "0 new hand counts" in out
    code, out = cli(db, "status", "r1", "--format", "json")
    status = json.loads(out)
    assert status["pending_hand_counts"] == 0
    for _ in range(3):  # escalate until confirmed or fully counted
        if not any(c["next_size"] for c in status["contests"]):
            break
        assert cli(db, "draw", "r1")[0] == 0
        cli(db, "retrieval", "r1", "--out", str(ret))
        fill(ret / "hand_counts_template.csv", counts, REPORTED)
        assert cli(db, "record", "r1", str(counts))[0] == 0
        status = json.loads(cli(db, "status", "r1", "--format", "json")[1])
    assert status["conclusion"].startswith("confirmed")
    code, out = cli(db, "report", "r1", "--out", str(tmp_path / "rep"))
    assert code == 0 and "conclusion recorded" in out
    doc = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert doc["audit"]["seed"] == "0123456789" and doc["rounds"]
    assert "Conclusion" in (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "already recorded" in cli(db, "report", "r1", "--out", str(tmp_path / "rep"))[1]


def test_record_rejects_bad_files_with_line_numbers(db: str, tmp_path: Path) -> None:
    cli(db, "create", "h", "--contest", "gov-B", "--method", "full-hand-count", "--seed", "42")
    cli(db, "draw", "h")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "unit,contest,option,votes\nu5,gov-B,b1,300\nu5,gov-B,b2,x\nu9,gov-B,b1,1\n",
        encoding="utf-8",
    )
    code, out = cli(db, "record", "h", str(bad))
    assert code != 0
    assert "line 3" in out and "got 'x'" in out
    assert "line 4" in out and "unknown table 'u9'" in out
    status = json.loads(cli(db, "status", "h", "--format", "json")[1])
    assert status["pending_hand_counts"] == 2  # nothing stored


def test_interactive_double_entry(db: str) -> None:
    cli(db, "create", "i", "--contest", "gov-B", "--method", "full-hand-count", "--seed", "42")
    cli(db, "draw", "i")
    # first table: b1 typed 300 then 301 (mismatch, re-enter), then 300/300; b2 90/90
    code, out = cli(db, "enter", "i", "--limit", "1", input="300\n301\n300\n300\n90\n90\n")
    assert code == 0, out
    assert "entries differ" in out and "recorded" in out
    status = json.loads(cli(db, "status", "i", "--format", "json")[1])
    assert status["pending_hand_counts"] == 1
    assert status["contests"][0]["audited"] == 1


def test_fixed_percentage_shows_attained_risk(db: str) -> None:
    code, out = cli(
        db,
        "create",
        "f",
        "--contest",
        "gov-A",
        "--method",
        "fixed-percentage",
        "--percent",
        "50",
        "--seed",
        "42",
    )
    assert code == 0 and "attained" in out


def test_errors(db: str) -> None:
    assert "no audit named" in cli(db, "status", "nope")[1]
    code, out = cli(db, "create", "x", "--all")
    assert code != 0 and "seed" in out


MANIFEST = {"u1": 300, "u2": 300, "u3": 200, "u4": 150, "u5": 400, "u6": 90}


def paper_marks(ballot: str) -> tuple[str, str]:
    """(contest, marked option or '') of a ballot: acta votes stacked option by option."""
    batch, _, pos = ballot.rpartition(":")
    contest = "gov-A" if batch in ("u1", "u2", "u3", "u4") else "gov-B"
    edge = 0
    for opt, votes in REPORTED[batch].items():
        edge += votes
        if int(pos) <= edge:
            return contest, opt
    return contest, ""


def write_manifest(path: Path) -> Path:
    path.write_text(
        "batch,ballots\n" + "".join(f"{b},{n}\n" for b, n in MANIFEST.items()), encoding="utf-8"
    )
    return path


def fill_marks(template: Path, out: Path) -> None:
    with template.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["option"] = paper_marks(r["ballot_id"])[1]
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["ballot_id", "contest", "option"])
        w.writeheader()
        w.writerows(rows)


def test_ballot_polling_workflow(db: str, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.csv")
    args = ["--contest", "gov-B", "--method", "ballot-polling", "--seed", "42"]
    code, out = cli(db, "create", "bp", *args, "--manifest", str(manifest))
    assert code == 0 and "batches to retrieve" in out, out
    code, out = cli(db, "draw", "bp")
    assert code == 0 and "distinct ballots" in out, out
    ret = tmp_path / "ret"
    assert cli(db, "retrieval", "bp", "--out", str(ret))[0] == 0
    listed = list(csv.DictReader((ret / "retrieval.csv").open(encoding="utf-8")))
    assert listed and listed[0]["ballot_id"] == f"{listed[0]['batch']}:{listed[0]['position']}"
    page = (ret / "batches" / f"{listed[0]['batch']}.html").read_text(encoding="utf-8")
    assert "ballots to pull" in page and listed[0]["ballot_id"] in page
    marks = tmp_path / "marks.csv"
    fill_marks(ret / "ballot_marks_template.csv", marks)
    code, out = cli(db, "record", "bp", str(marks))
    assert code == 0 and "new ballot readings" in out, out
    status = json.loads(cli(db, "status", "bp", "--format", "json")[1])
    assert status["pending_hand_counts"] == 0
    assert status["contests"][0]["unit"] == "ballots"
    for _ in range(6):  # escalate until confirmed
        if not status["contests"][0]["next_size"]:
            break
        assert cli(db, "draw", "bp")[0] == 0
        cli(db, "retrieval", "bp", "--out", str(ret))
        fill_marks(ret / "ballot_marks_template.csv", marks)
        assert cli(db, "record", "bp", str(marks))[0] == 0
        status = json.loads(cli(db, "status", "bp", "--format", "json")[1])
    assert status["conclusion"].startswith("confirmed")
    code, out = cli(db, "report", "bp", "--out", str(tmp_path / "rep"))
    assert code == 0, out
    doc = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert doc["audit"]["test"] == "bravo" and doc["audit"]["manifest_ballots"] == 1440


def test_ballot_comparison_with_cvrs_and_double_entry(db: str, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.csv")
    cvrs = tmp_path / "cvrs.csv"
    lines = ["ballot_id,contest,option\n"]
    for b, n in MANIFEST.items():
        for p in range(1, n + 1):
            contest, opt = paper_marks(f"{b}:{p}")
            lines.append(f"{b}:{p},{contest},{opt}\n")
    cvrs.write_text("".join(lines), encoding="utf-8")
    code, out = cli(
        db, "create", "bc", "--contest", "gov-B", "--method", "ballot-comparison", "--seed", "7",
        "--manifest", str(manifest), "--cvrs", str(cvrs), "--test", "kaplan-markov",
    )  # fmt: skip
    assert code == 0, out
    assert cli(db, "draw", "bc")[0] == 0
    first = json.loads(cli(db, "status", "bc", "--format", "json")[1])
    assert first["pending_hand_counts"] > 0
    ret = tmp_path / "ret"
    cli(db, "retrieval", "bc", "--out", str(ret))
    ballot = next(csv.DictReader((ret / "ballot_marks_template.csv").open(encoding="utf-8")))
    truth = paper_marks(ballot["ballot_id"])[1] or "-"
    code, out = cli(db, "enter", "bc", "--limit", "1", input=f"b1\nb2\n{truth}\n{truth}\n")
    assert code == 0 and "entries differ" in out and "recorded" in out, out
    after = json.loads(cli(db, "status", "bc", "--format", "json")[1])
    assert after["pending_hand_counts"] == first["pending_hand_counts"] - 1
    bad = tmp_path / "bad.csv"
    bad.write_text("ballot_id,contest,option\nu5:9999,gov-B,b1\nx,gov-B,zz\n", encoding="utf-8")
    code, out = cli(db, "record", "bc", str(bad))
    assert code != 0 and "line 2" in out and "line 3" in out and "not in the sample" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "fixed-percentage"], "percentage between 0 and 100 (--percent)"),
        (["--method", "sortition"], "unknown method 'sortition'"),
        (["--risk-limit", "1.5"], "risk limit must be between 0 and 1 (--risk-limit)"),
        (["--method", "ballot-polling", "--test", "kaplan-markov"], "(--test)"),
        (["--method", "ballot-polling", "--without-replacement"], "use the alpha test (--test)"),
    ],
)
def test_parameter_errors_name_the_flag(
    db: str, tmp_path: Path, args: list[str], expected: str
) -> None:
    if "ballot-polling" in args:
        args = [*args, "--manifest", str(write_manifest(tmp_path / "manifest.csv"))]
    code, out = cli(db, "create", "p", "--contest", "gov-B", "--seed", "42", *args)
    assert code == 2 and expected in out.replace("\n", " "), out
    assert "Traceback" not in out
    assert "no audit named" in cli(db, "status", "p")[1]  # nothing was created


def test_record_refuses_a_file_that_is_not_utf8(db: str, tmp_path: Path) -> None:
    cli(db, "create", "h", "--contest", "gov-B", "--method", "full-hand-count", "--seed", "42")
    cli(db, "draw", "h")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("unit,contest,option,votes,reason\nu5,gov-B,b1,300,Bolívar\n".encode("latin-1"))
    code, out = cli(db, "record", "h", str(bad))
    flat = " ".join(out.split())  # Rich wraps at the terminal width, leaving a space
    assert code == 2 and "line 2" in flat and "byte offset 52" in flat and "UTF-8" in flat, out
    assert json.loads(cli(db, "status", "h", "--format", "json")[1])["pending_hand_counts"] == 2


@pytest.mark.parametrize("method", ["minerva", "providence"])
def test_round_by_round_polling_workflow(db: str, tmp_path: Path, method: str) -> None:
    manifest = write_manifest(tmp_path / "manifest.csv")
    args = ["--contest", "gov-B", "--method", method, "--seed", "42", "--risk-limit", "0.1"]
    code, out = cli(db, "create", "rr", *args, "--manifest", str(manifest))
    assert code == 0 and "P(stop in" in out and "90%: 93" in out, out
    code, out = cli(
        db, "create", "rr2", *args, "--manifest", str(manifest), "--without-replacement"
    )
    assert code != 0 and "(--test)" in out, out
    ret, marks = tmp_path / "ret", tmp_path / "marks.csv"
    status: dict[str, Any] = {"contests": [{"next_size": 1}]}
    for _ in range(6):  # draw, read and record rounds until confirmed
        if not status["contests"][0]["next_size"]:
            break
        assert cli(db, "draw", "rr")[0] == 0
        assert cli(db, "retrieval", "rr", "--out", str(ret))[0] == 0
        fill_marks(ret / "ballot_marks_template.csv", marks)
        assert cli(db, "record", "rr", str(marks))[0] == 0
        status = json.loads(cli(db, "status", "rr", "--format", "json")[1])
    assert status["conclusion"].startswith("confirmed"), status
    assert status["contests"][0]["risk"] < 0.1
    code, out = cli(db, "report", "rr", "--out", str(tmp_path / "rep"))
    assert code == 0, out
    doc = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert doc["audit"]["method"] == method and doc["audit"]["test"] == method


def write_cvrs(path: Path, batches: set[str]) -> Path:
    """CVRs matching the paper ballots of ``batches``."""
    lines = ["ballot_id,contest,option\n"]
    for b, n in MANIFEST.items():
        if b in batches:
            for p in range(1, n + 1):
                contest, opt = paper_marks(f"{b}:{p}")
                lines.append(f"{b}:{p},{contest},{opt}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run_rounds(db: str, name: str, tmp_path: Path) -> dict[str, Any]:
    """Draw, read truthfully and record rounds until nothing more is to be drawn."""
    ret, marks = tmp_path / "ret", tmp_path / "marks.csv"
    status: dict[str, Any] = {"contests": [{"next_size": 1}]}
    for _ in range(8):
        if not any(c["next_size"] for c in status["contests"]):
            break
        assert cli(db, "draw", name)[0] == 0
        assert cli(db, "retrieval", name, "--out", str(ret))[0] == 0
        fill_marks(ret / "ballot_marks_template.csv", marks)
        assert cli(db, "record", name, str(marks))[0] == 0
        status = json.loads(cli(db, "status", name, "--format", "json")[1])
    return status


def test_supermajority_comparison_workflow(db: str, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.csv")
    cvrs = write_cvrs(tmp_path / "cvrs.csv", set(MANIFEST))
    args = ["--contest", "gov-B", "--method", "ballot-comparison", "--seed", "7"]
    files = ["--manifest", str(manifest), "--cvrs", str(cvrs)]
    code, out = cli(db, "create", "sm", *args, *files, "--threshold", "2/3")
    flat = " ".join(out.replace("│", " ").split())
    assert code == 0 and "P(finish in round 1)" in flat and "90%: 127" in flat, out
    status = run_rounds(db, "sm", tmp_path)
    assert status["conclusion"].startswith("confirmed"), status
    # gov-B is on 490 ballots of u5 and u6: its population, not the 1,440 of the manifest
    assert status["contests"][0]["tables"] == 490
    code, out = cli(db, "create", "sm2", *args, *files, "--threshold", "4/5")
    assert code != 0 and "not more than the threshold" in out, out
    code, out = cli(db, "create", "sm3", *args, *files, "--threshold", "3")
    assert code == 2 and "(--threshold)" in out, out
    macro = ["--contest", "gov-B", "--seed", "1", "--method", "macro"]
    code, out = cli(db, "create", "sm4", *macro, "--threshold", "0.6")
    assert code == 2 and "take no threshold" in out.replace("\n", " "), out
    code, out = cli(db, "create", "sm5", "--contest", "gov-B", "--seed", "1", "--threshold", "2/3")
    flat = " ".join(out.split())  # table-comparison with a threshold: its own margin
    assert code == 0 and "more than 2/3 of the valid votes" in flat and "12.24%" in flat, out
    code, out = cli(db, "report", "sm5", "--out", str(tmp_path / "rep5"))
    assert code == 0, out


def test_hybrid_workflow(db: str, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.csv")
    cvrs = write_cvrs(tmp_path / "cvrs.csv", {"u5"})  # u5 has CVRs, u6 does not
    args = ["--contest", "gov-B", "--method", "hybrid", "--seed", "11"]
    code, out = cli(db, "create", "hy", *args, "--manifest", str(manifest), "--cvrs", str(cvrs))
    assert code == 0 and "strata:" in out, out  # the note names both strata
    status = run_rounds(db, "hy", tmp_path)
    assert status["conclusion"].startswith("confirmed"), status
    code, out = cli(db, "report", "hy", "--out", str(tmp_path / "rep"))
    assert code == 0, out


def test_published_audits_verify_with_draws_and_risks_recomputed(db: str, tmp_path: Path) -> None:
    """An observer's view: a table audit concluded and a ballot audit drawn, published;
    ``escrutinio verify`` re-derives both audits' draws (the ballots from the published
    manifest) and recomputes the table audit's risks."""
    assert cli(db, "create", "r1", "--all", "--risk-limit", "0.1", "--seed", "0123456789")[0] == 0
    assert cli(db, "draw", "r1")[0] == 0
    ret = tmp_path / "ret"
    assert cli(db, "retrieval", "r1", "--out", str(ret))[0] == 0
    counts = tmp_path / "hand.csv"
    fill(ret / "hand_counts_template.csv", counts, REPORTED)
    assert cli(db, "record", "r1", str(counts))[0] == 0
    assert cli(db, "report", "r1", "--out", str(tmp_path / "rep"))[0] == 0
    manifest = write_manifest(tmp_path / "manifest.csv")
    args = ["--contest", "gov-B", "--method", "ballot-polling", "--seed", "42"]
    assert cli(db, "create", "bp", *args, "--manifest", str(manifest))[0] == 0
    assert cli(db, "draw", "bp")[0] == 0
    keys, pub = tmp_path / "keys", tmp_path / "pub"
    assert (
        runner.invoke(
            app, ["keys", "generate", "--name", "log.example/e", "--out", str(keys)]
        ).exit_code
        == 0
    )
    log = keys / "log.example_e"
    published = runner.invoke(app, ["publish", str(pub), "--key", f"{log}.skey", "--db", db])
    assert published.exit_code == 0, published.output
    assert list((pub / "audits" / "ballots").glob("*.json"))
    result = runner.invoke(
        app, ["verify", str(pub), "--log-key", f"{log}.vkey"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "ballot draws from their published manifests" in text
    assert "conclusion(s) recomputed" in text
