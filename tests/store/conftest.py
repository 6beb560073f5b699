"""Fixtures of the storage tests: a store holding the small definition, on each database kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store


@pytest.fixture
def store(db_url: str, definition: Definition) -> Iterator[Store]:
    s = Store.open(db_url)
    store_definitions.load_definition(s, definition)
    yield s
    s.close()
