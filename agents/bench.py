"""Agents over the project's generated evaluation sets: accuracy, time and model costs.

Accuracy compares answers with those the generators computed themselves (independently
of any model, reasoner or SPARQL engine), by :func:`agents.answer.same_answer`: ``191``
and ``330 - 139 = 191`` are the same answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.answer import same_answer
from agents.lm.client import ChatModel
from agents.run import run_task

__all__ = ["SUMMARY_KEYS", "SetScore", "run_bench"]

#: Keys of the summary, in order; a figure that was not measured is None.
SUMMARY_KEYS = (
    "react_acc",
    "rewoo_acc",
    "neuro_symbolic_acc",
    "lats_acc",
    "react_s",
    "rewoo_s",
    "neuro_symbolic_s",
    "react_lm_calls",
    "rewoo_lm_calls",
    "agreement",
)

TOOL_AGENTS = ("react", "rewoo")


@dataclass
class SetScore:
    """One agent on one question set."""

    agent: str
    set: str
    questions: int = 0
    correct: int = 0
    seconds: float = 0.0
    lm_calls: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    generated_tokens: int = 0

    def add(self, hit: bool, seconds: float, counters: Any) -> None:
        self.questions += 1
        self.correct += hit
        self.seconds += seconds
        self.lm_calls += counters.lm_calls
        self.prompt_tokens += counters.prompt_tokens
        self.cached_tokens += counters.cached_tokens
        self.generated_tokens += counters.completion_tokens

    def row(self) -> str:
        n = max(self.questions, 1)
        return (
            f"{self.agent:15s} {self.set:11s} {self.correct:3d}/{self.questions:<3d} {self.correct / n:6.3f} "
            f"{self.seconds / n:8.2f} {self.lm_calls / n:6.2f} {self.prompt_tokens / n:8.1f} "
            f"{self.cached_tokens / n:8.1f} {self.generated_tokens / n:6.1f}"
        )


HEADER = (
    f"{'agent':15s} {'set':11s} {'right':7s} {'acc':>6s} {'s/q':>8s} {'calls':>6s} "
    f"{'prompt':>8s} {'reused':>8s} {'gen':>6s}"
)


def _tool_sets(limit: int) -> dict[str, list[tuple[str, str]]]:
    from reasoning.datasets import arithmetic_questions, word_problems

    return {
        "arithmetic": [(q.question, q.answer) for q in arithmetic_questions(n=limit, seed=7)],
        "word": [(q.question, q.answer) for q in word_problems(n=limit, seed=11)],
    }


def _score_tool_agent(
    kind: str, lm: ChatModel, sets: dict[str, list[tuple[str, str]]], log: Callable[[str], None]
) -> list[SetScore]:
    scores = []
    for name, questions in sets.items():
        score = SetScore(kind, name)
        for question, want in questions:
            t0 = time.monotonic()
            r = run_task(kind, {"question": question, "tools": ["calculator"]}, lm=lm)
            seconds = time.monotonic() - t0
            hit = r.ok and same_answer(r.answer, want)
            score.add(hit, seconds, r.counters)
            log(
                f"{kind:7s} {name:10s} {'ok ' if hit else 'BAD'} calls={r.counters.lm_calls} {seconds:6.1f}s "
                f"got={r.answer or r.error!s:.40} want={want}"
            )
        scores.append(score)
    return scores


def _score_neuro_symbolic(lm: ChatModel, limit: int, log: Callable[[str], None]) -> SetScore:
    from reasoning.datasets import generate_university, university_questions

    data = generate_university(departments=2, scale=0.3)
    turtle = data.turtle()
    score = SetScore("neuro-symbolic", "university")
    for q in university_questions(data, n=limit, seed=3):
        t0 = time.monotonic()
        r = run_task("neuro-symbolic", {"question": q.question, "data": {"format": "turtle", "text": turtle}}, lm=lm)
        seconds = time.monotonic() - t0
        hit = r.ok and same_answer(r.answer, q.answer)
        score.add(hit, seconds, r.counters)
        log(
            f"neuro   {'ok ' if hit else 'BAD'} calls={r.counters.lm_calls} {seconds:6.1f}s "
            f"{q.id}: got={r.answer or r.error!s:.50} want={q.answer:.50}"
        )
    return score


def _merge(scores: Sequence[SetScore], agent: str) -> SetScore | None:
    mine = [s for s in scores if s.agent == agent]
    if not mine:
        return None
    return SetScore(
        agent,
        "all",
        questions=sum(s.questions for s in mine),
        correct=sum(s.correct for s in mine),
        seconds=sum(s.seconds for s in mine),
        lm_calls=sum(s.lm_calls for s in mine),
    )


def run_bench(
    sample: int = 40,
    lm: ChatModel | None = None,
    log: Callable[[str], None] = print,
    *,
    agents: Sequence[str] = ("react", "rewoo", "neuro-symbolic"),
) -> dict[str, Any]:
    """Run the agents on their sets (``sample`` questions each); return the summary.

    The summary has :data:`SUMMARY_KEYS` (None for what was not run), then ``table`` (one
    text row per agent and set), ``load_avg`` (1-minute load average before and after)
    and ``cpu_s`` / ``wall_s`` of the run.
    """
    load_before = os.getloadavg()[0]
    t0, cpu0 = time.monotonic(), time.process_time()
    if lm is None:
        from agents.lm.factory import default_lm

        lm = default_lm()
    lm.warm()  # the model loads once, before anything is timed
    scores: list[SetScore] = []
    sets = _tool_sets(sample)
    for kind in TOOL_AGENTS:
        if kind in agents:
            scores += _score_tool_agent(kind, lm, sets, log)
    if "neuro-symbolic" in agents:
        scores.append(_score_neuro_symbolic(lm, sample, log))
    summary: dict[str, Any] = dict.fromkeys(SUMMARY_KEYS)
    for kind in ("react", "rewoo", "neuro-symbolic"):
        total = _merge(scores, kind)
        if total is None or not total.questions:
            continue
        key = kind.replace("-", "_")
        summary[f"{key}_acc"] = round(total.correct / total.questions, 3)
        summary[f"{key}_s"] = round(total.seconds / total.questions, 2)
        if kind in TOOL_AGENTS:
            summary[f"{key}_lm_calls"] = round(total.lm_calls / total.questions, 2)
    summary["table"] = [HEADER, *(s.row() for s in scores)]
    summary["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    summary["cpu_s"] = round(time.process_time() - cpu0, 1)
    summary["wall_s"] = round(time.monotonic() - t0, 1)
    return summary
