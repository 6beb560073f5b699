"""Helpers of the claims tests: the demo-store builder and the corpus runner from
examples/claims, imported by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_example(name: str, path: Path) -> ModuleType:
    """Import an example script by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stores = load_example("claims_demo_stores", ROOT / "examples" / "claims" / "demo_stores.py")
runner = load_example("claims_corpus_runner", ROOT / "examples" / "claims" / "corpus_runner.py")
