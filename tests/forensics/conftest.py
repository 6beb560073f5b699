"""Shared fixtures for the forensics tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

VENEZUELA_2024 = (
    Path(__file__).resolve().parents[2]
    / "examples/venezuela-2024/source/actas_resultadosconvzla_v1.csv"
)


@pytest.fixture(scope="session")
def venezuela_2024() -> pl.DataFrame:
    """The resultadosconvzla tally-sheet CSV shipped with the 2024 example."""
    return pl.read_csv(VENEZUELA_2024)
