"""The CLI's error paths: each says what is wrong and exits with status 2 ("could not run"),
writing nothing; 1 is kept for "ran, but rows were rejected or verification failed"."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.model import Definition
from support import reported_store

BOX = re.compile("[\u2500-\u257f]")  # the box-drawing characters of Rich's panels
COULD_NOT_RUN = 2
FAILED = 1


def cli(*args: str | Path) -> tuple[int, str]:
    """Run the CLI; (exit code, output with boxes and wrapping undone)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join(BOX.sub(" ", result.output).split())


@dataclass
class Election:
    """A database with the small reported election, keys and one publication."""

    db: str
    tmp: Path
    log: Path  # key files without suffix
    witness: Path
    pub: Path


@pytest.fixture
def election(tmp_path: Path, definition: Definition) -> Election:
    db = str(tmp_path / "e.db")
    reported_store(db, definition, tmp_path).close()
    keys = tmp_path / "keys"
    assert cli("keys", "generate", "--name", "log.example/e", "--out", keys)[0] == 0
    assert cli("witness", "init", "--name", "w.example/w", "--out", keys)[0] == 0
    log, witness = keys / "log.example_e", keys / "w.example_w"
    pub = tmp_path / "pub"
    code, out = cli("publish", pub, "--key", f"{log}.skey", "--db", db)
    assert code == 0, out
    return Election(db, tmp_path, log, witness, pub)


