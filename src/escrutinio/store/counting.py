"""Reads for the tally and the website: the count matrices of the versions that count, their
per-acta details in reporting order, and the sources."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from escrutinio.model.packed_counts import row_width, unpack_matrix
from escrutinio.store import schema as t
from escrutinio.store.bulk import fetch_raw
from escrutinio.store.definitions import read_definition
from escrutinio.store.store import Store


def counting_arrays(
    store: Store, source: str | None = None
) -> dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]]:
    """Per contest: unit indexes and the count matrix (options, null, blank, voters)
    of the versions that count for ``source`` (default: the official source)."""
    definition = read_definition(store)
    source = source or definition.info.official_source
    out: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]] = {}
    with store.engine.connect() as conn:
        for cid, contest in definition.contests.items():
            width = row_width(len(contest.options))
            rows = fetch_raw(
                conn,
                "SELECT unit_idx, counts FROM acta_versions "
                "WHERE source = {} AND counting AND contest = {}",
                (source, cid),
            )
            units = np.fromiter((r[0] for r in rows), dtype=np.int32, count=len(rows))
            counts = unpack_matrix([r[1] for r in rows], width)
            out[cid] = (units, counts)
    return out


def counting_details(
    store: Store, contest: str, source: str | None = None
) -> list[tuple[int, bytes, str, int]]:
    """The counting versions of one contest for ``source``: (unit index, packed counts,
    received time, log index), in log order (the order they were reported)."""
    definition = read_definition(store)
    source = source or definition.info.official_source
    with store.engine.connect() as conn:
        return fetch_raw(
            conn,
            "SELECT unit_idx, counts, received_at, log_idx FROM acta_versions "
            "WHERE source = {} AND counting AND contest = {} ORDER BY log_idx",
            (source, contest),
        )


def sources(store: Store) -> list[tuple[str, int]]:
    """Sources with their number of counting actas."""
    av = t.acta_versions.c
    with store.engine.connect() as conn:
        return [
            (r[0], int(r[1]))
            for r in conn.execute(
                select(av.source, func.count())
                .where(av.counting)
                .group_by(av.source)
                .order_by(av.source)
            )
        ]
