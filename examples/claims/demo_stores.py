"""Build the two demo stores the claims corpus is checked against, as ``make demo`` does:
2017 (generated actas, wave 1 → bulletin 1, wave 2 → bulletin 2) and 2024 (the converted
citizen collection). Used by tests/claims and bench/claims.py.

Run ``python examples/claims/demo_stores.py OUT_DIR`` to build both into OUT_DIR.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path

import typer

from escrutinio.cli.main import app
from escrutinio.io.mapping import convert

EXAMPLES = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> None:
    """Run one escrutinio command in this process; raise if it fails."""
    command = typer.main.get_command(app)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            command.main(list(args), standalone_mode=False)
    except SystemExit as exc:  # pragma: no cover - only on failure
        if exc.code:
            raise RuntimeError(f"escrutinio {' '.join(args)} exited {exc.code}") from None


def build_2017(out: Path) -> Path:
    """The 2017 store with bulletins 1 and 2; returns the database path."""
    spec = importlib.util.spec_from_file_location(
        "ve2017_generate_claims", EXAMPLES / "venezuela-2017" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    data = out / "ve2017"
    module.generate(data)
    db = out / "ve2017.db"
    _cli("init", str(data / "election.yaml"), "--db", str(db))
    _cli("import", str(data / "actas_wave1.csv"), "--db", str(db))
    _cli("bulletin", "--db", str(db), "--format", "json")
    _cli("import", str(data / "actas_wave2.csv"), "--db", str(db))
    _cli("bulletin", "--db", str(db), "--format", "json")
    return db


def build_2024(out: Path) -> Path:
    """The 2024 store (every collected acta, one bulletin); returns the database path."""
    data = out / "ve2024"
    here = EXAMPLES / "venezuela-2024"
    convert(here / "mapping.yaml", here / "source" / "actas_resultadosconvzla_v1.csv", data)
    db = out / "ve2024.db"
    _cli("init", str(data / "election.yaml"), "--db", str(db))
    _cli("import", str(data / "actas.csv"), "--db", str(db))
    _cli("bulletin", "--db", str(db), "--format", "json")
    return db


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "claims-stores")
    target.mkdir(parents=True, exist_ok=True)
    print(build_2017(target), build_2024(target))
