"""Vectorised screening of many actas at once (a fast path for large CSV imports).

Every rule of :class:`~escrutinio.model.validation.ActaValidator` is checked column-wise
with Polars/NumPy. Rows that pass are prepared directly; any row that fails a check is
handed back to be re-validated by the row-by-row validator, which stays the single source
of truth for error messages. ``tests/model/test_columnar.py`` checks that both paths
accept and reject exactly the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.acta import utc_timestamp
from escrutinio.model.prepared import PreparedBatch, content_templates
from escrutinio.model.text import is_identifier
from escrutinio.model.validation import BLANKS, ActaValidator

DIGITS = r"^[0-9]{1,15}$"
FIXED = ("unit", "contest", "source", "received_at", "voters", "null", "blank")

BoolArray = npt.NDArray[np.bool_]


@dataclass
class Screened:
    """Rows of a frame that passed every check, and positions of those to re-check."""

    accepted: PreparedBatch
    recheck: npt.NDArray[np.int64]


def _stripped(frame: pl.DataFrame, name: str) -> pl.Series:
    return frame[name].cast(pl.String).str.strip_chars(BLANKS)


@dataclass
class CountColumns:
    """Count columns of a frame read at once: value (0 when unreadable), whether the cell
    is a well-formed count, and whether it is empty."""

    value: dict[str, npt.NDArray[np.int64]]
    ok: dict[str, BoolArray]
    empty: dict[str, BoolArray]

    @classmethod
    def read(cls, frame: pl.DataFrame, names: list[str]) -> CountColumns:
        """Parse every named column in one pass (Polars evaluates them in parallel)."""
        exprs: list[pl.Expr] = []
        for k, name in enumerate(names):
            s = pl.col(name).cast(pl.String).str.strip_chars(BLANKS)
            exprs += [
                s.cast(pl.Int64, strict=False).fill_null(0).alias(f"v{k}"),
                s.str.contains(DIGITS).fill_null(False).alias(f"k{k}"),
                (s.is_null() | (s == "")).fill_null(True).alias(f"e{k}"),
            ]
        parsed = frame.select(exprs) if exprs else pl.DataFrame()
        out = cls({}, {}, {})
        for k, name in enumerate(names):
            out.value[name] = parsed[f"v{k}"].to_numpy().astype(np.int64, copy=False)
            out.ok[name] = parsed[f"k{k}"].to_numpy().astype(bool, copy=False)
            out.empty[name] = parsed[f"e{k}"].to_numpy().astype(bool, copy=False)
        return out


class ColumnScreen:
    """Screens Polars frames of raw actas (all columns as text) against a definition."""

    def __init__(self, validator: ActaValidator) -> None:
        self.validator = validator
        d = validator.definition
        self.definition = d
        self.templates = content_templates(d)
        self._times: dict[str, str | None] = {}

    def _time(self, value: str | None) -> str | None:
        if value is None or value == "":
            return self.validator.default_received_at
        if value not in self._times:
            try:
                self._times[value] = utc_timestamp(value)
            except (ValueError, OverflowError):
                self._times[value] = None
        return self._times[value]

    def _contents(
        self,
        cid: str,
        votes: npt.NDArray[np.int64],
        units: list[str],
        sources: list[str],
        null: npt.NDArray[np.int64],
        blank: npt.NDArray[np.int64],
        blank_absent: BoolArray,
        voters: npt.NDArray[np.int64],
    ) -> pl.Series:
        """Canonical content JSON of many actas of one contest at once (Polars string
        concatenation in RFC 8785 key order; equal to ``ContentTemplate.render``)."""
        template = self.templates[cid]
        columns: dict[str, object] = {
            "unit": units,
            "source": sources,
            "null": null,
            "blank": blank,
            "absent": blank_absent,
            "voters": voters,
        }
        for j in range(votes.shape[1]):
            columns[f"o{j}"] = votes[:, j]
        frame = pl.DataFrame(columns)
        text = pl.col
        parts: list[pl.Expr] = [
            pl.lit('{"blank":'),
            pl.when(text("absent")).then(pl.lit("null")).otherwise(text("blank").cast(pl.String)),
            pl.lit(f',"contest":"{cid}","null":'),
            text("null").cast(pl.String),
            pl.lit(',"source":"'),
            text("source"),
            pl.lit('","unit":"'),
            text("unit"),
            pl.lit('","voters":'),
            text("voters").cast(pl.String),
            pl.lit(',"votes":{'),
        ]
        for k, j in enumerate(template.order):
            parts.append(pl.lit(("," if k else "") + f'"{template.option_ids[j]}":'))
            parts.append(text(f"o{j}").cast(pl.String))
        parts.append(pl.lit("}}"))
        return frame.select(pl.concat_str(parts).alias("c")).to_series()

    def screen(self, frame: pl.DataFrame, first_line: int) -> Screened:
        """Check a frame whose row ``i`` is at line ``first_line + i`` of its file."""
        n = frame.height
        d = self.definition
        recheck = np.zeros(n, dtype=bool)
        if "unit" not in frame.columns or "contest" not in frame.columns:
            return Screened(PreparedBatch.empty(), np.arange(n))
        unit_ids: list[str] = _stripped(frame, "unit").fill_null("").to_list()
        index = d.units.index
        unit_idx = np.fromiter((index.get(u, -1) for u in unit_ids), dtype=np.int64, count=n)
        recheck |= unit_idx < 0
        contests = _stripped(frame, "contest").fill_null("")
        contest_arr = contests.to_numpy()

        sources: list[str] = [self.validator.default_source] * n
        if "source" in frame.columns:
            raw_sources = _stripped(frame, "source").fill_null("").to_list()
            for i, s in enumerate(raw_sources):
                if s:
                    sources[i] = s
                    if not is_identifier(s):
                        recheck[i] = True
        times: list[str | None] = [self.validator.default_received_at] * n
        if "received_at" in frame.columns:
            raw_times = _stripped(frame, "received_at").to_list()
            times = [self._time(x) for x in raw_times]
            recheck |= np.array([t is None for t in times], dtype=bool)

        option_columns = [c for c in frame.columns if c not in FIXED]
        cells = CountColumns.read(
            frame, [c for c in ("voters", "null", "blank") if c in frame.columns] + option_columns
        )
        missing = (np.zeros(n, np.int64), np.zeros(n, bool))
        voters, voters_ok = (
            (cells.value["voters"], cells.ok["voters"]) if "voters" in cells.ok else missing
        )
        null, null_ok = (cells.value["null"], cells.ok["null"]) if "null" in cells.ok else missing
        recheck |= ~voters_ok | ~null_ok
        if "blank" in cells.ok:
            blank, blank_absent = cells.value["blank"], cells.empty["blank"]
            recheck |= ~(cells.ok["blank"] | blank_absent)
        else:
            blank, blank_absent = np.zeros(n, np.int64), np.ones(n, bool)
        blank = np.where(blank_absent, 0, blank)

        registered = d.units.registered
        tolerance = self.validator.tolerance
        by_contest: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        known = np.zeros(n, dtype=bool)
        for cid in d.contests:
            rows = np.flatnonzero(contest_arr == cid)
            if rows.size == 0:
                continue
            known[rows] = True
            options = [o.id for o in d.contests[cid].options]
            if any(o not in frame.columns for o in options):
                recheck[rows] = True
                continue
            votes = np.zeros((rows.size, len(options)), dtype=np.int64)
            bad = np.zeros(rows.size, dtype=bool)
            for j, opt in enumerate(options):
                votes[:, j] = cells.value[opt][rows]
                bad |= ~cells.ok[opt][rows]
            for other in option_columns:
                if other not in options:
                    bad |= ~cells.empty[other][rows]
            idx = unit_idx[rows]
            valid_unit = idx >= 0
            eligible = np.zeros(rows.size, dtype=bool)
            eligible[valid_unit] = d.eligible_mask(cid)[idx[valid_unit]]
            bad |= ~eligible
            cast = votes.sum(axis=1) + null[rows] + blank[rows]
            bad |= cast > voters[rows]
            reg = np.where(valid_unit, registered[np.maximum(idx, 0)], -1)
            bad |= voters[rows] > reg + tolerance
            recheck[rows] |= bad
            by_contest[cid] = (rows.astype(np.int64), votes)
        recheck |= ~known

        accepted = PreparedBatch.empty()
        for cid, (rows, votes) in by_contest.items():
            keep = ~recheck[rows]
            rows = rows[keep]
            if rows.size == 0:
                continue
            votes = votes[keep]
            positions = rows.tolist()
            units_list = [unit_ids[p] for p in positions]
            sources_list = [sources[p] for p in positions]
            received: list[str] = [times[p] or "" for p in positions]
            contents = self._contents(
                cid,
                votes,
                units_list,
                sources_list,
                null[rows],
                blank[rows],
                blank_absent[rows],
                voters[rows],
            )
            accepted.extend(
                PreparedBatch.build(
                    line=[first_line + p for p in positions],
                    unit=units_list,
                    unit_idx=unit_idx[rows].tolist(),
                    contest=cid,
                    source=sources_list,
                    counts=np.column_stack((votes, null[rows], blank[rows], voters[rows])),
                    has_blank=(~blank_absent[rows]).tolist(),
                    received_at=received,
                    content=contents,
                )
            )
        return Screened(accepted.in_file_order(), np.flatnonzero(recheck))
