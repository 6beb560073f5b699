"""Tests of the Klimek et al. fingerprint and ballot-stuffing fit."""

from __future__ import annotations

import polars as pl

from escrutinio.forensics.fingerprint import stuffing_fit_test
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import from_frame


def test_clean_election_fits_less_stuffing_than_stuffed() -> None:
    clean = stuffing_fit_test(from_frame(simulate_election(20_000, seed=11), COLUMNS))
    assert clean.ran
    assert clean.details["f_e"] < 0.01
    # regional heterogeneity alone gives f_i around 0.15 here (see docs/forensics.md)
    assert clean.details["f_i"] < 0.3


def test_extreme_stuffing_recovered() -> None:
    data = from_frame(simulate_election(20_000, seed=12, f_i=0.0, f_e=0.05), COLUMNS)
    result = stuffing_fit_test(data)
    assert abs(result.details["f_e"] - 0.05) < 0.02


def test_fit_is_seeded() -> None:
    data = from_frame(simulate_election(5_000, seed=13, f_i=0.2), COLUMNS)
    assert stuffing_fit_test(data).details == stuffing_fit_test(data).details


def test_refuses_without_register() -> None:
    frame = simulate_election(500, seed=1).with_columns(pl.lit(None).alias("registered"))
    result = stuffing_fit_test(from_frame(frame, COLUMNS))
    assert result.status == "refused"
    assert "registered electors are unknown" in result.reason
