"""Errors of the agents package; every one derives from :class:`AgentError`.

Agent runs never raise these to the caller of :func:`agents.run_task`: they end up as
an error result. They are raised by the building blocks (model file, LM, specs).
"""

from __future__ import annotations

from reasoning.errors import ReasoningError

__all__ = ["AgentError", "BudgetExceeded", "LMError", "ModelFileError", "TaskSpecError"]


class AgentError(ReasoningError):
    """Root of every error raised by :mod:`agents` (under the reasoning errors, which it builds on)."""


class ModelFileError(AgentError, OSError):
    """The embedded model file is missing, incomplete or fails its pinned sha256."""


class LMError(AgentError, RuntimeError):
    """The language model could not be reached or failed to answer."""


class BudgetExceeded(AgentError):
    """A run used up one of its budgets (steps, tokens or seconds)."""

    def __init__(self, budget: str, used: float, limit: float) -> None:
        self.budget = budget
        self.used = used
        self.limit = limit
        super().__init__(f"budget exhausted: {budget} used {used:g} of {limit:g}")


class TaskSpecError(AgentError, ValueError):
    """A task input does not match its kind's schema; the message names the field."""

    def __init__(self, kind: str, field: str, message: str) -> None:
        self.kind = kind
        self.field = field
        super().__init__(f"{kind} input: field {field!r}: {message}")
