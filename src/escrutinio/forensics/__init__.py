"""Statistical election forensics on unit-level results.

Fingerprints and ballot-stuffing fit (Klimek et al., PNAS 2012), integer-percentage tests
(Kobak, Shpilkin & Pshenichnikov, AoAS 2016), last-digit (Beber & Scacco 2012) and second-digit
Benford (Mebane 2006) tests, outlier screens, and an HTML report. No test proves fraud.
"""

from escrutinio.forensics.analyze import ForensicsResult, analyze, run_tests
from escrutinio.forensics.outliers import Outlier, find_outliers
from escrutinio.forensics.report import write_report
from escrutinio.forensics.result import TestResult
from escrutinio.forensics.units import UnitColumns, UnitData, from_frame

__all__ = [
    "ForensicsResult",
    "Outlier",
    "TestResult",
    "UnitColumns",
    "UnitData",
    "analyze",
    "find_outliers",
    "from_frame",
    "run_tests",
    "write_report",
]
