"""Tolerant reading of model output: the first JSON object, in whatever wrapping.

Small models wrap JSON in code fences, prefix it with prose, use Qwen's native
``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` form, or append a second,
invented object after the first; only the first object counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["MalformedOutput", "Step", "first_json_object", "parse_step"]

_DECODER = json.JSONDecoder()
_FINISH = {"finish", "final", "final_answer", "answer", "done"}


class MalformedOutput(ValueError):
    """Model output holds no usable JSON object; the message says what was expected."""


def first_json_object(text: str) -> dict[str, Any] | None:
    """Return the first JSON object in ``text``, or None."""
    start = text.find("{")
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


@dataclass(frozen=True)
class Step:
    """One ReAct decision: a tool call, or the final answer (``action == "finish"``)."""

    thought: str
    action: str
    args: dict[str, Any]
    answer: str | None = None


def _answer_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def parse_step(text: str) -> Step:
    """Read a tool call or a final answer from model output.

    Accepted shapes: ``{"thought", "action", "input"}`` (the prompt's), the same with
    ``tool``/``name`` and ``args``/``arguments``/``action_input``, Qwen's native tool
    call, and ``{"answer": ...}`` / ``{"final_answer": ...}``.

    Raises:
        MalformedOutput: no JSON object, or one without an action or an answer.
    """
    obj = first_json_object(text)
    if obj is None:
        raise MalformedOutput(f"expected one JSON object, got {text.strip()[:120]!r}")
    thought = obj.get("thought") or obj.get("reasoning") or ""
    thought = thought if isinstance(thought, str) else _answer_text(thought)
    action = obj.get("action", obj.get("tool", obj.get("name")))
    args = obj.get("input", obj.get("args", obj.get("arguments", obj.get("action_input"))))
    if isinstance(args, str):
        parsed = first_json_object(args)
        args = parsed if parsed is not None else {"input": args}
    if action is None:
        for key in ("final_answer", "answer"):
            if key in obj:
                return Step(thought, "finish", {}, _answer_text(obj[key]))
        raise MalformedOutput(f"JSON object has no 'action' (tool name or 'finish'): {obj!r:.120}")
    if not isinstance(action, str):
        raise MalformedOutput(f"'action' must be a string, got {action!r:.60}")
    if action.strip().lower() in _FINISH:
        args = args if isinstance(args, dict) else {"answer": args}
        answer = args.get("answer", obj.get("answer", obj.get("final_answer")))
        if answer is None:
            answer = next(iter(args.values()), None) if args else None
        if answer is None:
            raise MalformedOutput("'finish' needs input {\"answer\": ...}")
        return Step(thought, "finish", {}, _answer_text(answer))
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise MalformedOutput(f"'input' of a tool call must be a JSON object, got {args!r:.60}")
    return Step(thought, action.strip(), args)
