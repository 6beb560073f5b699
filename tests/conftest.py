"""Shared fixtures: a small election definition and stores on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escrutinio.model import Definition
from support import DB_KINDS, fresh_db_url, small_definition


@pytest.fixture
def definition() -> Definition:
    return small_definition()


@pytest.fixture(params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once per database kind."""
    return str(request.param)


@pytest.fixture
def db_url(db_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database URL of the current kind."""
    with fresh_db_url(db_kind, tmp_path) as url:
        yield url
