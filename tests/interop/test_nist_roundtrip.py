"""Export → import round trip over generated small elections (pure: no store)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrutinio.interop.nist.emit import JsonEmitter, XmlEmitter
from escrutinio.interop.nist.parse import parse_report
from escrutinio.interop.nist.report import RaceState, ReportInput, write_report
from escrutinio.interop.nist.to_native import convert_report
from escrutinio.model.definition import Definition
from escrutinio.model.definition_build import build_definition
from escrutinio.model.definition_input import RegionRow, UnitRow
from escrutinio.tally import ContestCounts
from nist_kit import json_errors, xsd_errors
from support import small_definition


def _counts(definition: Definition, seed: int, share: float) -> dict[str, ContestCounts]:
    rng = np.random.default_rng(seed)
    out: dict[str, ContestCounts] = {}
    for cid, contest in definition.contests.items():
        units = definition.contest_units(cid)
        keep = rng.random(len(units)) < share
        keep[0] = True  # a report with no acta at all is refused (tested elsewhere)
        units = units[keep]
        k = len(contest.options)
        votes = rng.integers(0, 50, size=(len(units), k + 2))
        voters = votes.sum(axis=1) + rng.integers(0, 3, size=len(units))
        out[cid] = ContestCounts(cid, units, np.column_stack([votes, voters]).astype(np.int64))
    return out


def _report(definition: Definition, counts: dict[str, ContestCounts], fmt: str) -> bytes:
    races = {cid: RaceState("counting", False, "some actas outstanding", ()) for cid in counts}
    inp = ReportInput(definition, counts, races, "2017-10-15T22:00:00Z", "unofficial-partial")
    buf = io.StringIO()
    write_report(inp, XmlEmitter(buf) if fmt == "xml" else JsonEmitter(buf))
    return buf.getvalue().encode()


def _totals(
    definition: Definition, counts: dict[str, ContestCounts]
) -> dict[tuple[str, str], tuple[int, ...]]:
    out: dict[tuple[str, str], tuple[int, ...]] = {}
    for cid, c in counts.items():
        for u, row in zip(c.units.tolist(), c.counts.tolist(), strict=True):
            out[(definition.units.ids[u], cid)] = tuple(row)
    return out


def _imported(data: bytes) -> tuple[Definition, dict[tuple[str, str], tuple[int, ...]]]:
    conv = convert_report(parse_report(data, "report"), "report")
    definition = build_definition(conv.meta, conv.regions, conv.units)
    out: dict[tuple[str, str], tuple[int, ...]] = {}
    for acta in conv.actas:
        contest = definition.contests[str(acta["contest"])]
        row = [int(acta[o.id]) for o in contest.options]  # type: ignore[call-overload]
        blank = acta["blank"]
        row += [int(acta["null"]), int(blank) if blank is not None else 0, int(acta["voters"])]  # type: ignore[call-overload]
        out[(str(acta["unit"]), contest.id)] = tuple(row)
    return definition, out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1), share=st.floats(0.1, 1.0), fmt=st.sampled_from(["xml", "json"])
)
def test_export_import_keeps_every_unit_and_contest_total(
    seed: int, share: float, fmt: str
) -> None:
    definition = small_definition()
    counts = _counts(definition, seed, share)
    imported, totals = _imported(_report(definition, counts, fmt))
    assert totals == _totals(definition, counts)
    assert imported.region_levels == definition.region_levels
    assert {c: [o.id for o in x.options] for c, x in imported.contests.items()} == {
        c: [o.id for o in x.options] for c, x in definition.contests.items()
    }
    assert {p.id: p.alliance for p in imported.parties.values()} == {
        p.id: p.alliance for p in definition.parties.values()
    }
    assert imported.units.registered.tolist() == definition.units.registered.tolist()


def test_small_reports_validate_against_nists_schemas(tmp_path: Path) -> None:
    definition = small_definition()
    counts = _counts(definition, 7, 0.7)
    xml, js = tmp_path / "r.xml", tmp_path / "r.json"
    xml.write_bytes(_report(definition, counts, "xml"))
    js.write_bytes(_report(definition, counts, "json"))
    assert xsd_errors(xml) == []
    assert json_errors(js) == []


def test_a_contest_scoped_below_the_level_asked_keeps_its_district(tmp_path: Path) -> None:
    base = small_definition()
    meta = base.meta.model_copy(
        update={
            "contests": [
                base.meta.contests[0].model_copy(update={"scope": "A1"}),
                base.meta.contests[1],
            ]
        }
    )
    regions = [
        RegionRow(r["id"], r["name"], r["level"], r["parent"]) for r in base.region_documents
    ]
    units = [
        UnitRow(uid, base.regions.ids[r], reg)
        for uid, r, reg in zip(
            base.units.ids, base.units.region.tolist(), base.units.registered.tolist(), strict=True
        )
    ]
    definition = build_definition(meta, regions, units)
    counts = _counts(definition, 3, 1.0)
    races = {cid: RaceState("final", False, "all counted", ()) for cid in counts}
    buf = io.StringIO()
    write_report(
        ReportInput(
            definition, counts, races, "2017-10-15T22:00:00Z", "unofficial-complete", "state"
        ),
        XmlEmitter(buf),
    )
    xml = tmp_path / "r.xml"
    xml.write_text(buf.getvalue(), encoding="utf-8")
    assert xsd_errors(xml) == []
    assert 'ObjectId="ru-A1"' in buf.getvalue()
    assert "<ElectionDistrictId>ru-A1</ElectionDistrictId>" in buf.getvalue()
