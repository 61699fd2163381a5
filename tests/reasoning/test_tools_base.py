"""Tool schema validation, error reporting and the toolbox."""

from __future__ import annotations

import json

import pytest

from reasoning import (
    Tool,
    ToolArgumentError,
    Toolbox,
    ToolError,
    UnknownToolError,
    calculator_tool,
)


def _echo_tool() -> Tool:
    def echo(text: str, times: int = 1, loud: bool = False, tags: list | None = None) -> dict:
        return {"text": (text.upper() if loud else text) * times, "tags": tags or []}

    return Tool(
        name="echo",
        description="Repeat text.",
        parameters={
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "times": {"type": "integer"},
                "loud": {"type": "boolean"},
                "tags": {"type": "array"},
            },
            "required": ["text"],
        },
        fn=echo,
    )


def _failing_tool() -> Tool:
    def boom() -> str:
        raise RuntimeError("disk on fire")

    return Tool("boom", "Always fails.", {"type": "object", "properties": {}}, boom)


def test_call_returns_string_or_compact_json() -> None:
    box = Toolbox([_echo_tool(), calculator_tool()])
    assert box.call("calculator", {"expression": "6*7"}) == "42"
    out = box.call("echo", {"text": "ab", "times": 2, "tags": ["x"]})
    assert out == '{"tags":["x"],"text":"abab"}'
    assert json.loads(out)["text"] == "abab"


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        ({}, "text", "required"),
        ({"text": "a", "colour": "red"}, "colour", "not a parameter"),
        ({"text": 3}, "text", "expected string"),
        ({"text": "a", "times": 1.5}, "times", "expected integer"),
        ({"text": "a", "times": True}, "times", "expected integer"),
        ({"text": "a", "loud": "yes"}, "loud", "expected boolean"),
        ({"text": "a", "tags": "x"}, "tags", "expected array"),
    ],
)
def test_argument_errors_name_tool_and_field(args: dict, field: str, fragment: str) -> None:
    with pytest.raises(ToolArgumentError) as info:
        _echo_tool().call(args)
    assert info.value.tool == "echo"
    assert info.value.field == field
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_exception_inside_tool_becomes_tool_error() -> None:
    with pytest.raises(ToolError, match=r"^boom: RuntimeError: disk on fire$"):
        Toolbox([_failing_tool()]).call("boom", {})


def test_unknown_tool_lists_known_names() -> None:
    box = Toolbox([_echo_tool(), calculator_tool()])
    with pytest.raises(UnknownToolError) as info:
        box.call("search", {"q": "x"})
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "unknown tool 'search': expected one of echo, calculator"


def test_toolbox_views() -> None:
    box = Toolbox([_echo_tool(), calculator_tool()])
    assert box.names() == ["echo", "calculator"]
    assert "echo" in box and "nope" not in box
    assert box["calculator"].name == "calculator"
    assert box.subset(["calculator"]).names() == ["calculator"]
    schema = box.schemas()[1]
    assert set(schema) == {"name", "description", "parameters"}
    assert schema["parameters"]["required"] == ["expression"]
    with pytest.raises(UnknownToolError):
        box.subset(["nope"])
    with pytest.raises(ValueError, match="duplicate"):
        Toolbox([calculator_tool(), calculator_tool()])
