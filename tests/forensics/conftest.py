"""Shared fixtures for the forensics tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

VENEZUELA_2024 = Path(
    "/work/shared/data/venezuela-2024-presidential/actas_resultadosconvzla_v1.csv"
)


@pytest.fixture(scope="session")
def venezuela_2024() -> pl.DataFrame:
    """The resultadosconvzla tally-sheet CSV (skips when the shared data are absent)."""
    if not VENEZUELA_2024.exists():
        pytest.skip("shared Venezuela 2024 data not available")
    return pl.read_csv(VENEZUELA_2024)
