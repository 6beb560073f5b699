"""JSON Schema of the election definition file (published as docs/definition.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from escrutinio.model.definition import DefinitionMeta
from escrutinio.model.text import ID_PATTERN

REGION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "level"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "name": {"type": "string"},
        "level": {"type": "string", "description": "One of region_levels."},
        "parent": {"type": ["string", "null"], "description": "Region one or more levels up."},
    },
    "additionalProperties": False,
}
UNIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "region", "registered"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "region": {"type": "string", "description": "The region the unit belongs to."},
        "registered": {"type": "integer", "minimum": 0},
        "contests": {
            "description": "Contests the unit votes in; default: every contest whose scope "
            "contains its region. In CSV: ids separated by ';'.",
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        },
    },
    "additionalProperties": False,
}


def definition_json_schema() -> dict[str, Any]:
    """The JSON Schema that a definition file (YAML/TOML read as JSON) must satisfy."""
    schema = DefinitionMeta.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "escrutinio election definition"
    schema["description"] = (
        "An election definition: metadata, region levels, parties, alliances and contests, "
        "with regions and polling units inline or as paths to CSV files (columns id,name,"
        "level,parent and id,region,registered,contests) relative to the definition file."
    )
    schema["properties"]["regions"] = {
        "oneOf": [
            {"type": "string", "description": "Path of a regions CSV file."},
            {"type": "array", "items": REGION_SCHEMA},
        ]
    }
    schema["properties"]["units"] = {
        "oneOf": [
            {"type": "string", "description": "Path of a polling-units CSV file."},
            {"type": "array", "items": UNIT_SCHEMA},
        ]
    }
    schema["required"] = sorted({*schema.get("required", []), "regions", "units"})
    return schema


def main() -> None:
    """Print the schema (``python -m escrutinio.model.schema > docs/definition.schema.json``)."""
    print(json.dumps(definition_json_schema(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
