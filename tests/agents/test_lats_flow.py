"""LATS search control flow against a scripted model (see scripted.py)."""

from __future__ import annotations

import json

from agents import Budget
from agents.mcts import Game24Steps, LATSAgent
from tests.agents.scripted import scripted_lm


def steps(*s: str) -> str:
    return json.dumps({"steps": list(s)})


def test_finds_verified_solution_and_rejects_invented_steps() -> None:
    # UCT visits the less-tried "4 + 1" branch before going deeper; its proposal is illegal there.
    lm, _ = scripted_lm(steps("4 * 6", "9 * 9", "4 + 1"), steps("24 * 1", "1 + 1"), steps("24 * 1"), steps("24 * 1"))
    result = LATSAgent(lm).run(Game24Steps([4, 6, 1, 1]))
    assert result.ok and result.answer == "((4 * 6) * 1) * 1"
    legal = [(e["step"], e["legal"]) for e in result.trace if e["type"] == "proposal"]
    assert ("9 * 9", False) in legal


def test_model_value_mode_makes_one_call_per_new_state() -> None:
    lm, _ = scripted_lm(steps("4 * 6"), '{"value": "sure"}', steps("24 * 1"), '{"value": "sure"}', steps("24 * 1"))
    result = LATSAgent(lm, value="model").run(Game24Steps([4, 6, 1, 1]))
    assert result.ok
    assert [e["purpose"] for e in result.trace if e["type"] == "lm_call"] == [
        "mcts.propose",
        "mcts.value",
        "mcts.propose",
        "mcts.value",
        "mcts.propose",
    ]


def test_budget_exhaustion_is_an_error_result() -> None:
    lm, _ = scripted_lm(*[steps("1 + 1", "1 * 1", "1 - 1")] * 10)
    result = LATSAgent(lm, Budget(steps=4)).run(Game24Steps([1, 1, 1, 1]))
    assert not result.ok and result.error_type == "BudgetExceeded"


def test_dead_tree_is_reported_not_looped() -> None:
    lm, _ = scripted_lm("nonsense", "more nonsense")
    result = LATSAgent(lm, Budget(steps=10)).run(Game24Steps([1, 1, 1, 1]))
    assert not result.ok and "search exhausted" in (result.error or "")
    assert result.counters.lm_calls == 1


def test_verifier_rejects_reused_numbers_and_division_by_zero() -> None:
    d = Game24Steps([2, 3, 0, 5])
    s = d.initial()
    assert d.apply(s, "2 * 2") is None
    assert d.apply(s, "3 / 0") is None
    assert d.apply(s, "3 * 5 = 15") is not None
