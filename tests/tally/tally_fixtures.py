"""A small hand-made election for the tally tests."""

from __future__ import annotations

from typing import Any

import numpy as np

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
from escrutinio.tally import ContestCounts

# Units: u1, u2 in M1 (S1); u3 in M2 (S1); u4, u5 in M3 (S2).
REGISTERED = {"u1": 100, "u2": 200, "u3": 300, "u4": 400, "u5": 500}


def make_definition(**info: Any) -> Definition:
    """Two states, three municipalities, five units; a governor race in S1 with a candidate
    on two cards, a national 2-seat council and a national 3-candidate presidency."""
    meta = DefinitionMeta(
        election=ElectionInfo(id="test-2017", name="Test election", date="2017-10-15", **info),
        region_levels=["state", "municipality"],
        alliances=[Alliance(id="GPP", name="Gran Polo"), Alliance(id="MUD", name="Unidad")],
        parties=[
            Party(id="PSUV", name="PSUV", alliance="GPP"),
            Party(id="PCV", name="PCV", alliance="GPP"),
            Party(id="AD", name="AD", alliance="MUD"),
            Party(id="IND", name="Independientes"),
        ],
        contests=[
            Contest(
                id="gov-S1",
                name="Governor S1",
                scope="S1",
                candidates=[
                    Candidate(id="ana", name="Ana"),
                    Candidate(id="beto", name="Beto"),
                    Candidate(id="cruz", name="Cruz"),
                ],
                options=[
                    BallotOption(id="ana-PSUV", candidate="ana", party="PSUV"),
                    BallotOption(id="ana-PCV", candidate="ana", party="PCV"),
                    BallotOption(id="beto-AD", candidate="beto", party="AD"),
                    BallotOption(id="cruz-IND", candidate="cruz", party="IND"),
                ],
            ),
            Contest(
                id="council",
                name="Council",
                seats=2,
                candidates=[
                    Candidate(id="x", name="X", alliance="GPP"),
                    Candidate(id="y", name="Y", alliance="MUD"),
                    Candidate(id="z", name="Z", alliance="MUD"),
                    Candidate(id="w", name="W"),
                ],
            ),
            Contest(
                id="pres",
                name="President",
                candidates=[
                    Candidate(id="p1", name="P1", alliance="GPP"),
                    Candidate(id="p2", name="P2", alliance="MUD"),
                ],
            ),
        ],
    )
    regions = [
        RegionRow("S1", "State 1", "state", None),
        RegionRow("S2", "State 2", "state", None),
        RegionRow("M1", "Mun 1", "municipality", "S1"),
        RegionRow("M2", "Mun 2", "municipality", "S1"),
        RegionRow("M3", "Mun 3", "municipality", "S2"),
    ]
    where = {"u1": "M1", "u2": "M1", "u3": "M2", "u4": "M3", "u5": "M3"}
    units = [UnitRow(u, where[u], REGISTERED[u]) for u in REGISTERED]
    return build_definition(meta, regions, units)


def counts_of(definition: Definition, contest_id: str, rows: dict[str, list[int]]) -> ContestCounts:
    """ContestCounts from {unit id: [options..., null, blank, voters]}."""
    units = np.array([definition.units.index[u] for u in rows], dtype=np.int32)
    k = len(definition.contests[contest_id].options)
    matrix = np.array(list(rows.values()), dtype=np.int64).reshape(len(rows), k + 3)
    return ContestCounts(contest_id, units, matrix)
