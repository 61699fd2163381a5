"""Agents over small samples of the project's generated evaluation sets.

Accuracy is exact match of canonical answers against the answers the generators
computed themselves (independently of any model, reasoner or SPARQL engine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agents.answer import canonical_answer
from agents.lm.client import ChatModel
from agents.run import run_task

__all__ = ["run_bench"]


def _tool_agents(lm: ChatModel, sample: int, log: Callable[[str], None]) -> dict[str, Any]:
    from reasoning.datasets import arithmetic_questions

    questions = arithmetic_questions(n=sample, seed=7)
    out: dict[str, Any] = {}
    for kind in ("react", "rewoo"):
        correct = calls = 0
        for q in questions:
            r = run_task(kind, {"question": q.question, "tools": ["calculator"]}, lm=lm)
            hit = r.ok and r.answer == canonical_answer(q.answer)
            correct += hit
            calls += r.counters.lm_calls
            log(
                f"{kind:7s} {'ok ' if hit else 'BAD'} calls={r.counters.lm_calls} {r.counters.seconds:6.1f}s "
                f"got={r.answer or r.error!s:.40} want={q.answer}"
            )
        out[f"{kind}_acc"] = round(correct / len(questions), 3)
        out[f"{kind}_lm_calls"] = round(calls / len(questions), 2)
    return out


def _game24(log: Callable[[str], None]) -> dict[str, Any]:
    from reasoning.datasets import game24_instances

    solved = solvable = wrong = 0
    for inst in game24_instances():
        r = run_task("mcts", {"problem": "game24", "numbers": list(inst.numbers)})
        if inst.solvable:
            solvable += 1
            solved += bool(r.ok and r.answer != "unsolvable")
        else:
            wrong += bool(not r.ok or r.answer != "unsolvable")
    log(f"mcts    game24 solved {solved}/{solvable} solvable; unsolvable misreported: {wrong}")
    return {"mcts_game24_solved": solved, "mcts_game24_solvable": solvable}


def _neuro_symbolic(lm: ChatModel, sample: int, log: Callable[[str], None]) -> dict[str, Any]:
    from reasoning.datasets import generate_university, university_questions

    data = generate_university(departments=2, scale=0.3)
    turtle = data.turtle()
    questions = university_questions(data, n=sample, seed=3)
    correct = 0
    for q in questions:
        r = run_task("neuro-symbolic", {"question": q.question, "data": {"format": "turtle", "text": turtle}}, lm=lm)
        hit = r.ok and r.answer == canonical_answer(q.answer)
        correct += hit
        log(
            f"neuro   {'ok ' if hit else 'BAD'} calls={r.counters.lm_calls} {r.counters.seconds:6.1f}s "
            f"{q.id}: got={r.answer or r.error!s:.50} want={q.answer:.50}"
        )
    return {"neuro_symbolic_acc": round(correct / len(questions), 3)}


def run_bench(sample: int = 6, lm: ChatModel | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every agent kind on its evaluation set; return the summary the benchmark prints."""
    t0 = time.monotonic()
    if lm is None:
        from agents.lm.factory import default_lm

        lm = default_lm()
    summary: dict[str, Any] = {}
    summary.update(_tool_agents(lm, sample, log))
    summary.update(_game24(log))
    summary.update(_neuro_symbolic(lm, sample, log))
    summary["seconds"] = round(time.monotonic() - t0, 1)
    keys = (
        "react_acc",
        "rewoo_acc",
        "react_lm_calls",
        "rewoo_lm_calls",
        "mcts_game24_solved",
        "mcts_game24_solvable",
        "neuro_symbolic_acc",
        "seconds",
    )
    return {k: summary[k] for k in keys}
