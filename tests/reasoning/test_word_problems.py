"""The word-problem set: seeded, every kind present, answers exact and short."""

from __future__ import annotations

from fractions import Fraction

from reasoning.datasets import WORD_PROBLEM_KINDS, word_problems
from reasoning.tools.calculator import evaluate, format_number


def test_forty_questions_cover_every_kind_with_exact_answers() -> None:
    problems = word_problems(40, seed=11)
    assert len(problems) == 40 and len({p.question for p in problems}) == 40
    assert {p.kind for p in problems} == set(WORD_PROBLEM_KINDS)
    for p in problems:
        value = evaluate(p.expression)
        assert isinstance(value, Fraction) and (value * 100).denominator == 1
        assert p.answer == format_number(value)


def test_seeded() -> None:
    assert word_problems(12, seed=3) == word_problems(12, seed=3)
    assert word_problems(12, seed=3) != word_problems(12, seed=4)
