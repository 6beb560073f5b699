"""The generated 2017 regional election: exact totals, and the demo's headline bulletins
computed by escrutinio itself.

The two bulletins of ``make demo`` (17 GPP, 5 MUD, Bolívar pending; then 18–5 with Bolívar
276,655 to 275,184 in recount range) are checked by running the real chain on the generated
files (``init``, ``import`` of both waves, ``bulletin``), not by re-implementing the rule here.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.io.definition_files import load_definition
from escrutinio.model.definition import Definition
from nist_kit import EXPECTED_WARNINGS, civics_validator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "venezuela-2017"
AD_STATES = {"VE03", "VE14", "VE17", "VE20"}  # Anzoátegui, Mérida, Nueva Esparta, Táchira
ZULIA, BOLIVAR = "VE23", "VE07"
GOV_BOLIVAR = f"gov-{BOLIVAR}"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ve2017_generate", EXAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("ve2017")
    return out, gen.generate(out)


@pytest.fixture(scope="module")
def definition(generated: tuple[Path, Any]) -> Definition:
    return load_definition(generated[0] / "election.yaml")


@dataclass(frozen=True)
class Night:
    """Election night as the demo runs it: what each import said and both bulletins."""

    imports: tuple[str, str]
    bulletin1: dict[str, Any]
    bulletin2: dict[str, Any]
    reimport: str
    env: dict[str, str]


def _cli(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def night(generated: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> Night:
    """init, import wave 1, bulletin, import wave 2, bulletin, re-import: the demo's steps."""
    data = generated[0]
    env = {"ESCRUTINIO_DB": str(tmp_path_factory.mktemp("db") / "ve2017.db"), "COLUMNS": "200"}
    _cli(env, "init", str(data / "election.yaml"))
    first = _cli(env, "import", str(data / "actas_wave1.csv"))
    bulletin1 = json.loads(_cli(env, "bulletin", "--format", "json"))
    second = _cli(env, "import", str(data / "actas_wave2.csv"))
    bulletin2 = json.loads(_cli(env, "bulletin", "--format", "json"))
    again = _cli(env, "import", str(data / "actas_wave2.csv"))
    return Night(
        (" ".join(first.split()), " ".join(second.split())),
        bulletin1,
        bulletin2,
        " ".join(again.split()),
        env,
    )


def test_google_export_state_level_passes_civics_cdf_validator(
    night: Night, tmp_path: Path
) -> None:
    """The fast check of issue 13: the 2017 demo's state-level export in the google flavour
    gets zero errors from civics-cdf-validator with no rule excluded (table level and 2024:
    tests/interop/test_nist_demo.py, slow)."""
    xml = tmp_path / "google.xml"
    _cli(
        night.env,
        "export",
        "nist",
        "--flavor",
        "google",
        "--country",
        "ve",
        "--level",
        "state",
        "--out",
        str(xml),
    )
    run = civics_validator(xml, tmp_path)
    assert run.errors == 0, run.output[-3000:]
    assert set(run.warnings) <= EXPECTED_WARNINGS | {"BadCharactersInPersonFullName"}


def _contests(bulletin: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["contest_id"]: c for c in bulletin["contests"]}


def _alliance_votes(contest: dict[str, Any]) -> dict[str, int]:
    """Votes per alliance as the tally reports them; "other" for candidates of none."""
    votes = {a["alliance_id"]: a["votes"] for a in contest["alliances"]}
    votes["other"] = sum(c["votes"] for c in contest["candidates"] if c["alliance"] is None)
    return votes


