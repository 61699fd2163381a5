"""ReAct: call one tool, observe, repeat; a final answer only through ``finish``.

Each step is only the action: no "thought" text, which cost most of the generated
tokens and did not make the embedded model more accurate. On the embedded engine a
step is decoded as a template, so the model writes only the tool's name (a choice) and
its argument.

Against the usual failure modes: tool calls are read tolerantly (first JSON object,
Qwen's native form) with one retry on malformed output; a tool's failure comes back as
an observation marked as an error and can never become the answer; a trajectory longer
than the history limit drops its oldest steps instead of crashing; every budget ends
the run with an error result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.answer import canonical_answer
from agents.budget import Budget, Meter
from agents.errors import AgentError
from agents.lm.client import ChatModel
from agents.lm.template import Choice, Free, Literal, Program
from agents.parsing import MalformedOutput, Step, parse_step
from agents.prompts import clip, dumps, single_string_argument, tool_lines
from agents.tool_agent import ToolAgent
from agents.trace import Trace
from reasoning import Toolbox, ToolError

__all__ = ["ReActAgent"]

_SYSTEM = """Answer the question using the tools.
Tools:
{tools}
Reply with ONE JSON object only: {{"action": "<tool name>", "input": {{<arguments>}}}}
When an observation answers the question: {{"action": "finish", "input": {{"answer": "<final answer>"}}}}
Use the tools for facts and arithmetic; do not guess. Write a whole computation as one expression.
Example:
Question: A coat costs 120 dollars. It is sold at 25% off, then 10% tax is added. What is the final price?
{{"action": "calculator", "input": {{"expression": "120 * (100 - 25) / 100 * (100 + 10) / 100"}}}}
Observation: 99
{{"action": "finish", "input": {{"answer": "99"}}}}"""

_RETRY = "Your reply was not valid. Reply with ONE JSON object exactly as specified."


def step_schema(names: list[str], *, finish: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": [*names, "finish"] if finish else names},
            "input": {"type": "object"},
        },
        "required": ["action", "input"],
    }


def step_template(arguments: dict[str, str], value_tokens: int) -> Callable[[], Program]:
    """A ReAct step as a template: the tool is a choice, its one string argument the only free text.

    ``arguments`` maps each tool (and ``finish``) to the name of its single string argument.
    """

    def program() -> Program:
        yield Literal('{"action": "')
        chosen = yield Choice(tuple(f'{name}"' for name in arguments))
        assert chosen is not None
        name = chosen[:-1]
        yield Literal(f', "input": {{"{arguments[name]}": "')
        raw = yield Free(stop='"', close='"}}', max_tokens=value_tokens)
        yield Literal('"}}')
        return name, raw

    return program


class ReActAgent(ToolAgent):
    """A ReAct loop over a :class:`ChatModel` and a :class:`reasoning.Toolbox`.

    Args:
        lm: The language model.
        tools: Tools the model may call.
        budget: Steps (model turns), tokens and seconds.
        max_history_chars: Trajectory size kept in the prompt; older steps are dropped.
        observation_chars: Longest observation shown to the model.
        step_tokens: Cap on the tokens the model writes in one step.
        templates: Decode each step as a template (tool choice + one free argument) when
            every tool takes one string and the backend can; otherwise, and as the retry,
            the step is JSON constrained by a schema.
    """

    kind = "react"

    def __init__(
        self,
        lm: ChatModel,
        tools: Toolbox,
        budget: Budget | None = None,
        *,
        max_history_chars: int = 6000,
        observation_chars: int = 1500,
        step_tokens: int = 200,
        templates: bool = True,
    ) -> None:
        super().__init__(lm, tools, budget)
        self.max_history_chars = max_history_chars
        self.observation_chars = observation_chars
        self.step_tokens = step_tokens
        self.templates = templates

    def _template(self, *, finish: bool) -> Callable[[], Program] | None:
        if not self.templates:
            return None
        arguments = {s["name"]: single_string_argument(s) for s in self.tools.schemas()}
        if any(a is None for a in arguments.values()):
            return None
        tools = {k: v for k, v in arguments.items() if v}
        return step_template({**tools, "finish": "answer"} if finish else tools, self.step_tokens)

    def _history(self, question: str, steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = list(steps)
        dropped = 0
        while kept and sum(len(a) + len(o) for a, o in kept) > self.max_history_chars:
            kept.pop(0)
            dropped += 1
        head = f"Question: {question}"
        if dropped:
            head += f"\n({dropped} earlier steps omitted to fit the context.)"
        turns: list[tuple[str, str]] = [("user", head)]
        for assistant, observation in kept:
            turns += [("assistant", assistant), ("user", observation)]
        return turns

    def _decide(
        self,
        system: str,
        turns: list[tuple[str, str]],
        schema: dict[str, Any],
        meter: Meter,
        template: Callable[[], Program] | None = None,
    ) -> tuple[Step, str]:
        reply = meter.call_lm(
            "react.step", system, turns, max_tokens=self.step_tokens, schema=schema, template=template
        )
        try:
            return parse_step(reply.text), reply.text
        except MalformedOutput as exc:
            meter.trace.add("malformed", reason=str(exc))
            retry_turns = [*turns, ("assistant", reply.text), ("user", _RETRY)]
            reply = meter.call_lm("react.retry", system, retry_turns, max_tokens=self.step_tokens, schema=schema)
            return parse_step(reply.text), reply.text

    def _solve(self, question: str, trace: Trace, meter: Meter) -> str:
        system = _SYSTEM.format(tools=tool_lines(self.tools.schemas()))
        # The first step may only call a tool: an answer before any observation is a guess.
        first = (step_schema(self.tools.names(), finish=False), self._template(finish=False))
        later = (step_schema(self.tools.names()), self._template(finish=True))
        steps: list[tuple[str, str]] = []
        errors: set[str] = set()
        while True:
            meter.step()
            schema, template = later if steps else first
            step, _ = self._decide(system, self._history(question, steps), schema, meter, template)
            if step.thought:
                trace.thought(step.thought)
            if step.action == "finish":
                answer = canonical_answer(step.answer or "")
                if not answer:
                    raise MalformedOutput("the final answer is empty")
                if answer in errors:
                    raise AgentError("the model returned a tool error as its answer; no answer was found")
                return answer
            trace.tool_call(step.action, step.args)
            meter.counters.tool_calls += 1
            try:
                text = self.tools.call(step.action, step.args)
                failed = False
            except ToolError as exc:
                text = f"Error: {exc}"
                failed = True
                meter.counters.tool_errors += 1
                errors.add(canonical_answer(text))
                errors.add(canonical_answer(str(exc)))
            trace.observation(text, error=failed)
            shown = {"action": step.action, "input": step.args}
            steps.append(
                (
                    dumps({"thought": step.thought, **shown} if step.thought else shown),
                    "Observation: " + clip(text, self.observation_chars),
                )
            )
