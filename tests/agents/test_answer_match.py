"""Benchmark scoring: an answer states a number however it is written."""

from __future__ import annotations

import pytest

from agents.answer import answer_number, same_answer


@pytest.mark.parametrize("got", ["191", "191.0", "330 - 139 = 191", "$191.00", "191 dollars", " 191. "])
def test_the_same_number_is_the_same_answer(got: str) -> None:
    assert same_answer(got, "191")


@pytest.mark.parametrize("got", ["19.1", "-191", "1910", "between 191 and 192", "330 - 139", "", None])
def test_other_answers_differ(got: str | None) -> None:
    assert not same_answer(got, "191")


def test_answer_number_reads_thousands_separators_and_text() -> None:
    assert answer_number("1,234.50 km") == "1234.5"
    assert answer_number("Paris") is None
    assert same_answer("Paris", "paris") is False and same_answer("Paris", "Paris")
