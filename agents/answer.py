"""Canonical answers: one text per meaning, so that honest redundant nodes agree byte for byte."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from agents.trace import canonical_json

__all__ = ["answer_number", "canonical_answer", "canonical_list", "canonical_number", "same_answer"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_FRACTION = re.compile(r"^[+-]?\d+\s*/\s*\d+$")
_NUMBER_IN_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")


def canonical_number(text: str) -> str | None:
    """``"42.0"`` → ``"42"``, ``"1,234.50"`` → ``"1234.5"``, ``"3/6"`` → ``"1/2"``; else None."""
    raw = text.strip().replace(",", "").replace("_", "")
    if _FRACTION.match(raw):
        num, den = (int(p) for p in raw.split("/"))
        if den == 0:
            return None
        value = Fraction(num, den)
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if not _NUMBER.match(raw):
        return None
    try:
        value_d = Decimal(raw)
    except InvalidOperation:
        return None
    if value_d == value_d.to_integral_value():
        return str(int(value_d))
    # Twelve significant digits: floats from different libraries agree that far.
    rounded = Decimal(format(value_d, ".12g"))
    return format(rounded.normalize(), "f")


def canonical_answer(text: str) -> str:
    """Normalize a free-text answer: Unicode NFC, trimmed, single spaces, no trailing period.

    A lone number is rendered in :func:`canonical_number` form.
    """
    value = unicodedata.normalize("NFC", str(text)).strip()
    value = re.sub(r"\s+", " ", value)
    if value.startswith(("'", '"')) and value.endswith(("'", '"')) and len(value) >= 2:
        value = value[1:-1].strip()
    if value.endswith(".") and not _NUMBER.match(value):
        value = value[:-1].rstrip()
    number = canonical_number(value)
    return number if number is not None else value


def canonical_list(items: Iterable[str]) -> str:
    """A set of answers as a sorted, de-duplicated JSON array of canonical answers."""
    return canonical_json(sorted({canonical_answer(i) for i in items}))


def answer_number(text: str) -> str | None:
    """The number an answer states, in :func:`canonical_number` form, or None.

    ``"191"``, ``"330 - 139 = 191"``, ``"$191.00"`` and ``"191 dollars"`` all state 191: what
    follows the last ``=`` counts, and within it the only number written. Text with
    several numbers and no ``=`` ("between 3 and 4") states none.
    """
    value = canonical_answer(text)
    number = canonical_number(value)
    if number is not None:
        return number
    tail = value.rsplit("=", 1)[-1]
    found = _NUMBER_IN_TEXT.findall(tail)
    return canonical_number(found[0]) if len(found) == 1 else None


def same_answer(got: str | None, want: str) -> bool:
    """Whether answer ``got`` says ``want``: equal canonical text, or the same stated number."""
    if got is None:
        return False
    if canonical_answer(got) == canonical_answer(want):
        return True
    a, b = answer_number(got), answer_number(want)
    return a is not None and a == b
