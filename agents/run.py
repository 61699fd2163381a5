"""One entry point for every agent kind: ``run_task(kind, spec, lm=None) -> AgentResult``.

Whatever goes wrong (a bad input, an unknown tool, a model that fails, an exhausted
budget) comes back as an error result with a message that names the cause; the node
daemon never sees an exception from here.
"""

from __future__ import annotations

from typing import Any

from agents.budget import Budget
from agents.errors import AgentError
from agents.lm.client import ChatModel
from agents.result import AgentResult
from agents.specs import BlocksSpec, Game24Spec, NeuroSymbolicSpec, ToolTaskSpec, parse_spec
from agents.trace import Trace
from reasoning import ReasoningError

__all__ = ["DEFAULT_BUDGETS", "run_task"]

DEFAULT_BUDGETS: dict[str, Budget] = {
    "react": Budget(steps=6, tokens=8_000, seconds=240),
    "rewoo": Budget(steps=6, tokens=8_000, seconds=240),
    "mcts": Budget(steps=12, tokens=8_000, seconds=240),
    "neuro-symbolic": Budget(steps=2, tokens=8_000, seconds=240),
}


def _needs_model(kind: str, spec: Any) -> bool:
    if kind in ("react", "rewoo"):
        return True
    if isinstance(spec, NeuroSymbolicSpec):
        return spec.sparql is None
    return False


def run_task(kind: str, spec: Any, lm: ChatModel | None = None, budget: Budget | None = None) -> AgentResult:
    """Run one task of ``kind`` with input ``spec`` and return its result.

    Args:
        kind: ``react``, ``rewoo``, ``mcts`` or ``neuro-symbolic``.
        spec: The input: a mapping, JSON text or a spec model (see :mod:`agents.specs`).
        lm: Model to use; default :func:`agents.lm.default_lm` when the task needs one.
        budget: Limits; default :data:`DEFAULT_BUDGETS` for the kind.
    """
    try:
        parsed = parse_spec(kind, spec)
        budget = budget or DEFAULT_BUDGETS[kind]
        if lm is None and _needs_model(kind, parsed):
            from agents.lm.factory import default_lm

            lm = default_lm()
        return _dispatch(kind, parsed, lm, budget)
    except (AgentError, ReasoningError) as exc:
        trace = Trace()
        trace.add("task", kind=kind)
        return AgentResult.failure(kind, exc, trace, None)


def _dispatch(kind: str, spec: Any, lm: ChatModel | None, budget: Budget) -> AgentResult:
    if isinstance(spec, ToolTaskSpec):
        from agents.toolset import build_toolbox

        tools = build_toolbox(spec.tools, spec.context)
        assert lm is not None
        if kind == "react":
            from agents.react import ReActAgent

            return ReActAgent(lm, tools, budget).run(spec.question)
        from agents.rewoo import ReWOOAgent

        return ReWOOAgent(lm, tools, budget).run(spec.question)
    if isinstance(spec, (Game24Spec, BlocksSpec)):
        from agents.mcts.symbolic import solve_symbolic

        return solve_symbolic(spec, budget)
    from agents.neuro_symbolic import NeuroSymbolicAgent

    return NeuroSymbolicAgent(lm, budget).run(spec)
