"""Fixture of the audit storage tests: the small election, reported, on each database kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escrutinio.model import Definition
from escrutinio.store.store import Store
from support import reported_store


@pytest.fixture
def store(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Store]:
    s = reported_store(db_url, definition, tmp_path)
    yield s
    s.close()
