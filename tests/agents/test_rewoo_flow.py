"""ReWOO control flow against a scripted model (see scripted.py)."""

from __future__ import annotations

import json
import threading

from agents import Budget
from agents.rewoo import ReWOOAgent, parse_plan
from reasoning import Tool, Toolbox, calculator_tool
from tests.agents.scripted import scripted_lm

TOOLS = Toolbox([calculator_tool()])


def plan(steps: list[tuple[str, str, dict]], answer: str = "") -> str:
    return json.dumps({"steps": [{"id": i, "tool": t, "input": a} for i, t, a in steps], "answer": answer})


def test_plan_answer_from_evidence_needs_one_model_call() -> None:
    lm, _ = scripted_lm(
        plan([("E1", "calculator", {"expression": "12*37"}), ("E2", "calculator", {"expression": "#E1 + 5"})], "#E2")
    )
    result = ReWOOAgent(lm, TOOLS).run("12 boxes of 37 pens and 5 more?")
    assert result.ok and result.answer == "449"
    assert result.counters.lm_calls == 1 and result.counters.tool_calls == 2
    assert [e["args"] for e in result.trace if e["type"] == "tool_call"] == [
        {"expression": "12*37"},
        {"expression": "#E1 + 5"},
    ]


def test_solver_called_when_plan_has_no_answer_template() -> None:
    lm, engine = scripted_lm(plan([("E1", "calculator", {"expression": "2**10"})]), '{"answer": "1024 bytes"}')
    result = ReWOOAgent(lm, TOOLS).run("How many bytes in a KiB?")
    assert result.ok and result.answer == "1024 bytes"
    assert (
        "#E1 = calculator" in engine.requests[1].messages[0].text and "-> 1024" in engine.requests[1].messages[0].text
    )


def test_independent_steps_run_in_parallel() -> None:
    barrier = threading.Barrier(3, timeout=5)

    def meet(x: int) -> int:
        barrier.wait()  # passes only if all three calls are in flight at once
        return x * 10

    tool = Tool(
        "times10", "x*10", {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}, meet
    )
    tools = Toolbox([calculator_tool(), tool])
    lm, _ = scripted_lm(
        plan(
            [
                ("E1", "times10", {"x": 1}),
                ("E2", "times10", {"x": 2}),
                ("E3", "times10", {"x": 3}),
                ("E4", "calculator", {"expression": "#E1+#E2+#E3"}),
            ],
            "#E4",
        )
    )
    result = ReWOOAgent(lm, tools).run("sum")
    assert result.ok and result.answer == "60"
    assert [e["ref"] for e in result.trace if e["type"] == "observation"] == ["#E1", "#E2", "#E3", "#E4"]


def test_tool_error_propagates_to_dependents_and_never_answers() -> None:
    lm, engine = scripted_lm(
        plan([("E1", "calculator", {"expression": "1/0"}), ("E2", "calculator", {"expression": "#E1 + 1"})], "#E2"),
        lambda req: json.dumps({"answer": req.messages[0].text.split("-> ")[-1]}),
    )
    result = ReWOOAgent(lm, TOOLS).run("?")
    obs = [e for e in result.trace if e["type"] == "observation"]
    assert all(o["error"] for o in obs) and "needs #E1" in obs[1]["text"]
    assert not result.ok and "tool error" in (result.error or "")


def test_malformed_plan_retried_once_then_text_form_accepted() -> None:
    lm, _ = scripted_lm("Sure! Let me think.", '#E1 = calculator[{"expression": "3*3"}]')
    result = ReWOOAgent(lm, TOOLS).run("3*3?")
    # the text form has no answer template, so the solver runs; it has no reply left
    assert not result.ok and result.error_type == "LMError"
    assert [e["purpose"] for e in result.trace if e["type"] == "lm_call"] == ["rewoo.plan", "rewoo.retry"]
    assert [e["type"] for e in result.trace].count("observation") == 1


def test_plan_longer_than_step_budget_is_an_error_result() -> None:
    lm, _ = scripted_lm(plan([(f"E{i}", "calculator", {"expression": f"{i}+1"}) for i in range(1, 6)], "#E5"))
    result = ReWOOAgent(lm, TOOLS, Budget(steps=3)).run("?")
    assert not result.ok and result.error_type == "BudgetExceeded" and result.counters.tool_calls == 0


def test_cycles_and_undefined_references_are_error_evidence() -> None:
    p = parse_plan(
        plan(
            [
                ("E1", "calculator", {"expression": "#E2"}),
                ("E2", "calculator", {"expression": "#E1"}),
                ("E3", "calculator", {"expression": "#E9"}),
            ]
        )
    )
    assert [s.depends for s in p.steps] == [("#E2",), ("#E1",), ("#E9",)]
    lm, _ = scripted_lm(
        plan(
            [
                ("E1", "calculator", {"expression": "#E2"}),
                ("E2", "calculator", {"expression": "#E1"}),
                ("E3", "calculator", {"expression": "#E9"}),
            ],
            "#E3",
        ),
        '{"answer": "unknown"}',
    )
    result = ReWOOAgent(lm, TOOLS).run("?")
    texts = [e["text"] for e in result.trace if e["type"] == "observation"]
    assert "circular" in texts[0] and "circular" in texts[1] and "undefined #E9" in texts[2]
    assert result.ok and result.answer == "unknown"


def test_bare_references_without_hash_resolve() -> None:
    # Planners often write "E1" for "#E1"; it must resolve, in inputs and in the answer template.
    lm, _ = scripted_lm(
        plan(
            [
                ("E1", "calculator", {"expression": "330 - 139"}),
                ("E2", "calculator", {"expression": "E1 * 2 + 1E1"}),
            ],
            "E2",
        )
    )
    result = ReWOOAgent(lm, TOOLS).run("?")
    assert result.ok, result.error
    assert result.answer == "392" and result.counters.lm_calls == 1
    assert parse_plan(plan([("E1", "calculator", {"expression": "E1E2 + E7"})])).steps[0].depends == ()
