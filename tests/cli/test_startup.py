"""The CLI starts without loading the heavy libraries only some commands need (every
command an official types on election night pays for what the entry point imports)."""

from __future__ import annotations

import subprocess
import sys


def test_entry_point_leaves_plotting_and_statistics_libraries_unloaded() -> None:
    code = (
        "import sys, escrutinio.cli.main\n"
        "print(sorted(m for m in ('matplotlib', 'scipy.stats', 'scipy.optimize') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"
