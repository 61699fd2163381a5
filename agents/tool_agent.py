"""What ReAct and ReWOO share: a model, a toolbox, a budget, and a run that never raises."""

from __future__ import annotations

from agents.budget import Budget, Meter
from agents.errors import AgentError, LMError
from agents.lm.client import ChatModel
from agents.parsing import MalformedOutput
from agents.result import AgentResult
from agents.trace import Trace
from reasoning import Toolbox


class ToolAgent:
    """Base of the tool-using agents; subclasses implement :meth:`_solve`."""

    kind = "tool-agent"

    def __init__(self, lm: ChatModel, tools: Toolbox, budget: Budget | None = None) -> None:
        self.lm = lm
        self.tools = tools
        self.budget = budget or Budget()

    def run(self, question: str) -> AgentResult:
        """Answer ``question``; a failed run is an error result, never an exception."""
        trace = Trace()
        trace.add("task", kind=self.kind, question=question, tools=self.tools.names())
        meter = Meter(self.budget, trace, self.lm)
        try:
            answer = self._solve(question, trace, meter)
        except (AgentError, LMError, MalformedOutput) as exc:
            return AgentResult.failure(self.kind, exc, trace, meter)
        return AgentResult.success(self.kind, answer, trace, meter)

    def _solve(self, question: str, trace: Trace, meter: Meter) -> str:
        raise NotImplementedError
