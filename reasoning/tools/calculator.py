"""A safe arithmetic calculator: parsed to a syntax tree and walked over a whitelist.

Nothing is ever evaluated by Python itself. Rational arithmetic is exact
(:class:`fractions.Fraction`); only irrational functions (sqrt of a non-square, log,
exp, a fractional power) fall back to floats.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from reasoning.errors import ToolError
from reasoning.tools.base import Tool

__all__ = ["calculator_tool", "evaluate", "format_number"]

Number = Fraction | float

MAX_EXPRESSION_CHARS = 2000
MAX_BITS = 4096  # bounds numerators, denominators and powers: ~1200 decimal digits
MAX_EXPONENT = 10_000
_SIGNIFICANT = 12


class CalculatorError(ToolError):
    """An expression is malformed, unsupported or out of range."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"calculator: {reason}")


def _check(value: Number) -> Number:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CalculatorError("result is not a finite number")
        return value
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise CalculatorError(f"number too large (more than {MAX_BITS} bits)")
    return value


def _exact_sqrt(x: Fraction) -> Fraction | None:
    n, d = x.numerator, x.denominator
    rn, rd = math.isqrt(n), math.isqrt(d)
    if rn * rn == n and rd * rd == d:
        return Fraction(rn, rd)
    return None


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise CalculatorError(f"sqrt of a negative number ({format_number(x)})")
    if isinstance(x, Fraction):
        exact = _exact_sqrt(x)
        if exact is not None:
            return exact
    return math.sqrt(x)


def _log(x: Number, base: Number | None = None) -> Number:
    if x <= 0:
        raise CalculatorError(f"log of a non-positive number ({format_number(x)})")
    if base is None:
        return math.log(x)
    if base <= 0 or base == 1:
        raise CalculatorError(f"log base must be positive and not 1, got {format_number(base)}")
    return math.log(x) / math.log(base)


def _round(x: Number, ndigits: Number | None = None) -> Number:
    if ndigits is None:
        return Fraction(round(Fraction(x)))
    if not (isinstance(ndigits, Fraction) and ndigits.denominator == 1 and abs(ndigits) <= 100):
        raise CalculatorError("round: digits must be an integer between -100 and 100")
    return Fraction(round(Fraction(x), int(ndigits)))


def _as_int_function(fn: Callable[[Fraction], int]) -> Callable[[Number], Number]:
    return lambda x: Fraction(fn(Fraction(x)))


_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, min args, max args)
    "sqrt": (_sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "floor": (_as_int_function(math.floor), 1, 1),
    "ceil": (_as_int_function(math.ceil), 1, 1),
    "log": (_log, 1, 2),
    "ln": (_log, 1, 1),
    "log10": (lambda x: _log(x, Fraction(10)), 1, 1),
    "log2": (lambda x: _log(x, Fraction(2)), 1, 1),
    "exp": (lambda x: math.exp(x) if x < 700 else _overflow(), 1, 1),
    "min": (min, 1, 64),
    "max": (max, 1, 64),
    "sum": (lambda *xs: sum(xs, Fraction(0)), 1, 64),
    "mean": (lambda *xs: sum(xs, Fraction(0)) / len(xs), 1, 64),
    "avg": (lambda *xs: sum(xs, Fraction(0)) / len(xs), 1, 64),
}
_VARIADIC = frozenset({"min", "max", "sum", "mean", "avg"})
_CONSTANTS: dict[str, Number] = {"pi": math.pi, "e": math.e}


def _overflow() -> Number:
    raise CalculatorError("exp argument too large")


def _power(base: Number, exponent: Number) -> Number:
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        e = int(exponent)
        if abs(e) > MAX_EXPONENT:
            raise CalculatorError(f"exponent {e} too large (at most {MAX_EXPONENT})")
        if base == 0 and e < 0:
            raise CalculatorError("division by zero (0 to a negative power)")
        if isinstance(base, Fraction):
            bits = max(base.numerator.bit_length(), base.denominator.bit_length())
            if bits * abs(e) > MAX_BITS + 64:
                raise CalculatorError(f"result too large (more than {MAX_BITS} bits)")
            return base**e
    if base < 0:
        raise CalculatorError("negative base to a fractional power")
    try:
        return float(base) ** float(exponent)
    except OverflowError:
        raise CalculatorError("result too large") from None


