"""ReWOO: plan every tool call up front, run the plan as a DAG, then answer.

When the plan names its answer as evidence (``"answer": "#E2"``) and that evidence is
good, the answer is read off symbolically and the solver's model call is skipped: one
model call for the whole question, against ReAct's one per tool call plus one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.answer import canonical_answer
from agents.budget import Budget, Meter
from agents.errors import AgentError, BudgetExceeded
from agents.lm.client import ChatModel
from agents.lm.template import Choice, Free, Literal, Program
from agents.parsing import MalformedOutput, first_json_object
from agents.prompts import clip, dumps, single_string_argument, tool_lines
from agents.rewoo.plan import Plan, parse_plan, references, substitute
from agents.rewoo.worker import Evidence, run_plan
from agents.tool_agent import ToolAgent
from agents.trace import Trace
from reasoning import Toolbox

__all__ = ["ReWOOAgent"]

_PLANNER = """Plan tool calls that answer the question.
Tools:
{tools}
Reply with ONE JSON object only:
{{"steps": [{{"id": "E1", "tool": "<tool name>", "input": {{<arguments>}}}}, ...], "answer": "<answer template>"}}
A string input may contain #E1, #E2... to use the result of an earlier step.
Set "answer" to the step result that answers the question \
(for example "#E2"), or "" if the results need interpretation.
Use as few steps as you can: a whole computation is one calculator expression.
Example:
Question: A coat costs 120 dollars. It is sold at 25% off, then 10% tax is added. What is the final price?
{{"steps": [{{"id": "E1", "tool": "calculator", \
"input": {{"expression": "120 * (100 - 25) / 100 * (100 + 10) / 100"}}}}], "answer": "#E1"}}"""


def plan_template(arguments: dict[str, str], max_steps: int, value_tokens: int) -> Callable[[], Program]:
    """A plan as a template: per step a tool choice and its one string argument; then the answer's step."""

    def program() -> Program:
        yield Literal('{"steps": [{')
        n = 0
        while True:
            n += 1
            yield Literal(f'"id": "E{n}", "tool": "')
            chosen = yield Choice(tuple(f'{name}"' for name in arguments))
            assert chosen is not None
            yield Literal(f', "input": {{"{arguments[chosen[:-1]]}": "')
            yield Free(stop='"', close='"}}', max_tokens=value_tokens)
            yield Literal('"}}')
            more = yield Choice((", {", "]")) if n < max_steps else Literal("]")
            if more != ", {":
                break
        yield Literal(', "answer": "')
        yield Choice((*(f'#E{i}"' for i in range(1, n + 1)), '"'))
        yield Literal("}")
        return n

    return program


_SOLVER = """Answer the question from the evidence of the tool calls.
Reply with ONE JSON object only: {"answer": "<final answer>"}"""

_RETRY = "Your reply was not a valid plan. Reply with ONE JSON object exactly as specified."


def plan_schema(names: list[str], max_steps: int) -> dict[str, Any]:
    step = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "tool": {"type": "string", "enum": names},
            "input": {"type": "object"},
        },
        "required": ["id", "tool", "input"],
    }
    return {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": step, "minItems": 1, "maxItems": max_steps},
            "answer": {"type": "string", "maxLength": 200},
        },
        "required": ["steps", "answer"],
    }


_ANSWER_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


class ReWOOAgent(ToolAgent):
    """Planner, DAG worker and solver over a :class:`ChatModel` and a :class:`Toolbox`.

    Args:
        lm: The language model.
        tools: Tools the plan may call.
        budget: ``steps`` caps the number of tool calls in the plan.
        max_workers: Threads for independent tool calls.
        plan_tokens: Cap on the tokens of the plan.
        evidence_chars: Longest evidence shown to the solver.
        templates: Decode the plan as a template when every tool takes one string and
            the backend can; otherwise, and as the retry, as schema-constrained JSON.
    """

    kind = "rewoo"

    def __init__(
        self,
        lm: ChatModel,
        tools: Toolbox,
        budget: Budget | None = None,
        *,
        max_workers: int = 4,
        plan_tokens: int = 320,
        evidence_chars: int = 1500,
        templates: bool = True,
    ) -> None:
        super().__init__(lm, tools, budget)
        self.max_workers = max_workers
        self.plan_tokens = plan_tokens
        self.evidence_chars = evidence_chars
        self.templates = templates

    def _template(self) -> Callable[[], Program] | None:
        if not self.templates:
            return None
        arguments = {s["name"]: single_string_argument(s) for s in self.tools.schemas()}
        if any(a is None for a in arguments.values()):
            return None
        return plan_template({k: v for k, v in arguments.items() if v}, self.budget.steps, 96)

    def _plan(self, question: str, meter: Meter) -> Plan:
        system = _PLANNER.format(tools=tool_lines(self.tools.schemas()))
        schema = plan_schema(self.tools.names(), self.budget.steps)
        turns = [("user", f"Question: {question}")]
        reply = meter.call_lm(
            "rewoo.plan", system, turns, max_tokens=self.plan_tokens, schema=schema, template=self._template()
        )
        try:
            return parse_plan(reply.text)
        except MalformedOutput as exc:
            meter.trace.add("malformed", reason=str(exc))
            turns += [("assistant", reply.text), ("user", _RETRY)]
            reply = meter.call_lm("rewoo.retry", system, turns, max_tokens=self.plan_tokens, schema=schema)
            return parse_plan(reply.text)

    def _solve(self, question: str, trace: Trace, meter: Meter) -> str:
        plan = self._plan(question, meter)
        trace.add(
            "plan", steps=[{"ref": s.ref, "tool": s.tool, "args": s.args} for s in plan.steps], answer=plan.answer
        )
        if len(plan.steps) > self.budget.steps:
            raise BudgetExceeded("steps", len(plan.steps), self.budget.steps)
        meter.counters.steps = len(plan.steps)
        evidence = run_plan(plan, self.tools, meter, max_workers=self.max_workers)
        direct = self._direct_answer(plan, evidence)
        if direct is not None:
            trace.add("solver", mode="evidence", template=plan.answer)
            return direct
        return self._answer(question, plan, evidence, meter)

    @staticmethod
    def _direct_answer(plan: Plan, evidence: dict[str, Evidence]) -> str | None:
        refs = references(plan.answer, plan.defined)
        if not refs or any(r not in evidence or not evidence[r].ok for r in refs):
            return None
        answer = canonical_answer(substitute(plan.answer, {r: e.text for r, e in evidence.items()}))
        return answer or None

    def _answer(self, question: str, plan: Plan, evidence: dict[str, Evidence], meter: Meter) -> str:
        lines = [
            f"{s.ref} = {s.tool}{dumps(s.args)} -> {clip(evidence[s.ref].text, self.evidence_chars)}"
            for s in plan.steps
        ]
        turns = [("user", f"Question: {question}\nEvidence:\n" + "\n".join(lines))]
        reply = meter.call_lm("rewoo.solve", _SOLVER, turns, max_tokens=160, schema=_ANSWER_SCHEMA)
        obj = first_json_object(reply.text)
        raw = obj.get("answer") if obj else reply.text
        answer = canonical_answer(raw if isinstance(raw, str) else dumps(raw))
        if not answer:
            raise MalformedOutput("the solver gave an empty answer")
        failed = {canonical_answer(e.text) for e in evidence.values() if not e.ok}
        if answer in failed or answer.lower().startswith("error:"):
            raise AgentError("the solver returned a tool error as its answer; no answer was found")
        return answer
