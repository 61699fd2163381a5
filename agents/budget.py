"""Budgets of a run (steps, tokens, seconds) and the counters that are checked against them."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.errors import BudgetExceeded
from agents.lm.client import ChatModel, LMReply
from agents.lm.template import Program
from agents.trace import Trace, canonical_json

__all__ = ["Budget", "Counters", "Meter"]


class Budget(BaseModel):
    """Limits of one run. ``steps`` counts agent steps (a ReAct turn, an MCTS expansion)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(8, ge=1, le=1000)
    tokens: int = Field(20_000, ge=1)
    seconds: float = Field(300.0, gt=0)


class Counters(BaseModel):
    """What a run cost.

    ``cached_tokens`` counts prompt tokens read from the model's warm system prompt; it
    depends on what ran before in the process, so it stays out of the trace (and its hash).
    """

    model_config = ConfigDict(extra="forbid")

    steps: int = 0
    lm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    simulations: int = 0
    seconds: float = 0.0


class Meter:
    """Counts a run's costs, records model calls in the trace and enforces the budget."""

    def __init__(self, budget: Budget, trace: Trace, lm: ChatModel | None = None) -> None:
        self.budget = budget
        self.trace = trace
        self.lm = lm
        self.counters = Counters()
        self._t0 = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` if tokens or seconds are used up."""
        used = self.counters.prompt_tokens + self.counters.completion_tokens
        if used >= self.budget.tokens:
            raise BudgetExceeded("tokens", used, self.budget.tokens)
        if self.elapsed() >= self.budget.seconds:
            raise BudgetExceeded("seconds", round(self.elapsed(), 3), self.budget.seconds)

    def step(self) -> None:
        """Start a new agent step; raise :class:`BudgetExceeded` past the step budget."""
        self.check()
        if self.counters.steps >= self.budget.steps:
            raise BudgetExceeded("steps", self.counters.steps + 1, self.budget.steps)
        self.counters.steps += 1

    def call_lm(
        self,
        purpose: str,
        system: str,
        turns: Sequence[tuple[str, str]],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        template: Callable[[], Program] | None = None,
        temperature: float = 0.0,
        seed_offset: int = 0,
    ) -> LMReply:
        """Call the model once, within the token budget, and record the call (see :meth:`ChatModel.complete`)."""
        if self.lm is None:
            raise RuntimeError("this run has no language model")
        self.check()
        remaining = self.budget.tokens - self.counters.prompt_tokens - self.counters.completion_tokens
        reply = self.lm.complete(
            system,
            turns,
            max_tokens=max(1, min(max_tokens, remaining)),
            schema=schema,
            stop=stop,
            template=template,
            temperature=temperature,
            seed_offset=seed_offset,
        )
        self.counters.lm_calls += 1
        self.counters.prompt_tokens += reply.prompt_tokens
        self.counters.completion_tokens += reply.completion_tokens
        self.counters.cached_tokens += reply.cached_tokens
        prompt_hash = hashlib.sha256(canonical_json([system, list(turns), schema]).encode()).hexdigest()
        self.trace.lm_call(purpose, prompt_hash, reply.text, reply.prompt_tokens, reply.completion_tokens)
        return reply

    def finish(self) -> Counters:
        self.counters.seconds = round(self.elapsed(), 3)
        return self.counters
