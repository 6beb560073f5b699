"""What claims are checked against: results snapshots (a bulletin, or the final count) each
pinned to the log checkpoint it was computed from, and the record that hands them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from escrutinio.claims.entities import Catalogue, Entity
from escrutinio.model.definition import Definition
from escrutinio.tally.results import ContestResultDoc
from escrutinio.tally.summary import SummaryDoc

SnapshotKey = int | str
"""A bulletin number, or ``"final"`` (every stored acta counted now)."""


@dataclass(frozen=True)
class Checkpoint:
    """A log checkpoint: the tree size and its RFC 9162 root hash (hex)."""

    size: int
    root_hash: str

    def to_dict(self) -> dict[str, int | str]:
        """JSON form: size, root_hash."""
        return {"size": self.size, "root_hash": self.root_hash}


@dataclass(frozen=True)
class Snapshot:
    """Results at one moment: the summary, every contest's overall result and, when
    computed, results by top-level region of the contests that span several regions."""

    key: SnapshotKey
    checkpoint: Checkpoint
    summary: SummaryDoc
    contests: Mapping[str, ContestResultDoc]
    regions: Mapping[str, Mapping[str, ContestResultDoc]] | None = None

    @property
    def label(self) -> str:
        """ "bulletin N" or "final results"."""
        return f"bulletin {self.key}" if isinstance(self.key, int) else "final results"


@dataclass
class Record:
    """The definition, a loader of snapshots (cached), the snapshots to use when a claim
    names none, and who the role words stand for (``{"incumbent": "GPP"}``)."""

    definition: Definition
    load: Callable[[SnapshotKey], Snapshot | None]
    default: tuple[SnapshotKey, ...] = ("final",)
    roles: Mapping[str, str] = field(default_factory=dict)
    _cache: dict[SnapshotKey, Snapshot | None] = field(default_factory=dict)
    _catalogue: Catalogue | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The entity names of the definition (built once)."""
        if self._catalogue is None:
            self._catalogue = Catalogue(self.definition)
        return self._catalogue

    def snapshot(self, key: SnapshotKey) -> Snapshot | None:
        """The snapshot for a bulletin number or "final" (None when there is none)."""
        if key not in self._cache:
            self._cache[key] = self.load(key)
        return self._cache[key]

    def role(self, role: str) -> list[Entity]:
        """The entities a role word stands for (empty when not given)."""
        key = self.roles.get(role)
        return self.catalogue.find(key) if key else []

    @property
    def electorate(self) -> int:
        """Registered electors of every polling unit of the definition."""
        return int(self.definition.units.registered.sum())
