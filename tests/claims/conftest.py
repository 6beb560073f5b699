"""The two demo stores the claims tests check against, built once per session with the
demo's own data (examples/claims/demo_stores.py: 2017 with bulletins 1 and 2, 2024)."""

from __future__ import annotations

from pathlib import Path

import pytest
from claims_support import stores


@pytest.fixture(scope="session")
def demo_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Database paths of the 2017 and 2024 demo stores."""
    out = tmp_path_factory.mktemp("claims-demo")
    return {"2017": stores.build_2017(out), "2024": stores.build_2024(out)}


@pytest.fixture(scope="session")
def db2017(demo_dbs: dict[str, Path]) -> Path:
    """The 2017 store (bulletin 1 after wave 1, bulletin 2 after wave 2)."""
    return demo_dbs["2017"]
