"""Election definitions: regions, polling units, parties, alliances, contests and ballot options.

Metadata (a few hundred objects) is validated with Pydantic; regions and polling units
(up to millions of rows) are kept column-wise so a national register loads in seconds.
Everything here is pure: reading files is ``escrutinio.io.definition_files``.

The definition lives in four modules, re-exported here so ``from escrutinio.model.definition
import ...`` keeps working: the input schema (:mod:`escrutinio.model.definition_input`), the
runtime model (:mod:`escrutinio.model.definition_model`), the builder
(:mod:`escrutinio.model.definition_build`) and the metadata rules
(:mod:`escrutinio.model.definition_checks`).
"""

from __future__ import annotations

from escrutinio.model.definition_build import build_definition, with_units
from escrutinio.model.definition_checks import largest_acta_leaf
from escrutinio.model.definition_input import (
    MAX_REGISTERED,
    Alliance,
    BallotOption,
    Candidate,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    Ident,
    Party,
    RegionRow,
    Text,
    UnitRow,
)
from escrutinio.model.definition_model import (
    ContestLayout,
    Definition,
    IdxArray,
    IntArray,
    RegionTable,
    UnitTable,
)
from escrutinio.model.leaves import MAX_LEAF_BYTES

__all__ = [
    "MAX_LEAF_BYTES",
    "MAX_REGISTERED",
    "Alliance",
    "BallotOption",
    "Candidate",
    "Contest",
    "ContestLayout",
    "Definition",
    "DefinitionMeta",
    "ElectionInfo",
    "Ident",
    "IdxArray",
    "IntArray",
    "Party",
    "RegionRow",
    "RegionTable",
    "Text",
    "UnitRow",
    "UnitTable",
    "build_definition",
    "largest_acta_leaf",
    "with_units",
]
