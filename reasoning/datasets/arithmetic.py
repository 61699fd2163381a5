"""Arithmetic word questions for the calculator tool, with exact answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from reasoning.tools.calculator import evaluate, format_number

__all__ = ["ArithmeticQuestion", "arithmetic_questions"]


@dataclass(frozen=True)
class ArithmeticQuestion:
    """``expression`` is one calculator call that answers ``question``; ``answer`` is canonical."""

    id: str
    question: str
    expression: str
    answer: str


def arithmetic_questions(n: int = 20, seed: int = 0) -> list[ArithmeticQuestion]:
    """Generate ``n`` seeded questions; answers are checked against the exact calculator."""
    rng = random.Random(seed)
    out: list[ArithmeticQuestion] = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            a, b, c = rng.randint(100, 999), rng.randint(10, 99), rng.randint(2, 9)
            q, e = f"What is {a} times {b}, plus {c}?", f"{a} * {b} + {c}"
        elif kind == 1:
            price, qty, pct = rng.randint(5, 80), rng.randint(2, 12), rng.choice((10, 15, 20, 25))
            q = f"A ticket costs {price} dollars. How much do {qty} tickets cost with a {pct}% discount?"
            e = f"{price} * {qty} * (100 - {pct}) / 100"
        elif kind == 2:
            a = rng.randint(2, 30) ** 2
            q, e = f"What is the square root of {a}, minus 7?", f"sqrt({a}) - 7"
        elif kind == 3:
            a, b = rng.randint(1000, 9999), rng.randint(3, 40)
            q, e = f"What is {a} divided by {b}, rounded to 2 decimal places?", f"round({a} / {b}, 2)"
        else:
            base, exp = rng.randint(2, 9), rng.randint(3, 12)
            q, e = f"What is {base} to the power of {exp}, minus {base}?", f"{base} ** {exp} - {base}"
        value = evaluate(e)
        answer = format_number(value if isinstance(value, float) else Fraction(value))
        out.append(ArithmeticQuestion(f"arith-{i}", q, e, answer))
    return out
