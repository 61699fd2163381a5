"""Problems an LM can solve step by step, each with an exact verifier of its steps.

The model proposes steps as text; the domain decides whether a step is legal and what
state it leads to, so a wrong or invented step can never enter the search tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Protocol

__all__ = ["Game24Steps", "Game24State", "StepDomain"]


class StepDomain(Protocol):
    """What the LATS agent needs from a problem."""

    name: str
    instructions: str

    def initial(self) -> object: ...

    def describe(self, state: object) -> str: ...

    def apply(self, state: object, step: str) -> object | None: ...

    def key(self, state: object) -> object: ...

    def is_terminal(self, state: object) -> bool: ...

    def reward(self, state: object) -> float: ...

    def estimate(self, state: object) -> float: ...

    def answer(self, state: object) -> str: ...


@dataclass(frozen=True)
class Game24State:
    values: tuple[Fraction, ...]
    exprs: tuple[str, ...]


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


_NUM = r"(\d+(?:/\d+)?)"
_STEP = re.compile(rf"^\s*{_NUM}\s*([-+*/x×÷])\s*{_NUM}")
_OPS = {"+": "+", "-": "-", "*": "*", "x": "*", "×": "*", "/": "/", "÷": "/"}


def _combine(a: Fraction, op: str, b: Fraction) -> Fraction | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b != 0 else None


class Game24Steps:
    """Game of 24: four numbers, each step combines two of those left with + - * /."""

    name = "game24"
    instructions = (
        "Game of 24: combine the numbers with + - * / to reach exactly 24. "
        'A step combines two of the numbers left into one, written like "4 * 6".'
    )

    def __init__(self, numbers: list[int] | tuple[int, ...]) -> None:
        self.numbers = tuple(int(n) for n in numbers)

    def initial(self) -> Game24State:
        return Game24State(tuple(Fraction(n) for n in self.numbers), tuple(str(n) for n in self.numbers))

    def describe(self, state: object) -> str:
        assert isinstance(state, Game24State)
        return "Numbers left: " + " ".join(_fmt(v) for v in state.values)

    def apply(self, state: object, step: str) -> Game24State | None:
        assert isinstance(state, Game24State)
        m = _STEP.match(step)
        if not m:
            return None
        a, op, b = Fraction(m.group(1)), _OPS[m.group(2)], Fraction(m.group(3))
        values = list(state.values)
        try:
            i = values.index(a)
            j = next(k for k, v in enumerate(values) if v == b and k != i)
        except (ValueError, StopIteration):
            return None
        result = _combine(a, op, b)
        if result is None:
            return None
        expr = f"({state.exprs[i]} {op} {state.exprs[j]})"
        rest = [k for k in range(len(values)) if k not in (i, j)]
        return Game24State(
            tuple(values[k] for k in rest) + (result,),
            tuple(state.exprs[k] for k in rest) + (expr,),
        )

    def key(self, state: object) -> object:
        assert isinstance(state, Game24State)
        return tuple(sorted(state.values))

    def is_terminal(self, state: object) -> bool:
        assert isinstance(state, Game24State)
        return len(state.values) == 1

    def reward(self, state: object) -> float:
        assert isinstance(state, Game24State)
        return 1.0 if len(state.values) == 1 and state.values[0] == 24 else 0.0

    def estimate(self, state: object) -> float:
        """Exact for two numbers left (can one operation reach 24?), 0.5 otherwise."""
        assert isinstance(state, Game24State)
        if len(state.values) == 1:
            return self.reward(state)
        if len(state.values) == 2:
            a, b = state.values
            outcomes = {_combine(a, op, b) for op in "+-*/"} | {_combine(b, op, a) for op in "-/"}
            return 1.0 if Fraction(24) in outcomes else 0.0
        return 0.5

    def answer(self, state: object) -> str:
        assert isinstance(state, Game24State)
        expr = state.exprs[0]
        return expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr

    def legal_pairs(self, state: Game24State) -> list[tuple[int, int]]:
        return list(combinations(range(len(state.values)), 2))
