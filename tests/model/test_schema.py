"""docs/definition.schema.json is current, and the example definitions satisfy it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import yaml

from escrutinio.model.schema import definition_json_schema

ROOT = Path(__file__).resolve().parents[2]


def test_published_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "definition.schema.json").read_text())
    assert published == definition_json_schema(), (
        "regenerate: python -m escrutinio.model.schema > docs/definition.schema.json"
    )


def test_generated_2017_definition_satisfies_schema(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen2017", ROOT / "examples" / "venezuela-2017" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.generate(tmp_path)
    doc = yaml.safe_load((tmp_path / "election.yaml").read_text())
    jsonschema.validate(doc, definition_json_schema())
