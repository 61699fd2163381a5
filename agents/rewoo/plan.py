"""A ReWOO plan: tool calls with evidence variables (``#E1``...), read tolerantly.

The planner answers in JSON (``{"steps": [...], "answer": "#E2"}``); the classic text
form ``#E1 = tool[{"arg": ...}]`` is accepted too, for models that write it anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from agents.parsing import MalformedOutput, first_json_object

__all__ = ["Plan", "PlanStep", "parse_plan", "references", "substitute"]

_REF = re.compile(r"#E(\d+)\b")
# Planners often drop the '#' ("E1 * 2"); a bare En counts as a reference when it stands
# alone (not inside a word or a number such as 1E10) and the plan defines that step.
_BARE = re.compile(r"(?<![\w#.])E(\d+)\b")
_ANY_REF = re.compile(r"#E(\d+)\b|(?<![\w#.])E(\d+)\b")
_TEXT_STEP = re.compile(r"#E(\d+)\s*=\s*([A-Za-z_][\w-]*)\s*[\[(]?\s*(\{.*\})\s*[\])]?\s*$")


@dataclass(frozen=True)
class PlanStep:
    """One tool call; ``ref`` is its evidence variable, e.g. ``"#E1"``."""

    ref: str
    tool: str
    args: dict[str, Any]
    depends: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Plan:
    """The steps in plan order, the answer template, and the evidence variables the plan defines."""

    steps: tuple[PlanStep, ...]
    answer: str = ""
    defined: frozenset[str] = frozenset()


def references(value: Any, defined: Collection[str] = ()) -> set[str]:
    """Every ``#En`` in the strings of ``value``, and every bare ``En`` whose ``#En`` is in ``defined``."""
    if isinstance(value, str):
        refs = {f"#E{n}" for n in _REF.findall(value)}
        return refs | {r for r in (f"#E{n}" for n in _BARE.findall(value)) if r in defined}
    if isinstance(value, dict):
        return set().union(*(references(v, defined) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(v, defined) for v in value)) if value else set()
    return set()


def _ref_name(raw: Any, index: int) -> str:
    text = str(raw).strip() if raw is not None else ""
    m = re.fullmatch(r"#?E?(\d+)", text, flags=re.IGNORECASE)
    return f"#E{m.group(1)}" if m else f"#E{index + 1}"


def _build(raw_steps: list[tuple[Any, Any, Any]], answer: str) -> Plan:
    steps: list[PlanStep] = []
    seen: set[str] = set()
    defined = {_ref_name(ref_raw, i) for i, (ref_raw, _, _) in enumerate(raw_steps)}
    for i, (ref_raw, tool, args) in enumerate(raw_steps):
        ref = _ref_name(ref_raw, i)
        if ref in seen:
            raise MalformedOutput(f"plan step {i + 1}: evidence variable {ref} is defined twice")
        if not isinstance(tool, str) or not tool:
            raise MalformedOutput(f"plan step {i + 1}: 'tool' must be a tool name, got {tool!r:.60}")
        if isinstance(args, str):
            parsed = first_json_object(args)
            args = parsed if parsed is not None else {"input": args}
        if not isinstance(args, dict):
            raise MalformedOutput(f"plan step {i + 1}: 'input' must be a JSON object, got {args!r:.60}")
        seen.add(ref)
        steps.append(PlanStep(ref, tool.strip(), args, tuple(sorted(references(args, defined)))))
    if not steps:
        raise MalformedOutput("the plan has no steps")
    return Plan(tuple(steps), answer.strip(), frozenset(defined))


def parse_plan(text: str) -> Plan:
    """Read a plan from model output.

    Raises:
        MalformedOutput: neither a JSON plan nor ``#En = tool{...}`` lines were found.
    """
    obj = first_json_object(text)
    if obj is not None and isinstance(obj.get("steps", obj.get("plan")), list):
        raw: list[Any] = obj.get("steps", obj.get("plan")) or []
        items = []
        for item in raw:
            if not isinstance(item, dict):
                raise MalformedOutput(f"plan step must be a JSON object, got {item!r:.60}")
            items.append(
                (
                    item.get("id", item.get("ref")),
                    item.get("tool", item.get("name")),
                    item.get("input", item.get("args", item.get("arguments", {}))),
                )
            )
        answer = obj.get("answer", "")
        return _build(items, answer if isinstance(answer, str) else json.dumps(answer))
    items = []
    for line in text.splitlines():
        m = _TEXT_STEP.search(line.strip())
        if m:
            try:
                args = json.loads(m.group(3))
            except json.JSONDecodeError as exc:
                raise MalformedOutput(f"#E{m.group(1)}: arguments are not JSON: {exc}") from exc
            items.append((m.group(1), m.group(2), args))
    if not items:
        raise MalformedOutput(f'expected a plan as JSON {{"steps": [...]}}, got {text.strip()[:120]!r}')
    return _build(items, "")


def substitute(value: Any, evidence: dict[str, str]) -> Any:
    """Replace each ``#En`` (and bare ``En``) in the strings of ``value`` by its evidence text."""
    if isinstance(value, str):
        # one pass, so evidence text is never itself searched for references
        return _ANY_REF.sub(lambda m: evidence.get(f"#E{m.group(1) or m.group(2)}", m.group(0)), value)
    if isinstance(value, dict):
        return {k: substitute(v, evidence) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, evidence) for v in value]
    return value
