"""The packed counts row: how the store keeps an acta's counts for fast re-tallies.

One row is the contest's options in definition order, then null, blank (0 when the acta
has no blank count) and voters, each a little-endian int64. This module is the one place
that knows that layout: the store, the read seam, the publisher and the tally go through
it (the independent verifier keeps its own reader on purpose).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

COUNT_DTYPE = "<i8"
COUNT_BYTES = 8
EXTRA_COUNTS = 3  # null, blank, voters after the options

_PACKERS: dict[int, struct.Struct] = {}


def _packer(width: int) -> struct.Struct:
    packer = _PACKERS.get(width)
    if packer is None:
        packer = _PACKERS[width] = struct.Struct(f"<{width}q")
    return packer


def counts_row(
    votes: Mapping[str, int], options: Iterable[str], null: int, blank: int | None, voters: int
) -> tuple[int, ...]:
    """The counts row of an acta: votes in ``options`` order, then null, blank (0 when
    absent) and voters."""
    return (*(votes[o] for o in options), null, blank or 0, voters)


def row_width(options: int) -> int:
    """Number of counts in the row of a contest with ``options`` options."""
    return options + EXTRA_COUNTS


def pack_counts(row: Sequence[int]) -> bytes:
    """One counts row as packed bytes (little-endian int64s)."""
    return _packer(len(row)).pack(*row)


def unpack_counts(blob: bytes) -> tuple[int, ...]:
    """The counts row held in one packed blob."""
    return _packer(len(blob) // COUNT_BYTES).unpack(blob)


def pack_matrix(counts: npt.NDArray[np.int64]) -> list[bytes]:
    """Every row of a counts matrix (one row per acta) as its packed blob."""
    data = np.ascontiguousarray(counts, dtype=COUNT_DTYPE).tobytes()
    width = counts.shape[1] * COUNT_BYTES  # at least null, blank and voters: never 0
    return [data[i : i + width] for i in range(0, len(data), width)]


def unpack_matrix(blobs: Iterable[bytes], width: int) -> npt.NDArray[np.int64]:
    """The counts matrix (one row per blob, ``width`` counts each) of packed blobs."""
    data = b"".join(blobs)
    return np.frombuffer(data, dtype=COUNT_DTYPE).astype(np.int64).reshape(-1, width)
