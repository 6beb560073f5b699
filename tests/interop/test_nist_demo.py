"""The NIST export of both demos: NIST's XSD and JSON Schema (nist flavour),
civics-cdf-validator with no rule excluded (google flavour), the 2017 bulletins, and the 2017
round trip at table level. Building the demo stores takes
minutes, so the module is marked slow (it still runs in ``make test``).

JSON Schema validation (Python ``jsonschema``) of the 70 MB table-level JSON takes over ten
minutes, so JSON is validated at state level here and at table level on the small elections
of ``test_nist_roundtrip.py``; the table-level XML is validated with libxml2.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app
from nist_kit import EXPECTED_WARNINGS, civics_validator, json_errors, xsd_errors

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _cli(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ve2017_generate_nist", EXAMPLES / "venezuela-2017" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def env2017(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("ve2017")
    _generator().generate(data)
    env = {"ESCRUTINIO_DB": str(data / "ve2017.db"), "COLUMNS": "200"}
    _cli(env, "init", str(data / "election.yaml"))
    _cli(env, "import", str(data / "actas_wave1.csv"))
    _cli(env, "bulletin")
    _cli(env, "import", str(data / "actas_wave2.csv"))
    _cli(env, "bulletin")
    return env


@pytest.fixture(scope="module")
def env2024(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("ve2024")
    env = {"ESCRUTINIO_DB": str(data / "ve2024.db"), "COLUMNS": "200"}
    source = EXAMPLES / "venezuela-2024"
    _cli(
        env,
        "convert",
        str(source / "mapping.yaml"),
        str(source / "source" / "actas_resultadosconvzla_v1.csv"),
        "--out",
        str(data / "files"),
    )
    _cli(env, "init", str(data / "files" / "election.yaml"))
    _cli(env, "import", str(data / "files" / "actas.csv"))
    return env


def _export(env: dict[str, str], out: Path, *args: str) -> Path:
    _cli(env, "export", "nist", "--out", str(out), *args)
    return out


def _google_passes(env: dict[str, str], tmp: Path, *args: str) -> dict[str, int]:
    """Export the google flavour and run civics-cdf-validator (every rule): zero errors,
    only the warnings docs/interop.md explains; the warnings by rule."""
    xml = _export(env, tmp / "google.xml", "--flavor", "google", "--country", "ve", *args)
    run = civics_validator(xml, tmp)
    assert run.errors == 0, run.output[-3000:]
    assert set(run.warnings) <= EXPECTED_WARNINGS | {"BadCharactersInPersonFullName"}
    return run.warnings


def test_2017_state_level_validates(env2017: dict[str, str], tmp_path: Path) -> None:
    xml = _export(env2017, tmp_path / "s.xml", "--level", "state")
    js = _export(env2017, tmp_path / "s.json", "--level", "state", "-f", "json")
    assert xsd_errors(xml) == []
    assert json_errors(js) == []
    warnings = _google_passes(env2017, tmp_path, "--level", "state")
    # one per contest: no Office objects, a past election, the aggregated "Otros candidatos
    # (agregado, generado)" pseudo-candidate (no party, parentheses in its name)
    assert warnings["ContestHasMultipleOffices"] == 23
    assert warnings["BadCharactersInPersonFullName"] == 23
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["Status"] == "unofficial-complete"
    bolivar = next(c for c in doc["Election"][0]["Contest"] if c["@id"] == "cc-gov-VE07")
    ext = {e["OtherType"]: e["Value"] for e in bolivar["ExternalIdentifier"]}
    assert (ext["escrutinio-race-status"], ext["escrutinio-recount-range"]) == ("final", "true")
    votes: dict[str, float] = {}
    for sel in bolivar["ContestSelection"]:
        total = next(v["Count"] for v in sel["VoteCounts"] if v["GpUnitId"] == "ru-VE07")
        cand = sel["CandidateIds"][0]
        votes[cand] = votes.get(cand, 0) + total
    assert sorted(votes.values())[-2:] == [275_184, 276_655]


def test_2017_bulletin_1_is_partial_with_bolivar_counting(
    env2017: dict[str, str], tmp_path: Path
) -> None:
    js = _export(env2017, tmp_path / "b1.json", "--bulletin", "1", "--level", "state", "-f", "json")
    assert json_errors(js) == []
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["Status"] == "unofficial-partial"
    contests = {c["@id"]: c for c in doc["Election"][0]["Contest"]}
    bolivar = contests["cc-gov-VE07"]
    ext = {e["OtherType"]: e["Value"] for e in bolivar["ExternalIdentifier"]}
    assert ext["escrutinio-race-status"] == "counting"
    assert bolivar["SubUnitsReported"] < bolivar["TotalSubUnits"]
    statuses = [
        {e["OtherType"]: e["Value"] for e in c["ExternalIdentifier"]}["escrutinio-race-status"]
        for c in contests.values()
    ]
    assert statuses.count("irreversible") == 22


def test_2017_every_table_validates_and_round_trips(
    env2017: dict[str, str], tmp_path: Path
) -> None:
    xml = _export(env2017, tmp_path / "t.xml")
    assert xsd_errors(xml) == []
    _google_passes(env2017, tmp_path)
    folder = tmp_path / "conv"
    _cli({}, "convert", "--from", "nist", str(xml), "--out", str(folder))
    env = {"ESCRUTINIO_DB": str(tmp_path / "again.db"), "COLUMNS": "200"}
    _cli(env, "init", str(folder / "election.yaml"))
    _cli(env, "import", str(folder / "actas.csv"))

    def totals(e: dict[str, str]) -> list[Any]:
        return [
            (
                c["contest_id"],
                c["candidates"],
                c["null"],
                c["blank"],
                c["voters"],
                c["actas_counted"],
            )
            for c in json.loads(_cli(e, "results", "-f", "json"))
        ]

    assert totals(env) == totals(env2017)


def test_2024_exports_validate(env2024: dict[str, str], tmp_path: Path) -> None:
    xml = _export(env2024, tmp_path / "t.xml")
    assert xsd_errors(xml) == []
    js = _export(env2024, tmp_path / "s.json", "--level", "state", "-f", "json")
    assert json_errors(js) == []
    _google_passes(env2024, tmp_path)
