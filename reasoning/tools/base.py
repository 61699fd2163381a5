"""Tools with JSON schemas, and a toolbox that calls them by name.

A tool's failure is always an exception (:class:`ToolError`), never a string that
looks like an answer: agents turn it into an observation themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reasoning.errors import (
    ReasoningError,
    ToolArgumentError,
    ToolError,
    UnknownToolError,
)

__all__ = ["Tool", "Toolbox"]


def _json_type_ok(value: Any, expected: str) -> bool:
    # bool is an int in Python but not a number in JSON schema
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, (list, tuple))
    if expected == "object":
        return isinstance(value, Mapping)
    if expected == "null":
        return value is None
    return True  # unknown type names are not checked


def _render(result: Any) -> str:
    if isinstance(result, str):
        return result
    return json.dumps(result, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Tool:
    """A named function with a JSON schema for its keyword arguments.

    Attributes:
        name: Name a model uses to call the tool.
        description: One or two sentences telling a model what the tool does.
        parameters: JSON schema of type ``object`` (``properties``, ``required``).
        fn: Called as ``fn(**args)``; its return value is rendered as a string.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]

    def schema(self) -> dict[str, Any]:
        """Return ``{"name", "description", "parameters"}`` for a model's prompt."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def validate(self, args: Mapping[str, Any]) -> None:
        """Check ``args`` against the schema; raise :class:`ToolArgumentError` if they differ."""
        if not isinstance(args, Mapping):
            raise ToolArgumentError(
                self.name, "(arguments)", f"expected a JSON object, got {type(args).__name__}"
            )
        props: Mapping[str, Any] = self.parameters.get("properties", {})
        for key in self.parameters.get("required", []):
            if key not in args:
                raise ToolArgumentError(self.name, key, "is required but missing")
        for key, value in args.items():
            if key not in props:
                known = ", ".join(props) or "(none)"
                raise ToolArgumentError(self.name, key, f"is not a parameter; expected one of {known}")
            expected = props[key].get("type")
            types = expected if isinstance(expected, list) else [expected] if expected else []
            if types and not any(_json_type_ok(value, t) for t in types):
                raise ToolArgumentError(
                    self.name, key, f"expected {'/'.join(types)}, got {type(value).__name__} {value!r:.80}"
                )
            allowed = props[key].get("enum")
            if allowed is not None and value not in allowed:
                raise ToolArgumentError(self.name, key, f"expected one of {allowed}, got {value!r:.80}")

    def call(self, args: Mapping[str, Any]) -> str:
        """Validate ``args``, call the tool and return its result as a string.

        Raises:
            ToolArgumentError: the arguments do not match the schema.
            ToolError: the tool itself failed (the message names the tool and the reason).
        """
        self.validate(args)
        try:
            result = self.fn(**dict(args))
        except ToolError:
            raise
        except ReasoningError as exc:
            raise ToolError(f"{self.name}: {exc}") from exc
        except Exception as exc:  # a tool's own bug must still be reported as a failure
            raise ToolError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        return _render(result)


class Toolbox:
    """An ordered set of tools addressed by name."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"tools: duplicate tool name {tool.name!r}; names must be unique")
            self._tools[tool.name] = tool

    def call(self, name: str, args: Mapping[str, Any]) -> str:
        """Call the tool ``name`` with ``args`` (see :meth:`Tool.call`)."""
        return self[name].call(args)

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self._tools.values()]

    def names(self) -> list[str]:
        return list(self._tools)

    def subset(self, names: Iterable[str]) -> Toolbox:
        """Return a toolbox with only ``names`` (each must exist)."""
        return Toolbox(self[n] for n in names)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __getitem__(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownToolError(name, self.names()) from None

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __repr__(self) -> str:
        return f"Toolbox({self.names()!r})"
