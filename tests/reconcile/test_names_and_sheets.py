"""Reconciliation with different spellings, a crosswalk, the unmatched-name report, and the
rule that tells one sheet read twice from two different sheets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from escrutinio.reconcile import (
    CrosswalkError,
    NameRules,
    SameSheetRule,
    parse_crosswalk,
    reconcile,
    write_report,
)

COUNTS = ("egu", "nm", "otros")


def _rows(state: str, parish: str, votes: list[tuple[int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "state": [state] * len(votes),
            "parish": [parish] * len(votes),
            "egu": [v[0] for v in votes],
            "nm": [v[1] for v in votes],
            "otros": [v[2] for v in votes],
        }
    )


VOTES = [(300, 120, 10), (250, 140, 12), (199, 201, 5)]


def test_rules_fold_case_accents_abbreviations_and_place_kinds() -> None:
    rules = NameRules()
    assert rules.key("DISTRITO CAPITAL") == rules.key("Capital")
    assert rules.key("EDO. MÉRIDA") == rules.key("Estado Merida") == rules.key("MERIDA")
    assert rules.key("MUN. SUCRE") == rules.key("Municipio Sucre")
    assert rules.key("Московская обл.") == rules.key("Московская область")
    assert rules.key("Distrito") == "distrito"  # a place kind alone is kept
    assert NameRules(exact=True).key("Mérida") == "Mérida"


def test_differently_spelled_places_match() -> None:
    a = pl.concat(
        [_rows("DISTRITO CAPITAL", "Catedral", VOTES), _rows("EDO. MÉRIDA", "Arias", VOTES)]
    )
    b = pl.concat([_rows("CAPITAL", "CATEDRAL", VOTES), _rows("Mérida", "ARIAS", VOTES)])
    plain = reconcile(a, b, COUNTS, regions=("state", "parish"))
    assert plain.status_counts()["identical"] == 0
    rec = reconcile(a, b, COUNTS, regions=("state", "parish"), names=NameRules())
    assert rec.status_counts() == {"identical": 6, "differing": 0, "only_a": 0, "only_b": 0}
    assert rec.unmatched is not None and rec.unmatched.height == 0


def test_unmatched_names_listed_with_closest_candidates(tmp_path: Path) -> None:
    a = pl.concat([_rows("ZULIA", "San Francisco", VOTES), _rows("ZULIA", "Cacique Mara", VOTES)])
    b = pl.concat([_rows("ZULIA", "SN FRANCISCO", VOTES), _rows("ZULIA", "CACIQUE MARA", VOTES)])
    rec = reconcile(a, b, COUNTS, regions=("state", "parish"), names=NameRules())
    assert rec.unmatched is not None
    rows = {r["side"]: r for r in rec.unmatched.iter_rows(named=True)}
    assert rows["A"]["name"] == "San Francisco" and rows["A"]["parent"] == "zulia"
    assert rows["A"]["candidates"].startswith("SN FRANCISCO (0.")
    assert rows["B"]["candidates"].startswith("San Francisco (0.")
    write_report(rec, tmp_path, "A", "B")
    assert "SN FRANCISCO" in (tmp_path / "unmatched_names.csv").read_text(encoding="utf-8")
    assert "did not match (2)" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_crosswalk_fixes_what_rules_cannot() -> None:
    rules = NameRules()
    walk = parse_crosswalk("column,a,b\nparish,San Francisco,SN FRANCISCO\n", "cw.csv", rules)
    a = _rows("ZULIA", "San Francisco", VOTES)
    b = _rows("ZULIA", "SN FRANCISCO", VOTES)
    rec = reconcile(a, b, COUNTS, regions=("state", "parish"), names=rules, crosswalk=walk)
    assert rec.status_counts()["identical"] == 3
    assert rec.unmatched is not None and rec.unmatched.height == 0
    bad = parse_crosswalk("column,a,b\ncanton,X,Y\n", "cw.csv", rules)
    with pytest.raises(ValueError, match="canton"):
        reconcile(a, b, COUNTS, regions=("state", "parish"), names=rules, crosswalk=bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\nX,Y\n", "line 1: expected the header column,a,b"),
        ("column,a,b\nparish,X\n", "line 2: expected 3 fields, got 2"),
        ("column,a,b\nparish,,Y\n", "line 2: field a is empty"),
        ("column,a,b\nparish,X,Y\nparish,x,Z\n", "line 3: parish 'x' is already mapped to 'y'"),
        ("column,a,b\nparish,X,?\n", "line 2: a name has no letter or digit"),
    ],
)
def test_crosswalk_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(CrosswalkError, match=f"^cw.csv: {message}"):
        parse_crosswalk(text, "cw.csv", NameRules())


def test_same_sheet_rule_boundaries() -> None:
    rule = SameSheetRule()
    a = np.array([300, 150, 20])
    assert rule.same_sheet(a, np.array([300, 750, 20]))  # one field, however far
    assert rule.same_sheet(a, np.array([305, 145, 20]))  # two fields, 10 votes ≤ max(10, 9.4)
    assert not rule.same_sheet(a, np.array([306, 145, 20]))  # 11 votes
    assert not rule.same_sheet(a, np.array([301, 149, 21]))  # three fields of three
    big = np.array([5000, 2000, 500])  # 2% of 7,500 = 150 votes
    assert rule.same_sheet(big, np.array([5075, 1925, 500]))
    assert not rule.same_sheet(big, np.array([5076, 1925, 500]))


def test_pairs_139_votes_apart_are_two_sheets() -> None:
    a = _rows("ZULIA", "P1", [(300, 150, 20)])
    near = _rows("ZULIA", "P1", [(304, 146, 20)])
    far = _rows("ZULIA", "P1", [(230, 219, 20)])  # 69 + 69 + 0 = 138 ... and one more:
    far = far.with_columns(pl.lit(21).alias("otros"))  # 139 votes apart, three fields
    assert reconcile(a, near, COUNTS, regions=("parish",)).status_counts()["differing"] == 1
    status = reconcile(a, far, COUNTS, regions=("parish",)).status_counts()
    assert status == {"identical": 0, "differing": 0, "only_a": 1, "only_b": 1}
