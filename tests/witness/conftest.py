"""Fixtures shared with tests/verify (the small published election of ``ledger_pubkit``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))
