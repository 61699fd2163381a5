"""Generated evaluation sets: sizes, determinism, exact answers."""

from __future__ import annotations

from reasoning.datasets import (
    arithmetic_questions,
    game24_instances,
    game24_solvable,
    generate_university,
    university_questions,
)
from reasoning.tools import calculator_tool


def test_game24_set_counts() -> None:
    instances = game24_instances()
    assert len(instances) == 1820
    assert sum(i.solvable for i in instances) == 1362  # the known count for 1..13
    assert game24_solvable((3, 3, 8, 8)) and not game24_solvable((1, 1, 1, 1))


def test_university_generator_is_seeded_and_scales() -> None:
    a = generate_university(1, 2, seed=5, scale=0.2)
    assert a.turtle() == generate_university(1, 2, seed=5, scale=0.2).turtle()
    assert a.ntriples != generate_university(1, 2, seed=6, scale=0.2).ntriples
    big = generate_university(1, 4, seed=5, scale=0.2)
    assert big.triples > 1.5 * a.triples
    assert a.triples == a.ntriples.count("\n")


def test_questions_cover_kinds_of_inference() -> None:
    data = generate_university(1, 2, seed=5, scale=0.2)
    questions = university_questions(data, n=22)
    assert len({q.id for q in questions}) == 22
    needs = {n for q in questions for n in q.needs}
    assert {"subclass", "transitive", "inverse", "subproperty", "equivalent-class", "range"} <= needs
    assert university_questions(data, n=22) == questions


def test_arithmetic_answers_match_the_calculator() -> None:
    calc = calculator_tool()
    questions = arithmetic_questions(25, seed=4)
    assert len(questions) == 25
    for q in questions:
        assert calc.call({"expression": q.expression}) == q.answer
    assert arithmetic_questions(25, seed=4) == questions
