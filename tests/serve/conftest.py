"""Fixtures for the serve tests: a small real publication (chromium: tests/conftest.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))

from ledger_pubkit import Pub, full, wave1

from escrutinio.model import Definition


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    """Both waves of the small election published and cosigned (SQLite store)."""
    p = full(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


@pytest.fixture
def pub1(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    """Only the first wave published (bulletin 1): the second can be published live."""
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()
