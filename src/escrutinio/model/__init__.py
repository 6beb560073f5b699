"""The pure election model: definitions, actas and validation rules (no I/O)."""

from escrutinio.model.acta import Acta, utc_timestamp
from escrutinio.model.definition import (
    Alliance,
    BallotOption,
    Candidate,
    Contest,
    ContestLayout,
    Definition,
    DefinitionMeta,
    ElectionInfo,
    Party,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.model.errors import DefinitionError, InputError, Issue
from escrutinio.model.validation import ActaValidator, RawActa

__all__ = [
    "Acta",
    "ActaValidator",
    "Alliance",
    "BallotOption",
    "Candidate",
    "Contest",
    "ContestLayout",
    "Definition",
    "DefinitionError",
    "DefinitionMeta",
    "ElectionInfo",
    "InputError",
    "Issue",
    "Party",
    "RawActa",
    "RegionRow",
    "UnitRow",
    "build_definition",
    "utc_timestamp",
]
