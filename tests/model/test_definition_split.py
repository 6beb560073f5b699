"""The definition lives in four small modules (issue 10, item 5); ``escrutinio.model.definition``
re-exports every name other packages import from it, as the very same objects."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from escrutinio.model import definition

PARTS = ("definition_input", "definition_model", "definition_build", "definition_checks")


def test_every_exported_name_is_the_part_s_own_object() -> None:
    parts = [importlib.import_module(f"escrutinio.model.{part}") for part in PARTS]
    for name in definition.__all__:
        owners = [part for part in parts if name in vars(part)]
        assert owners, f"{name} is defined in none of the parts"
        assert all(getattr(part, name) is getattr(definition, name) for part in owners), name


@pytest.mark.parametrize(
    "name",
    [
        "Alliance",
        "BallotOption",
        "Candidate",
        "Contest",
        "ContestLayout",
        "Definition",
        "DefinitionMeta",
        "ElectionInfo",
        "IdxArray",
        "IntArray",
        "Party",
        "RegionRow",
        "RegionTable",
        "UnitRow",
        "UnitTable",
        "build_definition",
        "with_units",
        "MAX_LEAF_BYTES",
        "largest_acta_leaf",
    ],
)
def test_names_imported_elsewhere_still_import(name: str) -> None:
    assert hasattr(definition, name)


@pytest.mark.parametrize("part", [*PARTS, "definition"])
def test_each_part_is_well_under_400_lines(part: str) -> None:
    source = Path(importlib.import_module(f"escrutinio.model.{part}").__file__ or "")
    assert len(source.read_text(encoding="utf-8").splitlines()) < 400
