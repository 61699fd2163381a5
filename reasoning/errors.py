"""Errors of the reasoning package; every one derives from :class:`ReasoningError`.

Where a builtin exception fits, it is inherited too, so callers may catch either
(``except KeyError`` works for an unknown tool, ``except TimeoutError`` for a query).
"""

from __future__ import annotations

__all__ = [
    "InputTooLarge",
    "QueryTimeout",
    "RDFParseError",
    "ReasoningError",
    "SparqlError",
    "ToolArgumentError",
    "ToolError",
    "UnknownToolError",
]


class ReasoningError(Exception):
    """Root of every error raised by :mod:`reasoning`."""


class ToolError(ReasoningError):
    """A tool failed; the message starts with the tool's name and says why."""


class UnknownToolError(ToolError, KeyError):
    """A tool name is not in the toolbox."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = list(known)
        super().__init__(
            f"unknown tool {name!r}: expected one of {', '.join(self.known) or '(none)'}"
        )

    def __str__(self) -> str:  # KeyError would quote the whole message otherwise
        return str(self.args[0])


class ToolArgumentError(ToolError, ValueError):
    """Arguments given to a tool do not match its JSON schema."""

    def __init__(self, tool: str, field: str, message: str) -> None:
        self.tool = tool
        self.field = field
        super().__init__(f"{tool}: argument {field!r}: {message}")


class QueryTimeout(ReasoningError, TimeoutError):
    """A query ran past its time limit and was stopped."""

    def __init__(self, timeout_s: float, what: str = "SPARQL query") -> None:
        self.timeout_s = timeout_s
        super().__init__(
            f"{what} exceeded its time limit of {timeout_s:g} s and was stopped; "
            "narrow the query (add LIMIT or more selective patterns) or raise timeout_s"
        )


class InputTooLarge(ReasoningError, ValueError):
    """An input exceeds a configured size limit."""

    def __init__(self, field: str, size: int, limit: int, unit: str = "bytes") -> None:
        self.field = field
        self.size = size
        self.limit = limit
        super().__init__(f"{field} is {size} {unit}, more than the limit of {limit} {unit}")


class RDFParseError(ReasoningError, ValueError):
    """RDF text could not be parsed; carries the format and, when known, the line."""

    def __init__(self, fmt: str, reason: str, line: int | None = None) -> None:
        self.format = fmt
        self.line = line
        where = f" at line {line}" if line is not None else ""
        super().__init__(f"malformed {fmt}{where}: {reason}")


class SparqlError(ReasoningError, ValueError):
    """A SPARQL query is malformed or failed while running."""