def _utc(stamp: str) -> str:
    """An ISO 8601 time with its zone, in UTC ("2017-10-15T22:30:00")."""
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _wave_rows(generated: tuple[Path, Any], name: str) -> list[dict[str, str]]:
    with (generated[0] / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_national_figures(generated: tuple[Path, Any], definition: Definition) -> None:
    rep = generated[1]
    assert rep.registered == 18_094_065 == int(definition.units.registered.sum())
    assert rep.gpp == 5_817_344
    assert rep.mud == 4_984_830
    assert rep.null == 16_176
    assert rep.units == len(definition.units) >= 30_000
    assert 13_000 <= rep.centres <= 15_000
    assert abs(rep.turnout_pct - 61.14) < 0.05
    assert len(definition.contests) == 23
    assert int(definition.units.registered.min()) >= 150
    assert int(definition.units.registered.max()) <= 900


def test_every_acta_is_accepted_once(
    generated: tuple[Path, Any], definition: Definition, night: Night
) -> None:
    n1 = len(_wave_rows(generated, "actas_wave1.csv"))
    n2 = len(_wave_rows(generated, "actas_wave2.csv"))
    assert n1 + n2 == len(definition.units)
    for text, n in zip(night.imports, (n1, n2), strict=True):
        assert f"{n:,} rows read, {n:,} accepted" in text, text
        assert "0 conflicting versions, 0 rejected" in text, text
    assert f"0 accepted, {n2:,} identical re-submissions" in night.reimport
    # Every table reports exactly once, for its own state's governor.
    summary = night.bulletin2["summary"]
    assert summary["actas_counted"] == summary["actas_expected"] == len(definition.units)
    for c in night.bulletin2["contests"]:
        assert c["actas_counted"] == c["actas_expected"], c["contest_id"]


def test_tally_equals_the_state_totals(generated: tuple[Path, Any], night: Night) -> None:
    rep = generated[1]
    contests = _contests(night.bulletin2)
    votes = night.bulletin2["summary"]["votes"]
    assert (votes["GPP"], votes["MUD"]) == (5_817_344, 4_984_830)
    bolivar = _alliance_votes(contests[GOV_BOLIVAR])
    assert (bolivar["GPP"], bolivar["MUD"]) == (276_655, 275_184)
    for st in rep.states:
        c = contests[st.contest]
        v = _alliance_votes(c)
        assert (v["GPP"], v["MUD"], v["other"], c["null"], c["voters"]) == (
            st.gpp,
            st.mud,
            st.other,
            st.null,
            st.voters,
        ), st.contest
    # wave 1 alone: the generator's first-wave figures
    wave1 = _contests(night.bulletin1)
    for st in rep.states:
        v = _alliance_votes(wave1[st.contest])
        assert (v["GPP"], v["MUD"]) == (st.wave1_gpp, st.wave1_mud), st.contest


def test_official_percentages_kept(generated: tuple[Path, Any]) -> None:
    by_code = {st.pcode: st for st in generated[1].states}
    lara = by_code["VE13"]
    assert (lara.gpp, lara.mud) == (460_819, 322_065)
    assert by_code[ZULIA].mud == 700_755
    nueva_esparta = by_code["VE17"]
    assert round(100 * nueva_esparta.mud / nueva_esparta.valid, 2) == 51.87
    assert round(100 * nueva_esparta.gpp / nueva_esparta.valid, 2) == 47.40


def _winning_alliance(contest: dict[str, Any]) -> str:
    (winner,) = contest["winners"]
    (alliance,) = {c["alliance"] for c in contest["candidates"] if c["candidate_id"] == winner}
    return str(alliance)


def test_bulletin1_calls_22_races_17_gpp_5_mud_bolivar_pending(
    generated: tuple[Path, Any], night: Night
) -> None:
    summary = night.bulletin1["summary"]
    share = summary["actas_counted"] / summary["actas_expected"]
    assert abs(share - 0.958) < 0.0005
    assert summary["seats"] == {"GPP": 17, "MUD": 5}
    assert summary["pending_ids"] == [GOV_BOLIVAR]
    contests = _contests(night.bulletin1)
    decided = {cid: c for cid, c in contests.items() if c["status"]["state"] == "irreversible"}
    assert len(decided) == 22 and GOV_BOLIVAR not in decided
    for c in decided.values():  # decided because the margin exceeds every uncounted elector
        status = c["status"]
        assert status["margin_votes"] > status["outstanding_electors"], c["contest_id"]
    mud_wins = {
        cid.removeprefix("gov-") for cid, c in decided.items() if _winning_alliance(c) == "MUD"
    }
    assert mud_wins == AD_STATES | {ZULIA}
    assert sum(1 for c in decided.values() if _winning_alliance(c) == "GPP") == 17
    bolivar = contests[GOV_BOLIVAR]
    status = bolivar["status"]
    assert status["state"] == "counting"
    assert (status["margin_votes"], status["outstanding_electors"]) == (5_408, 16_100)
    votes = _alliance_votes(bolivar)
    assert votes["MUD"] > votes["GPP"]  # Velásquez ahead before the last tables, as in 2017
    assert _winning_alliance(bolivar) == "MUD"


def test_bulletin2_18_gpp_5_mud_bolivar_final_in_recount_range(
    generated: tuple[Path, Any], night: Night
) -> None:
    summary = night.bulletin2["summary"]
    assert summary["seats"] == {"GPP": 18, "MUD": 5}
    assert summary["pending"] == []
    contests = _contests(night.bulletin2)
    assert all(c["status"]["state"] == "final" for c in contests.values())
    bolivar = contests[GOV_BOLIVAR]
    assert _winning_alliance(bolivar) == "GPP"
    votes = _alliance_votes(bolivar)
    assert (votes["GPP"], votes["MUD"]) == (276_655, 275_184)
    assert bolivar["margin_votes"] == 1_471
    assert round(bolivar["margin_pct"], 2) == 0.26
    assert bolivar["status"]["recount_range"] is True
    in_range = [cid for cid, c in contests.items() if c["status"]["recount_range"]]
    assert in_range == [GOV_BOLIVAR]
    # the waves' received times (UTC): election night, then the following two days
    wave1 = sorted(_utc(r["received_at"]) for r in _wave_rows(generated, "actas_wave1.csv"))
    assert wave1[0].startswith("2017-10-15T22") and wave1[-1].startswith("2017-10-16T01")
    wave2 = [_utc(r["received_at"]) for r in _wave_rows(generated, "actas_wave2.csv")]
    assert all(t[:10] in ("2017-10-16", "2017-10-17") for t in wave2)


def test_bolivar_final_margin_in_recount_range(generated: tuple[Path, Any]) -> None:
    bolivar = next(st for st in generated[1].states if st.pcode == BOLIVAR)
    assert round(bolivar.margin_pct, 2) == 0.26
    assert bolivar.margin_pct < 0.5


def test_deterministic(generated: tuple[Path, Any], tmp_path: Path) -> None:
    gen.generate(tmp_path)
    names = sorted(p.name for p in generated[0].iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (generated[0] / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_fit_margins_keeps_both_margins() -> None:
    rng = np.random.default_rng(1)
    seed = rng.uniform(0.1, 5.0, (40, 5))
    rows = rng.integers(50, 200, 40)
    cols = gen.largest_remainder(int(rows.sum()), rng.uniform(1, 3, 5))
    out = gen.fit_margins(seed, rows, cols)
    assert (out >= 0).all()
    assert (out.sum(axis=1) == rows).all()
    assert (out.sum(axis=0) == cols).all()


def test_largest_remainder_respects_caps() -> None:
    caps = np.array([5, 100, 100], dtype=np.int64)
    out = gen.largest_remainder(101, np.array([10.0, 1.0, 1.0]), cap=caps)
    assert out.sum() == 101
    assert (out <= caps).all()
    assert out[0] == 5
