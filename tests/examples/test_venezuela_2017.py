"""The generated 2017 regional election: exact totals, valid actas, and the two-wave race calls."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from escrutinio.io.actas_files import read_actas
from escrutinio.io.definition_files import load_definition
from escrutinio.model.acta import Acta
from escrutinio.model.definition import Definition
from escrutinio.model.validation import ActaValidator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "venezuela-2017"
AD_STATES = {"VE03", "VE14", "VE17", "VE20"}  # Anzoátegui, Mérida, Nueva Esparta, Táchira
ZULIA, BOLIVAR = "VE23", "VE07"


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


@pytest.fixture(scope="module")
def waves(generated: tuple[Path, Any], definition: Definition) -> tuple[list[Acta], list[Acta]]:
    validator = ActaValidator(definition)
    out: list[list[Acta]] = []
    for name in ("actas_wave1.csv", "actas_wave2.csv"):
        actas: list[Acta] = []
        for row in read_actas(generated[0] / name):
            assert row.issue is None, (name, row.line, row.issue)
            assert row.acta is not None
            result = validator.validate(row.acta)
            assert isinstance(result, Acta), (name, row.line, result)
            actas.append(result)
        out.append(actas)
    return out[0], out[1]


def _bloc_totals(definition: Definition, actas: list[Acta]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in actas:
        lay = definition.layout(a.contest)
        for i, v in enumerate(a.votes):
            alliance = lay.option_alliance[i]
            key = lay.alliance_ids[alliance] if alliance >= 0 else "other"
            totals[a.contest][key] += v
        totals[a.contest]["null"] += a.null
        totals[a.contest]["voters"] += a.voters
    return totals


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


def test_actas_sum_to_state_totals(
    generated: tuple[Path, Any], definition: Definition, waves: tuple[list[Acta], list[Acta]]
) -> None:
    rep = generated[1]
    totals = _bloc_totals(definition, waves[0] + waves[1])
    assert sum(t["GPP"] for t in totals.values()) == 5_817_344
    assert sum(t["MUD"] for t in totals.values()) == 4_984_830
    bolivar = totals[f"gov-{BOLIVAR}"]
    assert (bolivar["GPP"], bolivar["MUD"]) == (276_655, 275_184)
    for st in rep.states:
        t = totals[st.contest]
        assert (t["GPP"], t["MUD"], t["other"], t["null"], t["voters"]) == (
            st.gpp,
            st.mud,
            st.other,
            st.null,
            st.voters,
        )
    # Every table reports exactly once, for its own state's governor.
    units = [a.unit for a in waves[0] + waves[1]]
    assert len(units) == len(set(units)) == len(definition.units)


def test_official_percentages_kept(generated: tuple[Path, Any]) -> None:
    by_code = {st.pcode: st for st in generated[1].states}
    lara = by_code["VE13"]
    assert (lara.gpp, lara.mud) == (460_819, 322_065)
    assert by_code[ZULIA].mud == 700_755
    nueva_esparta = by_code["VE17"]
    assert round(100 * nueva_esparta.mud / nueva_esparta.valid, 2) == 51.87
    assert round(100 * nueva_esparta.gpp / nueva_esparta.valid, 2) == 47.40


def _race_status(
    definition: Definition, counted: list[Acta]
) -> dict[str, tuple[str, bool, int, int]]:
    """contest -> (leader, irreversible?, GPP, MUD) under the outstanding-register rule."""
    totals = _bloc_totals(definition, counted)
    reported = np.zeros(len(definition.units), dtype=bool)
    for a in counted:
        reported[definition.units.index[a.unit]] = True
    status = {}
    for cid in definition.contests:
        mask = definition.eligible_mask(cid) & ~reported
        outstanding = int(definition.units.registered[mask].sum())
        g, m = totals[cid]["GPP"], totals[cid]["MUD"]
        status[cid] = ("GPP" if g > m else "MUD", abs(g - m) > outstanding, g, m)
    return status


def test_wave1_calls_22_races(definition: Definition, waves: tuple[list[Acta], list[Acta]]) -> None:
    wave1, wave2 = waves
    share = len(wave1) / (len(wave1) + len(wave2))
    assert abs(share - 0.958) < 0.0005
    status = _race_status(definition, wave1)
    decided = {c: s for c, s in status.items() if s[1]}
    assert len(decided) == 22
    assert f"gov-{BOLIVAR}" not in decided
    mud_wins = {c.removeprefix("gov-") for c, s in decided.items() if s[0] == "MUD"}
    assert mud_wins == AD_STATES | {ZULIA}
    assert sum(1 for s in decided.values() if s[0] == "GPP") == 17
    _, _, g, m = status[f"gov-{BOLIVAR}"]
    assert m > g  # Velásquez ahead before the last tables, as at 97.7% in 2017


def test_wave2_completes_the_count(
    definition: Definition, waves: tuple[list[Acta], list[Acta]]
) -> None:
    status = _race_status(definition, waves[0] + waves[1])
    assert all(s[1] for s in status.values())
    assert sum(1 for s in status.values() if s[0] == "GPP") == 18
    assert sum(1 for s in status.values() if s[0] == "MUD") == 5
    received = sorted(a.received_at for a in waves[0])
    assert received[0].startswith("2017-10-15T22") and received[-1].startswith("2017-10-16T01")
    assert all(a.received_at[:10] in ("2017-10-16", "2017-10-17") for a in waves[1])


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
