"""Digit tests on vote counts.

* Last-digit test — Beber & Scacco, "What the Numbers Say: A Digit-Based Test for Election
  Fraud", Political Analysis 20(2), 2012: the last digit of a count that is large enough should
  be close to uniform on 0..9; people inventing numbers favour some digits. Pearson chi-square
  against the uniform distribution, 9 degrees of freedom.
* Second-digit Benford test (2BL) — Mebane, "Election Forensics: The Second-digit Benford's Law
  Test", 2006: the second digit d of counts ≥ 10 compared with the Benford second-digit law
  P(d) = Σ_{k=1..9} log10(1 + 1/(10k + d)). Chi-square with 9 degrees of freedom; the mean second
  digit (4.187 under the law) is reported too.

Counts below ``min_count`` are dropped: a count of 7 has last digit 7 by construction, and small
counts are far from uniform in their last digit. The default minimum is 10 for the 2BL test (a
second digit must exist) and 50 for the last-digit test, which also leaves out options whose 5th
percentile is below 50 (cutting a distribution where it is dense biases the digits just above
the cut). With fewer than ``min_usable`` counts the tests refuse.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from escrutinio.forensics.result import TestResult, refused
from escrutinio.forensics.units import IntArray, UnitData

LAST_DIGIT_NOTE = (
    "Checks whether the last digits of vote counts are evenly spread over 0-9, as they should "
    "be for counts that are not invented. A low p-value says the digits are unusual; it can come "
    "from small counts, rounding, or many units with similar sizes, and does not prove fraud. "
    "A high p-value does not prove the counts are genuine: careful forgers pass this test."
)
SECOND_DIGIT_NOTE = (
    "Compares the second digits of vote counts with Benford's law. Real vote counts often "
    "deviate from this law when units have similar sizes and shares, so a low p-value is weak "
    "evidence at best; our calibration shows a high false-positive rate on clean simulations. "
    "It cannot prove or rule out fraud."
)

BENFORD_SECOND = np.array(
    [sum(np.log10(1.0 + 1.0 / (10 * k + d)) for k in range(1, 10)) for d in range(10)]
)


def _counts(data: UnitData, min_count: int) -> IntArray:
    """All option counts of all units that are at least ``min_count``."""
    flat = data.votes.ravel()
    return np.asarray(flat[flat >= min_count], dtype=np.int64)


def large_option_counts(data: UnitData, min_count: int) -> tuple[IntArray, list[str]]:
    """Counts ≥ ``min_count`` of the options whose 5th percentile is ≥ ``min_count``.

    Cutting a count distribution that is dense at the cut (a small option whose counts cluster
    near ``min_count``) makes the last digits just above the cut too frequent, so such options
    are left out entirely.
    """
    q05 = np.quantile(data.votes, 0.05, axis=0) if data.n_units else np.zeros(0)
    used = [j for j in range(data.votes.shape[1]) if q05[j] >= min_count]
    flat = data.votes[:, used].ravel()
    names = [data.option_names[j] for j in used]
    return np.asarray(flat[flat >= min_count], dtype=np.int64), names


def last_digit_test(data: UnitData, min_count: int = 50, min_usable: int = 200) -> TestResult:
    """Beber–Scacco chi-square test of uniform last digits on large option counts.

    Uses counts ≥ ``min_count`` of the options selected by :func:`large_option_counts`.
    """
    name = "last digit (Beber & Scacco)"
    counts, used = large_option_counts(data, min_count)
    if counts.size < min_usable:
        return refused(
            name,
            LAST_DIGIT_NOTE,
            f"only {counts.size} counts are >= {min_count} (in options whose 5th percentile is "
            f">= {min_count}); at least {min_usable} are needed",
            counts.size,
        )
    observed = np.bincount(counts % 10, minlength=10).astype(np.float64)
    expected = np.full(10, counts.size / 10.0)
    chi2, p = stats.chisquare(observed, expected)
    return TestResult(
        name=name,
        status="ran",
        note=LAST_DIGIT_NOTE,
        statistic=float(chi2),
        p_value=float(p),
        n_used=int(counts.size),
        details={
            "min_count": min_count,
            "options": used,
            "observed": observed.astype(int).tolist(),
            "expected": expected.tolist(),
        },
    )


def second_digit_counts(counts: IntArray) -> IntArray:
    """Second significant digit of each count (counts must be ≥ 10)."""
    n_digits = np.floor(np.log10(counts)).astype(np.int64)
    return np.asarray((counts // 10 ** (n_digits - 1)) % 10, dtype=np.int64)


def second_digit_test(data: UnitData, min_count: int = 10, min_usable: int = 200) -> TestResult:
    """Mebane's 2BL chi-square test of second digits of option counts ≥ ``min_count``."""
    name = "second digit Benford (Mebane 2BL)"
    counts = _counts(data, max(min_count, 10))
    if counts.size < min_usable:
        return refused(
            name,
            SECOND_DIGIT_NOTE,
            f"only {counts.size} counts are >= {max(min_count, 10)}; at least {min_usable} are "
            "needed",
            counts.size,
        )
    digits = second_digit_counts(counts)
    observed = np.bincount(digits, minlength=10).astype(np.float64)
    expected = BENFORD_SECOND * counts.size
    chi2, p = stats.chisquare(observed, expected)
    return TestResult(
        name=name,
        status="ran",
        note=SECOND_DIGIT_NOTE,
        statistic=float(chi2),
        p_value=float(p),
        n_used=int(counts.size),
        details={
            "min_count": max(min_count, 10),
            "mean_second_digit": float(digits.mean()),
            "benford_mean": float((BENFORD_SECOND * np.arange(10)).sum()),
            "calibrated": False,
            "calibration_note": "on simulated clean elections this test rejects far more "
            "often than 5% (see docs/forensics.md): its p-value is not a false-positive rate",
            "observed": observed.astype(int).tolist(),
            "expected": expected.tolist(),
        },
    )
