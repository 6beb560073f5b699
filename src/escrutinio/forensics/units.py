"""Unit-level input for the forensic tests.

The forensic tests take one row per polling unit (mesa/acta): an identifier, region keys,
registered electors (possibly unknown), voters, null votes, one count column per option and,
where known, the reporting order. :class:`UnitData` turns such a Polars DataFrame into the
NumPy arrays every test needs (turnout, leader's share), computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class UnitColumns:
    """Names of the columns of a unit-level DataFrame.

    ``registered``, ``voters``, ``null`` and ``received_at`` may be ``None`` when the data do not
    have them; ``unit`` may be ``None`` when rows carry no identifier (row numbers are used).
    """

    options: tuple[str, ...]
    unit: str | None = "unit"
    regions: tuple[str, ...] = ()
    registered: str | None = "registered"
    voters: str | None = "voters"
    null: str | None = "null"
    received_at: str | None = None


def _int_column(frame: pl.DataFrame, name: str | None) -> tuple[IntArray, BoolArray]:
    """Return a column as int64 values plus a mask of the rows where it is known."""
    n = frame.height
    if name is None or name not in frame.columns:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    col = frame.get_column(name).cast(pl.Int64, strict=False)
    known = col.is_not_null().to_numpy().astype(np.bool_)
    values = col.fill_null(0).to_numpy().astype(np.int64)
    return values, known


@dataclass(frozen=True)
class UnitData:
    """Arrays describing every unit, derived once from a DataFrame (see :func:`from_frame`)."""

    unit_ids: tuple[str, ...]
    regions: dict[str, tuple[str, ...]]
    option_names: tuple[str, ...]
    votes: IntArray  # shape (n_units, n_options)
    null: IntArray
    voters: IntArray
    registered: IntArray
    registered_known: BoolArray
    order: IntArray | None  # unit indices in reporting order, or None when unknown
    leader: int = field(default=0)  # index of the option with the most votes overall

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.votes.shape[0])

    @property
    def valid(self) -> IntArray:
        """Valid votes per unit (sum over options)."""
        return np.asarray(self.votes.sum(axis=1), dtype=np.int64)

    @property
    def leader_votes(self) -> IntArray:
        """Votes of the overall leader in each unit."""
        return np.asarray(self.votes[:, self.leader], dtype=np.int64)

    @property
    def leader_name(self) -> str:
        """Name of the overall leader's column."""
        return self.option_names[self.leader]

    def leader_share(self) -> FloatArray:
        """Leader's share of valid votes per unit (NaN where a unit has no valid votes)."""
        valid = self.valid.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(valid > 0, self.leader_votes / valid, np.nan)

    def turnout_mask(self) -> BoolArray:
        """Units whose turnout is defined (registered electors known and positive)."""
        return np.asarray(self.registered_known & (self.registered > 0), dtype=np.bool_)

    def turnout(self) -> FloatArray:
        """Voters / registered electors per unit (NaN where the register is unknown)."""
        mask = self.turnout_mask()
        out = np.full(self.n_units, np.nan)
        out[mask] = self.voters[mask] / self.registered[mask]
        return out

    def region_of(self, index: int) -> dict[str, str]:
        """Region keys of one unit, as a mapping from column name to value."""
        return {name: values[index] for name, values in self.regions.items()}


def from_frame(frame: pl.DataFrame, columns: UnitColumns) -> UnitData:
    """Build :class:`UnitData` from a DataFrame with the columns named in ``columns``.

    Voters default to valid + null votes where the voters column is missing or null. Reporting
    order is the ascending order of ``received_at`` (nulls last) when that column is given.
    """
    missing = [c for c in columns.options if c not in frame.columns]
    missing += [c for c in columns.regions if c not in frame.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    if not columns.options:
        raise ValueError("at least one option column is needed")
    n = frame.height
    votes = (
        frame.select([pl.col(c).cast(pl.Int64, strict=False).fill_null(0) for c in columns.options])
        .to_numpy()
        .astype(np.int64)
        .reshape(n, len(columns.options))
    )
    if (votes < 0).any():
        raise ValueError("negative vote counts")
    null, _ = _int_column(frame, columns.null)
    voters, voters_known = _int_column(frame, columns.voters)
    voters = np.where(voters_known, voters, votes.sum(axis=1) + null)
    registered, registered_known = _int_column(frame, columns.registered)
    if columns.unit is not None and columns.unit in frame.columns:
        ids = tuple(str(v) for v in frame.get_column(columns.unit).to_list())
    else:
        ids = tuple(str(i) for i in range(n))
    regions = {
        c: tuple("" if v is None else str(v) for v in frame.get_column(c).to_list())
        for c in columns.regions
    }
    order: IntArray | None = None
    if columns.received_at is not None and columns.received_at in frame.columns:
        rank = frame.with_row_index("__row").sort(columns.received_at, nulls_last=True)
        order = rank.get_column("__row").to_numpy().astype(np.int64)
    leader = int(np.argmax(votes.sum(axis=0))) if n else 0
    return UnitData(
        unit_ids=ids,
        regions=regions,
        option_names=tuple(columns.options),
        votes=votes,
        null=null,
        voters=voters.astype(np.int64),
        registered=registered,
        registered_known=registered_known,
        order=order,
        leader=leader,
    )
