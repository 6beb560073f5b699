"""Fixtures: a small published election (SQLite unless a test asks for ``db_url``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, full

from escrutinio.model import Definition


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    p = full(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()
