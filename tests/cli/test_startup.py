"""The CLI starts without loading the heavy libraries only some commands need (every
command an official types on election night pays for what the entry point imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_HEAVY = "('matplotlib', 'scipy', 'scipy.sparse', 'scipy.stats', 'scipy.optimize')"


def _loaded_after(code: str) -> str:
    """Run ``code`` in a fresh interpreter and return which heavy modules it left loaded."""
    report = f"\nprint(sorted(m for m in {_HEAVY} if m in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", code + report], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_entry_point_leaves_plotting_and_statistics_libraries_unloaded() -> None:
    assert _loaded_after("import sys, escrutinio.cli.main") == "[]"


def test_help_leaves_scipy_unloaded() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from escrutinio.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    for group in ('keys', 'log', 'witness', 'audit', 'export', 'verify', 'results'):\n"
        "        try:\n"
        "            app([group, '--help'])\n"
        "        except SystemExit:\n"
        "            pass"
    )
    assert _loaded_after(code) == "[]"


def test_light_commands_leave_scipy_unloaded(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    code = (
        "import contextlib, io, sys\n"
        "from escrutinio.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    for args in (['keys', 'generate', '--name', 'log.example', '--out', {str(out)!r}],\n"
        f"                 ['keys', 'show', {str(out / 'log.example.vkey')!r}]):\n"
        "        try:\n"
        "            app(args)\n"
        "        except SystemExit as exc:\n"
        "            assert not exc.code, (args, exc.code)"
    )
    assert _loaded_after(code) == "[]"
    assert (out / "log.example.skey").is_file()
