"""The JSON Schema of ``metrics.json``: published beside every document, and read field by field
for the Downloads page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).parent / "schemas" / "metrics.schema.json"


def load() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def fields(node: dict[str, Any] | None = None, path: str = "") -> list[dict[str, str]]:
    """Every property of the schema as (path, type, description), depth first, for the docs."""
    node = load() if node is None else node
    out = []
    for name, prop in node.get("properties", {}).items():
        here = f"{path}.{name}" if path else name
        kind = prop.get("type", "")
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        out.append({"path": here, "type": kind, "description": prop.get("description", "")})
        if "properties" in prop:
            out += fields(prop, here)
        if isinstance(prop.get("items"), dict):
            out += fields(prop["items"], f"{here}[]")
        if isinstance(prop.get("additionalProperties"), dict):
            out += fields(prop["additionalProperties"], f"{here}.{{period}}")
    return out
