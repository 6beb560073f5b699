"""The packed counts row: one codec, per-row and vectorised forms agree and round-trip."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.packed_counts import (
    counts_row,
    pack_counts,
    pack_matrix,
    row_width,
    unpack_counts,
    unpack_matrix,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
ROWS = st.integers(min_value=1, max_value=6).flatmap(
    lambda width: st.lists(st.lists(INT64, min_size=width, max_size=width), max_size=8).map(
        lambda rows: (width, rows)
    )
)


@given(st.lists(INT64, min_size=1, max_size=20))
def test_a_row_round_trips_as_little_endian_int64(row: list[int]) -> None:
    blob = pack_counts(row)
    assert blob == struct.pack(f"<{len(row)}q", *row)
    assert unpack_counts(blob) == tuple(row)


@given(ROWS)
def test_the_vectorised_forms_equal_the_per_row_forms(case: tuple[int, list[list[int]]]) -> None:
    width, rows = case
    matrix = np.array(rows, dtype=np.int64).reshape(-1, width)
    blobs = pack_matrix(matrix)
    assert blobs == [pack_counts(r) for r in rows]
    back = unpack_matrix(blobs, width)
    assert back.dtype == np.int64
    assert back.shape == (len(rows), width)
    assert back.tolist() == rows


def test_a_row_holds_the_options_in_order_then_null_blank_and_voters() -> None:
    votes = {"b": 7, "a": 3}
    assert counts_row(votes, ["a", "b"], 2, 1, 13) == (3, 7, 2, 1, 13)
    assert counts_row(votes, ["b", "a"], 2, None, 12) == (7, 3, 2, 0, 12)
    assert row_width(2) == 5
