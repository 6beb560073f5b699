"""Run every forensic test on a unit table.

Bundles the fingerprint fit (Klimek et al., PNAS 2012), the integer-percentage tests (Kobak,
Shpilkin & Pshenichnikov, AoAS 2016), the digit tests (Beber & Scacco 2012; Mebane 2006) and the
outlier screens into one :class:`ForensicsResult`; see the individual modules for the methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from escrutinio.forensics.digits import last_digit_test, second_digit_test
from escrutinio.forensics.fingerprint import stuffing_fit_test
from escrutinio.forensics.integer_pct import leader_integer_test, turnout_integer_test
from escrutinio.forensics.outliers import Outlier, find_outliers, outliers_frame
from escrutinio.forensics.result import TestResult
from escrutinio.forensics.units import UnitColumns, UnitData, from_frame


@dataclass(frozen=True)
class ForensicsResult:
    """Unit data, test results and ranked outliers of one forensic analysis."""

    data: UnitData
    tests: tuple[TestResult, ...]
    outliers: tuple[Outlier, ...]

    def outliers_frame(self) -> pl.DataFrame:
        """The ranked outliers as a DataFrame (for CSV export)."""
        return outliers_frame(list(self.outliers), tuple(self.data.regions))

    def summary_frame(self) -> pl.DataFrame:
        """One row per test: name, status, statistic, p-value, units used, reason."""
        return pl.DataFrame(
            {
                "test": [t.name for t in self.tests],
                "status": [t.status for t in self.tests],
                "statistic": [t.statistic for t in self.tests],
                "p_value": [t.p_value for t in self.tests],
                "n_used": [t.n_used for t in self.tests],
                "reason": [t.reason for t in self.tests],
            },
            schema_overrides={"statistic": pl.Float64, "p_value": pl.Float64},
        )


def run_tests(data: UnitData, n_resamples: int = 500, seed: int = 0) -> tuple[TestResult, ...]:
    """Run all statistical tests on ``data`` (seeded, deterministic)."""
    return (
        stuffing_fit_test(data, seed=seed + 2012),
        turnout_integer_test(data, n_resamples=n_resamples, seed=seed + 1),
        leader_integer_test(data, n_resamples=n_resamples, seed=seed + 2),
        last_digit_test(data),
        second_digit_test(data),
    )


def analyze(
    frame: pl.DataFrame,
    columns: UnitColumns,
    n_resamples: int = 500,
    seed: int = 0,
    block: int = 200,
) -> ForensicsResult:
    """Run all forensic tests and outlier screens on a unit-level DataFrame."""
    data = from_frame(frame, columns)
    return ForensicsResult(
        data=data,
        tests=run_tests(data, n_resamples=n_resamples, seed=seed),
        outliers=tuple(find_outliers(data, block=block)),
    )
