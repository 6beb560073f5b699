"""Common result type of the forensic tests.

Every test either runs and returns a statistic and p-value, or refuses with a reason (too few
units, unknown registered electors, counts too small for the test to mean anything).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TestResult:
    """Outcome of one forensic test.

    ``status`` is ``"ran"`` or ``"refused"``; a refused test has a ``reason`` and no p-value.
    ``details`` holds test-specific numbers (observed vs expected counts, fitted fractions).
    ``note`` says in plain language what the test can and cannot show.
    """

    __test__ = False  # not a pytest test class

    name: str
    status: str
    note: str
    statistic: float | None = None
    p_value: float | None = None
    n_used: int = 0
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        """True when the test ran (was not refused)."""
        return self.status == "ran"

    def flagged(self, alpha: float = 0.05) -> bool:
        """True when the test ran and its p-value is below ``alpha``."""
        return self.ran and self.p_value is not None and self.p_value < alpha


def refused(name: str, note: str, reason: str, n_used: int = 0) -> TestResult:
    """Build the result of a test that refused to run, with the reason."""
    return TestResult(name=name, status="refused", note=note, reason=reason, n_used=n_used)
