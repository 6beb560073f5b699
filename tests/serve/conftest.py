"""Fixtures for the serve tests: a small real publication and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = os.environ.get("ESCRUTINIO_CHROMIUM", "/usr/bin/chromium")
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
    """Skip this folder's browser tests, with the reason, when chromium is not installed."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (make test installs Debian's)")
    for item in items:
        if "browser" in item.keywords and "tests/serve" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium (as tests/website does)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for screenshots (a test artefact, as in tests/website)."""
    folder = Path(os.environ.get("ESCRUTINIO_ARTIFACTS", "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
