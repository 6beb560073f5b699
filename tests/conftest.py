"""Shared fixtures: a small election definition, stores on SQLite and PostgreSQL, and
Debian's chromium for the browser tests (Playwright, never a downloaded browser): tests marked
``browser`` are skipped, with the reason, when it is missing (``make test`` installs it when
it can); screenshots go to ``test-artifacts/screenshots``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = os.environ.get("ESCRUTINIO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ESCRUTINIO_ARTIFACTS", "test-artifacts")) / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip browser tests, with the reason, when chromium is not installed."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (make test installs Debian's)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium with the flags a closed network needs."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for screenshots of every page type (a test artefact)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
