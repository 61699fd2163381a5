"""Canonical answers: one text per meaning, so that honest redundant nodes agree byte for byte."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from agents.trace import canonical_json

__all__ = ["canonical_answer", "canonical_list", "canonical_number"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_FRACTION = re.compile(r"^[+-]?\d+\s*/\s*\d+$")


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
