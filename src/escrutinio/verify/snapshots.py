"""Results snapshots recomputed from the acta leaves with `escrutinio.tally`.

Each contest's counted rows (votes in ballot-option order, null, blank, voters) are built
once, column-wise, from the votes objects of the acta leaves; a snapshot (the official
results or a bulletin) then only selects the rows that count at its log position, for its
source, and tallies them (`tally_contest`, `summarize`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.definition import Definition
from escrutinio.tally import ContestCounts, summarize, tally_contest
from escrutinio.verify.record import BoolArray, Record

SNAPSHOT_FORMAT = "escrutinio-bulletin/1"

IntMatrix = npt.NDArray[np.int64]


@dataclass
class _ContestRows:
    rows: npt.NDArray[np.int64]
    units: npt.NDArray[np.int32]
    matrix: IntMatrix
    missing: npt.NDArray[np.bool_]


class Snapshots:
    """Recompute results snapshots from the acta versions of a `Record`."""

    def __init__(self, definition: Definition, fingerprint: str, record: Record) -> None:
        actas = record.actas
        self.definition = definition
        self.fingerprint = fingerprint
        self.size = actas.height
        self.log_index = actas["log_index"].to_numpy()
        self.source = actas["source"]
        ids = pl.Series(definition.units.ids, dtype=pl.String)
        self.unit = (
            actas["unit"]
            .replace_strict(
                ids, pl.int_range(ids.len(), eager=True), default=-1, return_dtype=pl.Int64
            )
            .to_numpy()
        )
        cids = list(definition.contests)
        code = (
            actas["contest"]
            .replace_strict(cids, list(range(len(cids))), default=-1, return_dtype=pl.Int64)
            .to_numpy()
        )
        self.known = code >= 0
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(len(cids) + 1))
        local = np.zeros(self.size, dtype=np.int64)
        votes: list[IntMatrix] = []
        found: list[npt.NDArray[np.bool_]] = []
        rows_of: list[npt.NDArray[np.int64]] = []
        for ci, cid in enumerate(cids):
            rows = order[bounds[ci] : bounds[ci + 1]].astype(np.int64)
            local[rows] = np.arange(rows.size)
            k = len(definition.contests[cid].options)
            rows_of.append(rows)
            votes.append(np.zeros((rows.size, k), dtype=np.int64))
            found.append(np.zeros((rows.size, k), dtype=bool))
        options = [[o.id for o in definition.contests[cid].options] for cid in cids]
        for layout in record.layouts:
            pos = np.searchsorted(self.log_index, layout.log_index)
            codes = code[pos]
            column = {key: j for j, key in enumerate(layout.keys)}
            for ci in np.unique(codes[codes >= 0]).tolist():
                sel = codes == ci
                at = local[pos[sel]]
                for j, option in enumerate(options[ci]):
                    if option in column:
                        votes[ci][at, j] = layout.values[sel, column[option]]
                        found[ci][at, j] = True
        plain = actas["plain"].to_numpy().astype(bool)
        for row in np.flatnonzero(~plain & self.known).tolist():
            ci, parsed = int(code[row]), json.loads(actas["votes"][row])
            for j, option in enumerate(options[ci]):
                if option in parsed:
                    votes[ci][local[row], j] = parsed[option]
                    found[ci][local[row], j] = True
        extra = np.stack(
            [
                actas["null"].to_numpy(),
                actas["blank"].fill_null(0).to_numpy(),
                actas["voters"].to_numpy(),
            ],
            axis=1,
        ).astype(np.int64)
        self.contests: dict[str, _ContestRows] = {}
        for ci, cid in enumerate(cids):
            rows = rows_of[ci]
            self.contests[cid] = _ContestRows(
                rows,
                self.unit[rows].astype(np.int32),
                np.concatenate([votes[ci], extra[rows].reshape(-1, 3)], axis=1),
                np.logical_not(np.all(found[ci], axis=1)) | (self.unit[rows] < 0),
            )

    def snapshot(self, counting: BoolArray, source: str, log_size: int) -> dict[str, Any]:
        """The results document of the versions in ``counting`` (a mask) from ``source``."""
        mask = counting & (self.source == source).to_numpy()
        unknown = np.flatnonzero(mask & ~self.known)
        if unknown.size:
            raise KeyError(f"acta at log index {self.log_index[unknown[0]]}: unknown contest")
        counts: dict[str, ContestCounts] = {}
        for cid, part in self.contests.items():
            take = mask[part.rows]
            bad = np.flatnonzero(take & part.missing)
            if bad.size:
                at = self.log_index[part.rows[bad[0]]]
                raise KeyError(f"acta at log index {at}: unknown unit or a ballot option missing")
            counts[cid] = ContestCounts(cid, part.units[take], part.matrix[take])
        results = [tally_contest(self.definition, counts[cid]) for cid in self.definition.contests]
        summary = summarize(self.definition, results, counts.values())
        return {
            "format": SNAPSHOT_FORMAT,
            "election": self.definition.info.id,
            "definition_fingerprint": self.fingerprint,
            "log_size": log_size,
            "summary": summary.to_dict(),
            "contests": [r.to_dict() for r in results],
        }
