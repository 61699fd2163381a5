"""The symbolic fast path: problems with an exact verifier are searched without a model.

Game of 24 and blocks world have exact rewards, so reasoning's MCTS-Solver finds a
verified solution (or proves there is none) in milliseconds; a model would only add
cost and doubt.
"""

from __future__ import annotations

from typing import Any

from agents.budget import Budget, Meter
from agents.errors import BudgetExceeded
from agents.result import AgentResult
from agents.specs import BlocksSpec, Game24Spec
from agents.trace import Trace, canonical_json
from reasoning import SearchResult, solve_blocks, solve_game24

__all__ = ["GAME24_SIMULATIONS", "BLOCKS_SIMULATIONS", "UNSOLVABLE", "solve_symbolic"]

GAME24_SIMULATIONS = 20_000
BLOCKS_SIMULATIONS = 5_000
UNSOLVABLE = "unsolvable"


def solve_symbolic(spec: Game24Spec | BlocksSpec, budget: Budget | None = None) -> AgentResult:
    """Solve ``spec`` exactly; the answer is the solution, or ``"unsolvable"`` when proven so."""
    budget = budget or Budget()
    trace = Trace()
    meter = Meter(budget, trace)
    result: SearchResult[Any, Any]
    if isinstance(spec, Game24Spec):
        trace.add("task", kind="mcts", problem="game24", numbers=list(spec.numbers), mode="symbolic")
        result = solve_game24(list(spec.numbers), max_simulations=GAME24_SIMULATIONS, max_seconds=budget.seconds)
    else:
        trace.add("task", kind="mcts", problem="blocks", start=spec.start, goal=spec.goal, mode="symbolic")
        result = solve_blocks(spec.start, spec.goal, max_simulations=BLOCKS_SIMULATIONS, max_seconds=budget.seconds)
    meter.counters.simulations = result.simulations
    meter.counters.steps = len(result.actions)
    trace.add(
        "search",
        solved=result.solved,
        proven_unsolvable=result.proven_unsolvable,
        simulations=result.simulations,
        nodes=result.nodes,
    )
    if result.solved:
        answer = result.solution if isinstance(result.solution, str) else canonical_json(result.solution)
        return AgentResult.success("mcts", answer, trace, meter)
    if result.proven_unsolvable:
        return AgentResult.success("mcts", UNSOLVABLE, trace, meter)
    return AgentResult.failure(
        "mcts", BudgetExceeded("simulations", result.simulations, result.simulations), trace, meter
    )
