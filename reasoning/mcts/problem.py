"""What MCTS searches: a single-agent problem, and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["A", "Problem", "S", "SearchResult"]

S = TypeVar("S")
A = TypeVar("A")


class Problem(Protocol[S, A]):
    """A single-agent search problem; a terminal state with reward 1.0 is a solution.

    Implementations must be deterministic: the same state gives the same actions in
    the same order, so that a seeded search is reproducible.
    """

    def initial_state(self) -> S: ...

    def actions(self, state: S) -> Sequence[A]: ...

    def step(self, state: S, action: A) -> S: ...

    def is_terminal(self, state: S) -> bool: ...

    def reward(self, state: S) -> float:
        """Reward of a terminal state in [0, 1]; 1.0 means solved."""
        ...

    # Optional, found by name: ``state_key(state)`` (a hashable transposition key: states
    # with equal keys have equal futures) and ``solution(state, actions)`` (the rendering
    # stored in :attr:`SearchResult.solution`).


@dataclass(frozen=True)
class SearchResult(Generic[S, A]):
    """Outcome of a search.

    Attributes:
        solved: A terminal state with reward 1 was reached.
        solution: The domain's rendering of the solution (an expression, a plan), or None.
        actions: Actions from the initial state to the best terminal state found.
        reward: Reward of that state (1.0 when solved).
        proven_unsolvable: The whole tree was searched and no state has reward 1.
        simulations: Select-expand-rollout-backpropagate iterations used.
        seconds: Wall time.
        nodes: Tree nodes created.
    """

    solved: bool
    solution: Any
    actions: list[A] = field(default_factory=list)
    reward: float = 0.0
    proven_unsolvable: bool = False
    simulations: int = 0
    seconds: float = 0.0
    nodes: int = 0
