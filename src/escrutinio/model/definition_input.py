"""The input schema of an election definition: the Pydantic models of the file's metadata
(election, parties, alliances, contests, ballot options) and the rows of its regions and units.

Every identifier follows :func:`escrutinio.model.text.is_identifier` and every name (free
text that enters the log) passes :func:`escrutinio.model.text.text_problem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from escrutinio.model.text import ID_MAX_LENGTH, ID_PATTERN, text_problem


def _free_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


MAX_REGISTERED = 10**12
"""The most registered electors a polling unit may have (and the largest tolerance): far
above any real unit, and low enough that a million units' total still fits the store's
64-bit integers."""

Ident = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
Text = Annotated[str, AfterValidator(_free_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ElectionInfo(_Strict):
    """Election metadata and the counting rules that apply to the whole election."""

    id: Ident
    name: Text
    date: Text = Field(description="Election day, ISO 8601 (YYYY-MM-DD).")
    description: Text = ""
    official_source: Ident = Field(
        default="official", description="Source whose actas make the official totals."
    )
    registered_tolerance: int = Field(
        default=0,
        ge=0,
        le=MAX_REGISTERED,
        description="How many voters an acta may report above the unit's registered electors.",
    )
    recount_threshold_pct: float = Field(
        default=0.5,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="A final margin below this % of valid votes is flagged.",
    )
    registered_known: bool = Field(
        default=True,
        description="False when units' registered electors are unknown (e.g. a citizen "
        "collection); then 'registered' holds the unit's voters and turnout is not reported.",
    )


class Alliance(_Strict):
    """A coalition of parties (e.g. GPP, MUD)."""

    id: Ident
    name: Text


class Party(_Strict):
    """A party; its card (tarjeta) appears on ballots. It may belong to an alliance."""

    id: Ident
    name: Text
    alliance: Ident | None = None


class Candidate(_Strict):
    """A person (or list) running in a contest."""

    id: Ident
    name: Text
    alliance: Ident | None = Field(
        default=None,
        description="Bloc the candidate runs for; derived from the parties of their cards "
        "when all of them belong to one alliance.",
    )


class BallotOption(_Strict):
    """One box on the ballot: a candidate on one party's card."""

    id: Ident
    candidate: Ident
    party: Ident | None = None


class Contest(_Strict):
    """A race: who can vote in it (scope), how many win, and the ballot options."""

    id: Ident
    name: Text
    scope: Ident | None = Field(
        default=None, description="Region whose units vote in this contest; none = all units."
    )
    seats: int = Field(default=1, ge=1)
    candidates: list[Candidate]
    options: list[BallotOption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_options(self) -> Contest:
        if not self.options:
            object.__setattr__(
                self,
                "options",
                [BallotOption(id=c.id, candidate=c.id) for c in self.candidates],
            )
        return self


class DefinitionMeta(_Strict):
    """Everything in a definition except regions and units (which come as tables)."""

    election: ElectionInfo
    region_levels: list[Ident] = Field(min_length=1)
    alliances: list[Alliance] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    contests: list[Contest] = Field(min_length=1)


@dataclass(frozen=True)
class RegionRow:
    """One region as read from a file, with its line for error messages."""

    id: str
    name: str
    level: str
    parent: str | None
    line: int | None = None


@dataclass(frozen=True)
class UnitRow:
    """One polling unit as read from a file, with its line for error messages."""

    id: str
    region: str
    registered: int
    contests: tuple[str, ...] = ()
    line: int | None = None
