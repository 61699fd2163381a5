"""Multi-step arithmetic in words: percentages, unit conversions, fees, averages.

Each question is generated with the expression that answers it; the answer is that
expression evaluated by the exact calculator, so it never depends on a model. Values are
drawn so that every answer is a terminating decimal with at most two places (a question
whose answer is 4.333... would test rounding conventions, not reasoning).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from reasoning.tools.calculator import evaluate, format_number

__all__ = ["WORD_PROBLEM_KINDS", "WordProblem", "word_problems"]


@dataclass(frozen=True)
class WordProblem:
    """``expression`` answers ``question`` in one calculator call; ``answer`` is canonical."""

    id: str
    kind: str
    question: str
    expression: str
    answer: str


def _discount_tax(r: random.Random) -> tuple[str, str]:
    price, off, tax = r.randrange(20, 400, 4), r.choice((10, 20, 25, 30, 40)), r.choice((5, 8, 10))
    q = (
        f"A jacket costs {price} dollars. It is sold at {off}% off, and then {tax}% sales tax is added "
        "to the reduced price. What is the final price in dollars?"
    )
    return q, f"{price} * (100 - {off}) / 100 * (100 + {tax}) / 100"


def _speed(r: random.Random) -> tuple[str, str]:
    minutes = r.choice((10, 12, 15, 20, 30, 40, 48, 50))
    km = r.randint(2, 30)
    return (
        f"A cyclist rides {km} kilometres in {minutes} minutes. What is the average speed in kilometres per hour?",
        f"{km} / ({minutes} / 60)",
    )


def _grams(r: random.Random) -> tuple[str, str]:
    grams, loaves, spare = r.randrange(250, 900, 50), r.randint(3, 24), r.randint(1, 5)
    return (
        f"One loaf needs {grams} grams of flour. A baker makes {loaves} loaves and keeps {spare} kilograms "
        "of flour in reserve. How many kilograms of flour does the baker need in total?",
        f"{grams} * {loaves} / 1000 + {spare}",
    )


def _fee(r: random.Random) -> tuple[str, str]:
    fixed, pct, amount, times = r.randint(1, 5), r.choice((1, 2, 3, 5)), r.randrange(100, 2000, 50), r.randint(2, 6)
    return (
        f"A bank charges {fixed} dollars plus {pct}% of the amount for each transfer. What do {times} "
        f"transfers of {amount} dollars each cost in fees?",
        f"{times} * ({fixed} + {amount} * {pct} / 100)",
    )


def _store_cut(r: random.Random) -> tuple[str, str]:
    cut, sold, price = r.choice((15, 20, 30)), r.randint(40, 900), r.choice((2, 4, 5, 8, 10, 12))
    return (
        f"An app store keeps {cut}% of every sale. A developer sells {sold} copies of an app at {price} dollars "
        "each. How many dollars does the developer receive?",
        f"{sold} * {price} * (100 - {cut}) / 100",
    )


def _average(r: random.Random) -> tuple[str, str]:
    scores = [r.randint(50, 100) for _ in range(4)]
    return (
        f"A student scored {scores[0]}, {scores[1]}, {scores[2]} and {scores[3]} on four tests. "
        "What is the average score?",
        f"({' + '.join(map(str, scores))}) / 4",
    )


def _trip(r: random.Random) -> tuple[str, str]:
    h1, h2 = r.randint(2, 4), r.randint(2, 4)
    v1, v2 = r.randrange(40, 120, 5), r.randrange(40, 120, 5)
    return (
        f"A car drives {h1} hours at {v1} km/h and then {h2} hours at {v2} km/h. "
        "What is its average speed over the whole trip, in km/h?",
        f"({h1} * {v1} + {h2} * {v2}) / ({h1} + {h2})",
    )


def _overtime(r: random.Random) -> tuple[str, str]:
    wage, hours = r.randint(12, 40), r.randint(41, 55)
    return (
        f"A worker earns {wage} dollars an hour for the first 40 hours of a week and 1.5 times that rate for every "
        f"hour beyond 40. How much does the worker earn in a week of {hours} hours?",
        f"40 * {wage} + ({hours} - 40) * {wage} * 1.5",
    )


def _fuel(r: random.Random) -> tuple[str, str]:
    km, per100, price = r.randrange(100, 900, 20), r.choice((5, 6, 8, 10)), r.choice((1.5, 1.6, 1.8, 2))
    return (
        f"A car uses {per100} litres of fuel per 100 km. Fuel costs {price} dollars a litre. "
        f"What does the fuel for a {km} km trip cost, in dollars?",
        f"{km} / 100 * {per100} * {price}",
    )


def _growth(r: random.Random) -> tuple[str, str]:
    start, up, down = r.randrange(200, 5000, 100), r.choice((10, 20, 25, 50)), r.choice((10, 20, 40))
    return (
        f"A shop sold {start} items last year. Sales rose {up}% this year and are expected to fall {down}% next "
        "year. How many items is it expected to sell next year?",
        f"{start} * (100 + {up}) / 100 * (100 - {down}) / 100",
    )


WORD_PROBLEM_KINDS: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "discount-tax": _discount_tax,
    "speed": _speed,
    "grams": _grams,
    "fee": _fee,
    "store-cut": _store_cut,
    "average": _average,
    "trip": _trip,
    "overtime": _overtime,
    "fuel": _fuel,
    "growth": _growth,
}


def _short_decimal(value: object) -> bool:
    return isinstance(value, Fraction) and (value * 100).denominator == 1


def word_problems(n: int = 40, seed: int = 0) -> list[WordProblem]:
    """``n`` seeded questions, cycling through :data:`WORD_PROBLEM_KINDS`."""
    rng = random.Random(seed)
    kinds = list(WORD_PROBLEM_KINDS.items())
    out: list[WordProblem] = []
    while len(out) < n:
        name, make = kinds[len(out) % len(kinds)]
        question, expression = make(rng)
        value = evaluate(expression)
        if not _short_decimal(value):
            continue  # redraw: the answer must be exact in two decimals
        out.append(WordProblem(f"word-{len(out)}", name, question, expression, format_number(value)))
    return out
