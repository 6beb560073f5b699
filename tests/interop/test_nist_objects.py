"""The objects both ERR writers are built from: the same GpUnits, parties and candidates
reach the NIST report and Google's variant."""

from __future__ import annotations

import io

import numpy as np
from lxml import etree

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.emit import XmlEmitter
from escrutinio.interop.nist.google import write_google_report
from escrutinio.interop.nist.objects import (
    RaceState,
    ReportInput,
    candidates,
    gpunits,
    parties,
    race_identifiers,
)
from escrutinio.interop.nist.report import write_report
from escrutinio.tally import ContestCounts
from support import small_definition


def _input(level: str | None) -> ReportInput:
    d = small_definition()
    counts = {}
    for cid, contest in d.contests.items():
        units = d.contest_units(cid)
        rows = np.ones((len(units), len(contest.options) + 3), dtype=np.int64)
        rows[:, -1] = len(contest.options) + 2
        counts[cid] = ContestCounts(cid, units, rows)
    first = next(iter(d.contests))
    winner = d.contests[first].candidates[0].id
    races = {first: RaceState("final", False, "all actas counted", (winner,))}
    return ReportInput(d, counts, races, "2017-10-15T22:00:00Z", "unofficial-partial", level)


def _object_ids(xml: str, element: str) -> list[str]:
    root = etree.fromstring(xml.encode())
    found = root.iter(f"{{*}}{element}", element)
    return [e.get("ObjectId") or e.get("objectId") or "" for e in found]


def test_gpunits_come_root_first_then_regions_then_tables() -> None:
    inp = _input(None)
    units = list(gpunits(inp, ("other", "election")))
    kinds = [u.kind for u in units]
    assert kinds[0] == "root" and kinds.count("root") == 1
    assert kinds == sorted(kinds, key=["root", "region", "unit"].index)
    d = inp.definition
    assert kinds.count("unit") == len(d.units) and kinds.count("region") == len(d.regions)
    assert units[0].reported == len(d.units) and units[0].total == len(d.units)
    only_states = list(gpunits(_input(d.region_levels[0]), ("country", None)))
    assert [u.kind for u in only_states].count("unit") == 0
    assert only_states[0].type == "country" and only_states[0].other_type is None


def test_both_writers_emit_the_same_gpunits_and_parties() -> None:
    for level in (None, "state"):
        inp = _input(level)
        nist, google = io.StringIO(), io.StringIO()
        write_report(inp, XmlEmitter(nist))
        write_google_report(inp, "ve", XmlEmitter(google))
        expected = [u.object_id for u in gpunits(inp, ("other", "election"))]
        assert _object_ids(nist.getvalue(), "GpUnit") == expected
        assert _object_ids(google.getvalue(), "GpUnit") == expected
        party_ids = [p.object_id for p in parties(inp.definition)]
        assert _object_ids(nist.getvalue(), "Party") == party_ids
        assert _object_ids(google.getvalue(), "Party") == party_ids


def test_candidates_carry_their_race_outcome_and_alliance() -> None:
    inp = _input(None)
    cands = list(candidates(inp))
    first = next(iter(inp.definition.contests))
    winners = [c for c in cands if c.status is not None]
    assert [(c.contest, c.status) for c in winners] == [(first, "winner")]
    assert all(c.object_id == ids.candidate_id(c.contest, c.candidate.id) for c in cands)
    assert any(c.alliance is not None for c in cands)
    assert race_identifiers(None) == []
    assert [n["OtherType"] for n in race_identifiers(inp.races[first])] == [
        "escrutinio-race-status",
        "escrutinio-recount-range",
        "escrutinio-race-status-reason",
    ]
