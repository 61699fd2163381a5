"""The Game of 24 as a search problem: combine four numbers with + - * / into 24.

Values are exact rationals (integer pairs: as exact as fractions, cheaper to hash); an action combines two of the remaining numbers. Actions
that give the same multiset of values are merged, which keeps the tree small enough
to exhaust when an instance has no solution.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd

from reasoning.mcts.problem import SearchResult
from reasoning.mcts.search import MCTS

__all__ = ["TARGET", "Game24", "solve_game24"]

TARGET = Fraction(24)
Rational = tuple[int, int]  # reduced numerator, positive denominator: exact and cheap to hash
State = tuple[tuple[Rational, ...], tuple[str, ...]]  # sorted values and their expressions
Action = tuple[int, int, str]  # indices into the state and an operator


def _strip(expr: str) -> str:
    return expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr


def _make(num: int, den: int) -> Rational:
    if den < 0:
        num, den = -num, -den
    g = gcd(num, den)
    return (num // g, den // g) if g > 1 else (num, den)


def _apply(a: Rational, op: str, b: Rational) -> Rational | None:
    (an, ad), (bn, bd) = a, b
    if op == "+":
        return _make(an * bd + bn * ad, ad * bd)
    if op == "-":
        return _make(an * bd - bn * ad, ad * bd)
    if op == "*":
        return _make(an * bn, ad * bd)
    return None if bn == 0 else _make(an * bd, ad * bn)


def _order(value: Rational) -> tuple[float, int, int]:
    # a total order that is the same on every run; ties of the float are broken exactly
    return (value[0] / value[1], value[0], value[1])


@lru_cache(maxsize=200_000)
def _moves(values: tuple[Rational, ...]) -> tuple[Action, ...]:
    # actions depend only on the sorted values, so they are shared by every state and instance
    seen: set[tuple[Rational, ...]] = set()
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
                key = tuple(sorted(rest + [value], key=_order))
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
        items = sorted(((n, 1), str(n)) for n in self.numbers)
        return tuple(v for v, _ in items), tuple(e for _, e in items)

    def actions(self, state: State) -> Sequence[Action]:
        return _moves(state[0])

    def step(self, state: State, action: Action) -> State:
        i, j, op = action
        values, exprs = state
        value = _apply(values[i], op, values[j])
        assert value is not None
        items = [(values[k], exprs[k]) for k in range(len(values)) if k != i and k != j]
        items.append((value, f"({exprs[i]} {op} {exprs[j]})"))
        items.sort(key=lambda it: (_order(it[0]), it[1]))
        return tuple(v for v, _ in items), tuple(e for _, e in items)

    def state_key(self, state: State) -> tuple[Rational, ...]:
        """Positions with the same values are the same position, whatever their expressions."""
        return state[0]

    def is_terminal(self, state: State) -> bool:
        return len(state[0]) == 1

    def reward(self, state: State) -> float:
        if len(state[0]) != 1:
            return 0.0
        num, den = state[0][0]
        if den == 1 and num == self.target:
            return 1.0
        # near misses score a little, which steers UCT; only an exact hit scores 1
        gap = abs(num / den - float(self.target))
        return 0.5 * max(0.0, 1.0 - gap / float(self.target))

    def random_action(self, state: State, rng: random.Random) -> Action:
        """A uniform random legal action, without the merging :meth:`actions` does (cheap playouts)."""
        n = len(state[0])
        while True:
            i, j = rng.sample(range(n), 2)
            op = "+-*/"[rng.randrange(4)]
            if op != "/" or state[0][j][0] != 0:
                return (i, j, op)

    def solution(self, state: State, actions: list[Action]) -> str:
        """The expression that reaches the target, e.g. ``8 / (3 - (8 / 3))``."""
        return _strip(state[1][0])


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
    policy = lambda p, state, rng: p.random_action(state, rng)
    return MCTS(problem, seed=seed, exploration=0.7, rollout_policy=policy).run(
        max_simulations=max_simulations, max_seconds=max_seconds
    )
