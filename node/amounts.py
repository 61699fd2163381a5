"""Token amounts as people write them (``"12.5"``, ``"1_000"``, ``"123wei"``) and as the chain keeps them.

The chain keeps every amount as an integer in the token's base units (18 decimals); people
write whole tokens. This module converts between the two and nothing else, so that the node's
settings, the command line and the devnet read amounts the same way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

from contracts.errors import ConfigError

__all__ = ["DECIMALS", "AmountError", "fmt_amount", "parse_amount"]

#: Decimals of the nashnet token: 1 token = 10**18 base units.
DECIMALS = 18
# Digits of the largest uint256 (about 1.16e77), an upper bound on any amount on chain.
_MAX_DIGITS = 78


class AmountError(ConfigError, ValueError):
    """A token amount that is not a non-negative number of tokens with at most 18 decimals.

    Attributes:
        field: where the amount came from (a flag or a settings key), named in the message.
        text: the text as given.
    """

    def __init__(self, field: str, text: str, problem: str) -> None:
        self.field = field
        self.text = text
        super().__init__(f"{field}: {text!r} {problem}")


def parse_amount(text: str, field: str = "amount") -> int:
    """Whole tokens (``"12.5"``) to base units; ``"123wei"`` is taken as base units already.

    Underscores group digits (``"1_000"``); case and surrounding spaces do not matter.

    Raises:
        AmountError: not a number, negative, or finer than one base unit; the message names ``field``.
    """
    t = str(text).strip().lower().replace("_", "")
    whole_units = t.endswith("wei")
    try:
        d = Decimal(t[:-3].strip() if whole_units else t)
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or (whole_units and d != d.to_integral_value()):
        raise AmountError(field, text, "is not a number of tokens (e.g. 1000 or 0.5 or 123wei)")
    if d < 0:
        raise AmountError(field, text, "is negative; expected 0 or more tokens")
    if d.adjusted() > _MAX_DIGITS:
        raise AmountError(field, text, "is more than a uint256 can hold")
    if not whole_units:
        # Exact: the default context (28 digits) would round long amounts silently.
        with localcontext() as ctx:
            ctx.prec = max(_MAX_DIGITS, len(d.as_tuple().digits)) + DECIMALS + 4
            d = d.scaleb(DECIMALS)
        if d != d.to_integral_value():
            raise AmountError(field, text, f"has more than {DECIMALS} decimals")
    value = int(d)
    if value >= 2**256:
        raise AmountError(field, text, "is more than a uint256 can hold")
    return value


def fmt_amount(value: int) -> str:
    """Base units to a token amount for people: ``1500000000000000000`` → ``"1.5"``, with thousands commas."""
    sign = "-" if int(value) < 0 else ""
    whole, frac = divmod(abs(int(value)), 10**DECIMALS)
    if frac == 0:
        return f"{sign}{whole:,}"
    return f"{sign}{whole:,}.{str(frac).rjust(DECIMALS, '0').rstrip('0')}"