@pytest.mark.parametrize(
    "command",
    [
        ["results"],
        ["results", "--summary"],
        ["bulletins"],
        ["conflicts"],
        ["versions", "u1", "gov-A"],
    ],
)
def test_bad_format(election: Election, command: list[str]) -> None:
    code, out = cli(*command, "--format", "xml", "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "Invalid value for '--format'" in out
    assert "expected one of table, json, csv, got 'xml'" in out


def test_database_in_a_missing_directory(tmp_path: Path) -> None:
    where = tmp_path / "no" / "such" / "dir" / "e.db"
    code, out = cli("results", "--db", where)
    assert code == COULD_NOT_RUN
    assert f"cannot open database {where}" in out
    assert not (tmp_path / "no").exists()


def test_database_server_not_answering() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code, out = cli("results", "--db", url)
    assert code == COULD_NOT_RUN
    assert f"cannot open database {url}" in out and "Connection refused" in out


def test_database_without_a_definition(tmp_path: Path) -> None:
    for command in (["results"], ["results", "--summary"], ["bulletin"]):
        code, out = cli(*command, "--db", tmp_path / "empty.db")
        assert code == COULD_NOT_RUN, (command, out)
        assert "no election definition loaded: run `escrutinio init FILE` first" in out
        assert not (tmp_path / "empty.db").exists(), "a read command created a database"


def test_key_file_missing(election: Election) -> None:
    code, out = cli("log", "checkpoint", "--key", election.tmp / "none.skey", "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "key file not found" in out


def test_public_key_given_where_the_secret_key_goes(election: Election) -> None:
    vkey = Path(f"{election.log}.vkey")
    os.chmod(vkey, 0o600)  # past the permission check: the content is what is wrong
    code, out = cli("publish", election.tmp / "p2", "--key", vkey, "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "malformed signer key" in out and "PRIVATE+KEY" in out
    assert not (election.tmp / "p2").exists()


def test_secret_key_given_where_the_verifier_key_goes(election: Election) -> None:
    code, out = cli("verify", election.pub, "--log-key", f"{election.log}.skey")
    assert code == COULD_NOT_RUN
    assert "verifier key is not valid base64" in out


def test_witness_key_given_as_the_log_key(election: Election) -> None:
    # a well-formed key of the wrong kind: the witness refuses to start
    code, out = cli(
        "witness", "cosign", election.pub, "--key", f"{election.witness}.skey",
        "--log-key", f"{election.witness}.vkey", "--state", election.tmp / "ws",
    )  # fmt: skip
    assert code == COULD_NOT_RUN
    assert "malformed verifier key" in out and "type 0x01" in out
    # the log's key where a witness key goes, when keeping a cosignature
    code, out = cli(
        "log", "add-cosignature", election.pub / "checkpoint",
        "--witness-key", f"{election.log}.vkey", "--db", election.db,
    )  # fmt: skip
    assert code == COULD_NOT_RUN
    assert "type 0x04" in out


def test_verify_with_another_log_key_fails_verification(election: Election) -> None:
    code, out = cli("verify", election.pub, "--log-key", f"{election.witness}.vkey")
    assert code == FAILED and out.endswith("FAILED")
    result = CliRunner().invoke(
        app, ["verify", str(election.pub), "--log-key", f"{election.witness}.vkey", "--json"]
    )
    assert result.exit_code == FAILED
    report = json.loads(result.output)
    assert report["ok"] is False
    details = [c["detail"] for c in report["checks"] if not c["ok"]]
    assert "origin 'log.example/e' is not the log 'w.example/w'" in details[0]


@pytest.mark.parametrize(
    "command",
    [
        ["results", "--contest", "nope"],
        ["results", "--contest", "gov-A", "--contest", "nope"],
        ["forensics", "--contest", "nope", "--out", "{tmp}/f"],
        ["reconcile", "official", "official", "--contest", "nope", "--out", "{tmp}/r"],
        ["audit", "create", "a1", "--contest", "nope", "--method", "table-comparison",
         "--risk-limit", "0.05", "--seed", "123"],
    ],
)  # fmt: skip
def test_unknown_contest(election: Election, command: list[str]) -> None:
    args = [a.replace("{tmp}", str(election.tmp)) for a in command]
    code, out = cli(*args, "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "unknown contest(s): nope" in out
    assert not (election.tmp / "f").exists() and not (election.tmp / "r").exists()


def test_unknown_contest_for_one_acta(election: Election) -> None:
    code, out = cli("versions", "u1", "nope", "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "no acta stored for unit 'u1' in contest 'nope'" in out
    code, out = cli(
        "adjudicate", "u1", "nope", "--version", "1", "--reason", "r", "--by", "b",
        "--db", election.db,
    )  # fmt: skip
    assert code == COULD_NOT_RUN
    assert "no acta stored for unit 'u1', contest 'nope', source 'official'" in out


def test_unknown_region_level_and_bulletin(election: Election) -> None:
    code, out = cli("results", "--level", "nope", "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "unknown region level 'nope' (known: state, parish)" in out
    code, out = cli("results", "--bulletin", "9", "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "no bulletin number 9" in out


def test_unknown_source_to_reconcile(election: Election) -> None:
    code, out = cli(
        "reconcile", "official", "witness:X", "--out", election.tmp / "r", "--db", election.db
    )
    assert code == COULD_NOT_RUN
    assert "'witness:X' is neither a file nor a source in the store (sources: official)" in out


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["draw"],
        ["retrieval", "--out", "{tmp}/r"],
        ["record", "{tmp}/counts.csv"],
        ["enter"],
        ["report", "--out", "{tmp}/r"],
    ],
)
def test_unknown_audit(election: Election, command: list[str]) -> None:
    (election.tmp / "counts.csv").write_text("unit,contest,option,votes\n", encoding="utf-8")
    verb, *rest = (a.replace("{tmp}", str(election.tmp)) for a in command)
    code, out = cli("audit", verb, "nope", *rest, "--db", election.db)
    assert code == COULD_NOT_RUN
    assert "no audit named 'nope'" in out
    assert not (election.tmp / "r").exists()


def test_bad_received_at_option(election: Election) -> None:
    path = election.tmp / "one.csv"
    path.write_text(
        "unit,contest,source,received_at,voters,null,blank,b1,b2\nu6,gov-B,s2,,90,0,0,60,30\n",
        encoding="utf-8",
    )
    code, out = cli("import", path, "--received-at", "yesterday", "--db", election.db)
    assert code in (FAILED, COULD_NOT_RUN)
    assert "received" in out and "yesterday" in out


def test_bad_source_option(election: Election) -> None:
    path = election.tmp / "one.csv"
    path.write_text(
        "unit,contest,source,received_at,voters,null,blank,b1,b2\n"
        "u6,gov-B,,2017-10-15T20:05:00Z,90,0,0,60,30\n",
        encoding="utf-8",
    )
    code, out = cli("import", path, "--source", "bad source", "--db", election.db)
    assert code in (FAILED, COULD_NOT_RUN)
    assert "'bad source' is not a valid source name" in out
