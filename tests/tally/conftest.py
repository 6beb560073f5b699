"""Fixtures for the tally tests."""

from __future__ import annotations

import pytest
from tally_fixtures import make_definition

from escrutinio.model import Definition


@pytest.fixture
def definition() -> Definition:
    """The small test election with default rules."""
    return make_definition()
