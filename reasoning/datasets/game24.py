"""Every Game of 24 instance of four numbers from 1 to 13, with solvability by exhaustive search."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from itertools import combinations_with_replacement

__all__ = ["Game24Instance", "game24_instances", "game24_solvable"]


@dataclass(frozen=True)
class Game24Instance:
    numbers: tuple[int, int, int, int]
    solvable: bool


@cache
def _can_reach(values: tuple[Fraction, ...], target: Fraction) -> bool:
    """True when combining ``values`` (a sorted multiset) two at a time can end at ``target``."""
    if len(values) == 1:
        return values[0] == target
    n = len(values)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = values[i], values[j]
            rest = [values[k] for k in range(n) if k != i and k != j]
            results = {a + b, a - b, b - a, a * b}
            if b != 0:
                results.add(a / b)
            if a != 0:
                results.add(b / a)
            for value in results:
                if _can_reach(tuple(sorted(rest + [value])), target):
                    return True
    return False


def game24_solvable(numbers: tuple[int, ...], target: int = 24) -> bool:
    """True when some expression over ``numbers`` (each once, + - * /) equals ``target``."""
    return _can_reach(tuple(sorted(Fraction(n) for n in numbers)), Fraction(target))


def game24_instances(low: int = 1, high: int = 13) -> list[Game24Instance]:
    """All multisets of four numbers in [low, high] (1820 for 1..13), in lexicographic order."""
    return [
        Game24Instance(numbers=combo, solvable=game24_solvable(combo))
        for combo in combinations_with_replacement(range(low, high + 1), 4)
    ]