def _binary(op: ast.operator, a: Number, b: Number) -> Number:
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, (ast.Div, ast.FloorDiv, ast.Mod)):
        if b == 0:
            raise CalculatorError("division by zero")
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.FloorDiv):
            return Fraction(math.floor(Fraction(a) / Fraction(b)))
        return a % b
    if isinstance(op, ast.Pow):
        return _power(a, b)
    raise CalculatorError(f"operator {type(op).__name__} is not supported")


def _walk(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _walk(node.body)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CalculatorError(f"unsupported literal {value!r:.40}")
        # a decimal literal is taken exactly as written (0.1 is 1/10, not a binary float)
        return _check(Fraction(value) if isinstance(value, int) else Fraction(Decimal(repr(value))))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _walk(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _check(_binary(node.op, _walk(node.left), _walk(node.right)))
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise CalculatorError(f"unknown name {node.id!r}; constants: {', '.join(_CONSTANTS)}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)[:40]
            raise CalculatorError(f"unknown function {shown!r}; functions: {', '.join(sorted(_FUNCTIONS))}")
        if node.keywords:
            raise CalculatorError(f"{node.func.id}: keyword arguments are not supported")
        fn, lo, hi = _FUNCTIONS[node.func.id]
        args = node.args
        if node.func.id in _VARIADIC and len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)):
            args = args[0].elts  # sum([1, 2, 3]) as models write it, the same as sum(1, 2, 3)
        if not lo <= len(args) <= hi:
            raise CalculatorError(f"{node.func.id} takes {lo}..{hi} arguments, got {len(args)}")
        return _check(fn(*[_walk(a) for a in args]))
    raise CalculatorError(f"unsupported syntax {type(node).__name__}: {ast.unparse(node)[:60]!r}")


def evaluate(expression: str) -> Number:
    """Evaluate an arithmetic expression; raise :class:`ToolError` if it is not one.

    Supports ``+ - * / // % **`` (``^`` as power), parentheses, unary minus, integer and
    decimal literals, ``pi``, ``e`` and ``sqrt abs round floor ceil log ln log10 log2 exp
    min max sum mean avg`` (the last five also over one list: ``sum([1, 2])``).
    """
    if not isinstance(expression, str):
        raise CalculatorError(f"expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(f"expression is {len(expression)} characters, limit {MAX_EXPRESSION_CHARS}")
    # '^' means power, as people write it. Python parses '^' as XOR, below '-' and '*'
    # ('5^3 - 5' would be 5 ** (3 - 5)), so it becomes '**' before parsing, which also
    # gives it the precedence and right associativity of a power.
    text = expression.replace("×", "*").replace("÷", "/").replace("−", "-").replace("^", "**").strip()
    if not text:
        raise CalculatorError("expression is empty")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CalculatorError(f"cannot parse {expression!r:.80}: {getattr(exc, 'msg', exc)}") from None
    try:
        return _walk(tree)
    except RecursionError:
        raise CalculatorError("expression nested too deeply") from None
    except (OverflowError, ValueError, ZeroDivisionError) as exc:
        raise CalculatorError(str(exc)) from None


def format_number(value: Number) -> str:
    """Render a number canonically: integers as ints, others as a short decimal."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(value, f".{_SIGNIFICANT}g")
        return text
    if value.denominator == 1:
        return str(value.numerator)
    dec = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(dec, f".{_SIGNIFICANT}g")
    if "e" not in text and "E" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def calculator_tool() -> Tool:
    """Return the ``calculator`` tool: one argument ``expression`` (a string)."""

    def calculator(expression: str) -> str:
        return format_number(evaluate(expression))

    return Tool(
        name="calculator",
        description=(
            "Evaluate an arithmetic expression exactly, e.g. '(3 + 4) * 2 / 7' or 'sqrt(2) * 10'. "
            "Operators + - * / // % ** ^; functions sqrt abs round floor ceil log ln exp min max sum mean."
        ),
        parameters={
            "type": "object",
            "properties": {"expression": {"type": "string", "description": "the expression"}},
            "required": ["expression"],
        },
        fn=calculator,
    )
