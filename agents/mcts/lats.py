"""LATS-style search: the model proposes steps, a verifier (or the model) values them, UCT picks.

Every proposed step passes the domain's exact check before it enters the tree, a
terminal state is scored exactly, and the search stops at the first verified solution.
Ties are broken by insertion order, so a run is deterministic given the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from agents.budget import Budget, Meter
from agents.errors import AgentError, LMError
from agents.lm.client import ChatModel
from agents.mcts.domain import StepDomain
from agents.parsing import first_json_object
from agents.result import AgentResult
from agents.trace import Trace

__all__ = ["LATSAgent"]

_PROPOSE = """{instructions}
Reply with ONE JSON object only: {{"steps": ["<step>", ...]}} listing up to {k} different possible next steps."""

_VALUE = """{instructions}
Judge whether the goal can still be reached from the state shown.
Reply with ONE JSON object only: {{"value": "sure" | "likely" | "impossible"}}"""

_VALUES = {"sure": 1.0, "likely": 0.5, "impossible": 0.0}


@dataclass
class _Node:
    state: Any
    step: str | None
    parent: _Node | None
    children: list[_Node] = field(default_factory=list)
    visits: int = 0
    total: float = 0.0
    expanded: bool = False
    dead: bool = False

    def uct(self, c: float) -> float:
        if self.visits == 0:
            return math.inf
        assert self.parent is not None
        return self.total / self.visits + c * math.sqrt(math.log(self.parent.visits + 1) / self.visits)


class LATSAgent:
    """Monte Carlo tree search over model-proposed steps.

    Args:
        lm: The language model that proposes steps (and values states if ``value="model"``).
        budget: ``steps`` caps the number of expansions (one model call each).
        children: Steps asked for per expansion.
        value: ``"verifier"`` (the domain's exact/heuristic estimate, no model call) or
            ``"model"`` (one extra model call per new state).
        exploration: UCT constant.
    """

    kind = "mcts"

    def __init__(
        self,
        lm: ChatModel,
        budget: Budget | None = None,
        *,
        children: int = 3,
        value: str = "verifier",
        exploration: float = 1.0,
    ) -> None:
        if value not in ("verifier", "model"):
            raise ValueError(f"value: expected 'verifier' or 'model', got {value!r}")
        self.lm = lm
        self.budget = budget or Budget(steps=12)
        self.children = children
        self.value = value
        self.exploration = exploration

    def run(self, domain: StepDomain) -> AgentResult:
        """Search for a verified solution of ``domain``; never raises for a failed run."""
        trace = Trace()
        trace.add("task", kind=self.kind, problem=domain.name, start=domain.describe(domain.initial()))
        meter = Meter(self.budget, trace, self.lm)
        try:
            answer = self._search(domain, trace, meter)
        except (AgentError, LMError) as exc:
            return AgentResult.failure(self.kind, exc, trace, meter)
        return AgentResult.success(self.kind, answer, trace, meter)

    def _select(self, root: _Node) -> _Node:
        node = root
        while node.expanded and node.children:
            live = [c for c in node.children if not c.dead]
            if not live:
                node.dead = True
                return node
            node = max(live, key=lambda c: c.uct(self.exploration))  # max keeps the first of equals
        return node

    def _propose(self, domain: StepDomain, node: _Node, meter: Meter) -> list[str]:
        system = _PROPOSE.format(instructions=domain.instructions, k=self.children)
        schema = {
            "type": "object",
            "properties": {
                "steps": {
                    "type": "array",
                    "items": {"type": "string", "maxLength": 40},
                    "minItems": 1,
                    "maxItems": self.children,
                }
            },
            "required": ["steps"],
        }
        reply = meter.call_lm(
            "mcts.propose", system, [("user", domain.describe(node.state))], max_tokens=120, schema=schema
        )
        obj = first_json_object(reply.text)
        steps = obj.get("steps") if obj else None
        if not isinstance(steps, list):
            # Tolerate one step per line when the model ignores the JSON format.
            steps = [line.strip(" -*\t") for line in reply.text.splitlines() if line.strip()]
        return [s for s in steps if isinstance(s, str)][: self.children]

    def _value(self, domain: StepDomain, state: Any, meter: Meter) -> float:
        if domain.is_terminal(state):
            return domain.reward(state)
        if self.value == "verifier":
            return domain.estimate(state)
        system = _VALUE.format(instructions=domain.instructions)
        schema = {
            "type": "object",
            "properties": {"value": {"type": "string", "enum": list(_VALUES)}},
            "required": ["value"],
        }
        reply = meter.call_lm("mcts.value", system, [("user", domain.describe(state))], max_tokens=20, schema=schema)
        obj = first_json_object(reply.text)
        return _VALUES.get(str(obj.get("value")) if obj else "", 0.5)

    @staticmethod
    def _backprop(node: _Node | None, value: float) -> None:
        while node is not None:
            node.visits += 1
            node.total += value
            node = node.parent

    def _search(self, domain: StepDomain, trace: Trace, meter: Meter) -> str:
        root = _Node(domain.initial(), None, None)
        while True:
            if root.dead:
                raise AgentError("search exhausted: no proposed step sequence reaches the goal")
            meter.step()
            node = self._select(root)
            if node.dead:
                self._backprop(node, 0.0)
                continue
            proposals = self._propose(domain, node, meter)
            node.expanded = True
            seen = set()
            for text in proposals:
                child_state = domain.apply(node.state, text)
                legal = child_state is not None
                trace.add("proposal", state=domain.describe(node.state), step=text, legal=legal)
                if child_state is None or domain.key(child_state) in seen:
                    continue
                seen.add(domain.key(child_state))
                child = _Node(child_state, text, node)
                node.children.append(child)
                value = self._value(domain, child_state, meter)
                trace.add("value", state=domain.describe(child_state), value=value)
                meter.counters.simulations += 1
                if domain.is_terminal(child_state):
                    child.dead = value < 1.0
                    if value >= 1.0:
                        return domain.answer(child_state)
                self._backprop(child, value)
            if not node.children:
                node.dead = True
                self._backprop(node, 0.0)
