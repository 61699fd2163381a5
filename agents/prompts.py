"""Compact prompt pieces shared by the agents (every token costs time on a CPU model)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["clip", "dumps", "single_string_argument", "tool_lines"]


def _param_text(schema: dict[str, Any]) -> str:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    parts = []
    for name, spec in props.items():
        kind = spec.get("type", "any")
        kind = "/".join(kind) if isinstance(kind, list) else kind
        parts.append(f"{name}: {kind}{'' if name in required else '?'}")
    return ", ".join(parts)


def tool_lines(schemas: Iterable[dict[str, Any]]) -> str:
    """One line per tool: ``name(arg: type, ...) - description``."""
    return "\n".join(
        f"- {s['name']}({_param_text(s.get('parameters', {}))}) - {s.get('description', '')}" for s in schemas
    )


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f" ...[{len(text) - limit} more chars]"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def single_string_argument(schema: dict[str, Any]) -> str | None:
    """The name of a tool's only argument when it is one required string, else None."""
    params = schema.get("parameters", {})
    props = params.get("properties", {})
    if len(props) != 1 or list(props) != list(params.get("required", [])):
        return None
    name, spec = next(iter(props.items()))
    return name if spec.get("type") == "string" else None
