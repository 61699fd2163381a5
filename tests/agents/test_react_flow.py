"""ReAct control flow against a scripted model (see scripted.py)."""

from __future__ import annotations

import json

from agents import Budget
from agents.react import ReActAgent
from reasoning import Tool, Toolbox, calculator_tool
from tests.agents.scripted import scripted_lm


def call(tool: str, **args: object) -> str:
    return json.dumps({"thought": f"use {tool}", "action": tool, "input": args})


def finish(answer: str) -> str:
    return json.dumps({"thought": "done", "action": "finish", "input": {"answer": answer}})


def broken_tool() -> Tool:
    def fail(query: str) -> str:
        raise RuntimeError("backend down")

    return Tool(
        "lookup",
        "Look something up.",
        {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        fail,
    )


TOOLS = Toolbox([calculator_tool()])


def test_answers_after_a_tool_call() -> None:
    lm, engine = scripted_lm(call("calculator", expression="17*23"), finish("391.0"))
    result = ReActAgent(lm, TOOLS).run("What is 17*23?")
    assert result.ok and result.answer == "391"
    assert result.counters.lm_calls == 2 and result.counters.tool_calls == 1
    observations = [e for e in result.trace if e["type"] == "observation"]
    assert observations == [{"type": "observation", "text": "391", "error": False}]
    assert "Observation: 391" in engine.requests[1].messages[-1].text


def test_native_tool_call_and_trailing_object_are_read() -> None:
    native = (
        '<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+2"}}\n</tool_call>{"final_answer": "5"}'
    )
    lm, _ = scripted_lm(native, "```json\n" + finish("4") + "\n```")
    result = ReActAgent(lm, TOOLS).run("2+2?")
    assert result.ok and result.answer == "4"
    assert [e["tool"] for e in result.trace if e["type"] == "tool_call"] == ["calculator"]


def test_malformed_output_is_retried_once() -> None:
    lm, engine = scripted_lm("I think the answer is probably 4", finish("4"))
    result = ReActAgent(lm, TOOLS).run("2+2?")
    assert result.ok and result.answer == "4"
    assert [e["purpose"] for e in result.trace if e["type"] == "lm_call"] == ["react.step", "react.retry"]
    assert "not valid" in engine.requests[1].messages[-1].text


def test_malformed_twice_is_an_error_result() -> None:
    lm, _ = scripted_lm("no json here", "still none")
    result = ReActAgent(lm, TOOLS).run("2+2?")
    assert not result.ok and result.answer is None
    assert result.error_type == "MalformedOutput" and "JSON object" in (result.error or "")


def test_tool_error_is_an_observation_never_the_answer() -> None:
    tools = Toolbox([calculator_tool(), broken_tool()])
    lm, engine = scripted_lm(
        call("lookup", query="x"),
        call("calculator", expression="1/0"),
        lambda req: finish(req.messages[-1].text.removeprefix("Observation: ")),
    )
    result = ReActAgent(lm, tools).run("?")
    obs = [e for e in result.trace if e["type"] == "observation"]
    assert [o["error"] for o in obs] == [True, True]
    assert "backend down" in obs[0]["text"]
    assert result.counters.tool_errors == 2
    assert not result.ok and "tool error as its answer" in (result.error or "")


def test_unknown_tool_from_the_model_is_an_observation() -> None:
    lm, _ = scripted_lm(call("search", q="x"), finish("none"))
    result = ReActAgent(lm, TOOLS).run("?")
    obs = [e for e in result.trace if e["type"] == "observation"]
    assert obs[0]["error"] and "unknown tool 'search'" in obs[0]["text"]
    assert result.ok and result.answer == "none"


def test_step_budget_exhaustion_is_an_error_result() -> None:
    lm, _ = scripted_lm(*[call("calculator", expression=f"{i}+1") for i in range(5)])
    result = ReActAgent(lm, TOOLS, Budget(steps=3)).run("loop forever")
    assert not result.ok and result.error_type == "BudgetExceeded"
    assert "steps" in (result.error or "")
    assert result.counters.steps == 3 and result.counters.lm_calls == 3
    assert result.trace[-1]["type"] == "error"


def test_token_budget_exhaustion_is_an_error_result() -> None:
    lm, _ = scripted_lm(*[call("calculator", expression=f"{i}*2") for i in range(10)])
    result = ReActAgent(lm, TOOLS, Budget(steps=10, tokens=300)).run("loop")
    assert not result.ok and result.error_type == "BudgetExceeded" and "tokens" in (result.error or "")


def test_truncated_trajectory_keeps_running() -> None:
    replies = [call("calculator", expression=f"{i}*1000000") for i in range(6)] + [finish("done")]
    lm, engine = scripted_lm(*replies)
    result = ReActAgent(lm, TOOLS, Budget(steps=10), max_history_chars=300).run("long")
    assert result.ok and result.answer == "done"
    last = engine.requests[-1]
    assert "earlier steps omitted" in last.messages[0].text
    assert sum(len(m.text or "") for m in last.messages[1:]) <= 300 + 200


def test_same_script_same_trace_hash() -> None:
    def run() -> tuple[str | None, str]:
        lm, _ = scripted_lm(call("calculator", expression="6*7"), finish("42"))
        r = ReActAgent(lm, TOOLS).run("6*7?")
        return r.answer, r.trace_hash

    assert run() == run()
