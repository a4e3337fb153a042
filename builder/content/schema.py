"""JSON Schemas of `plan.yml` and of a fiche's front matter, generated from the models (draft-07)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from builder.content.model import AXE_PATTERN, ID_PATTERN, OBJECTIF_PATTERN, Fiche, Plan

SCHEMAS: dict[str, type[BaseModel]] = {"plan.schema.json": Plan, "fiche.schema.json": Fiche}
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


class _Draft07(GenerateJsonSchema):
    """pydantic writes 2020-12 (`$defs`); editors' YAML tooling knows draft-07 (`definitions`)."""

    def generate(self, schema: Any, mode: Any = "validation") -> dict[str, Any]:
        result = super().generate(schema, mode)
        if "$defs" in result:
            result["definitions"] = result.pop("$defs")
        return {"$schema": DRAFT_07, **result}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/definitions/{model}", schema_generator=_Draft07)
    _accept_unquoted_numbers(schema)
    return schema


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


_NUMBERED = {AXE_PATTERN, OBJECTIF_PATTERN, ID_PATTERN}


def _accept_unquoted_numbers(node: Any) -> None:
    """`numero: 1.10` and `id: 2.3` are valid unquoted in YAML: a numbered string may also be a number."""
    if isinstance(node, dict):
        for value in node.values():
            _accept_unquoted_numbers(value)
        for short, keyword in _BOUNDS.items():  # constraints behind a validator keep pydantic's names
            if short in node and node.get("type") in ("integer", "number"):
                node[keyword] = node.pop(short)
        if node.get("type") == "string" and node.get("pattern", "") in _NUMBERED:
            node.pop("type")
            node["anyOf"] = [{"type": "string", "pattern": node.pop("pattern")}, {"type": "number"}]
    elif isinstance(node, list):
        for value in node:
            _accept_unquoted_numbers(value)


def render_schemas() -> dict[str, str]:
    return {
        name: json.dumps(json_schema(model), ensure_ascii=False, indent=2) + "\n" for name, model in SCHEMAS.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
