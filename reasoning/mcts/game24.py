"""The Game of 24 as a search problem: combine four numbers with + - * / into 24.

Values are exact fractions; an action combines two of the remaining numbers. Actions
that give the same multiset of values are merged, which keeps the tree small enough
to exhaust when an instance has no solution.
"""

from __future__ import annotations

from collections.abc import Sequence
import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from reasoning.mcts.problem import SearchResult
from reasoning.mcts.search import MCTS

__all__ = ["Game24", "solve_game24", "TARGET"]

TARGET = Fraction(24)
Item = tuple[Fraction, str]  # value and the expression that made it
State = tuple[Item, ...]
Action = tuple[int, int, str]  # indices into the state and an operator


def _strip(expr: str) -> str:
    return expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr


def _apply(a: Fraction, op: str, b: Fraction) -> Fraction | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


@lru_cache(maxsize=200_000)
def _moves(values: tuple[Fraction, ...]) -> tuple[Action, ...]:
    # actions depend only on the sorted values, so they are shared by every state and instance
    seen: set[tuple[Fraction, ...]] = set()
    out: list[Action] = []
    for i in range(len(values)):
        for j in range(len(values)):
            if i == j:
                continue
            for op in "+-*/":
                if op in "+*" and i > j:  # commutative: one order is enough
                    continue
                value = _apply(values[i], op, values[j])
                if value is None:
                    continue
                rest = [v for k, v in enumerate(values) if k not in (i, j)]
                key = tuple(sorted(rest + [value]))
                if key not in seen:
                    seen.add(key)
                    out.append((i, j, op))
    return tuple(out)


@dataclass(frozen=True)
class Game24:
    """Reach ``target`` from ``numbers``, each used exactly once."""

    numbers: tuple[int, ...]
    target: Fraction = TARGET

    def initial_state(self) -> State:
        return tuple(sorted((Fraction(n), str(n)) for n in self.numbers))

    def actions(self, state: State) -> Sequence[Action]:
        return _moves(tuple(v for v, _ in state))

    def step(self, state: State, action: Action) -> State:
        i, j, op = action
        value = _apply(state[i][0], op, state[j][0])
        assert value is not None
        expr = f"({state[i][1]} {op} {state[j][1]})"
        rest = [item for k, item in enumerate(state) if k not in (i, j)]
        return tuple(sorted(rest + [(value, expr)], key=lambda it: (it[0], it[1])))

    def state_key(self, state: State) -> tuple[Fraction, ...]:
        """Positions with the same values are the same position, whatever their expressions."""
        return tuple(v for v, _ in state)

    def is_terminal(self, state: State) -> bool:
        return len(state) == 1

    def reward(self, state: State) -> float:
        if len(state) != 1:
            return 0.0
        gap = abs(state[0][0] - self.target)
        # near misses score a little, which steers UCT; only an exact hit scores 1
        return 1.0 if gap == 0 else 0.5 * max(0.0, 1.0 - float(gap) / float(self.target))

    def random_action(self, state: State, rng: random.Random) -> Action:
        """A uniform random legal action, without the merging :meth:`actions` does (cheap playouts)."""
        n = len(state)
        while True:
            i, j = rng.sample(range(n), 2)
            op = "+-*/"[rng.randrange(4)]
            if op != "/" or state[j][0] != 0:
                return (i, j, op)

    def solution(self, state: State, actions: list[Action]) -> str:
        """The expression that reaches the target, e.g. ``(8 / (3 - (8 / 3)))``."""
        return _strip(state[0][1])


def solve_game24(
    numbers: Sequence[int], *, max_simulations: int = 20_000, max_seconds: float | None = None, seed: int = 0
) -> SearchResult[State, Action]:
    """Search for an expression over ``numbers`` equal to 24.

    ``result.solution`` is the expression; ``result.proven_unsolvable`` is True when the
    search exhausted every combination.
    """
    if len(numbers) < 1 or any(not isinstance(n, int) or isinstance(n, bool) for n in numbers):
        raise ValueError(f"numbers: expected a non-empty list of integers, got {list(numbers)!r}")
    problem = Game24(tuple(numbers))
    policy = lambda p, state, rng: p.random_action(state, rng)  # noqa: E731
    return MCTS(problem, seed=seed, exploration=0.7, rollout_policy=policy).run(
        max_simulations=max_simulations, max_seconds=max_seconds
    )
