"""Errors of the v2 allocation game (capped slots with posted clearing prices).

``ClearingError`` is the root of this subpackage, under the project's ``NashnetError``;
it also subclasses ``ValueError`` because every failure here is a bad value handed in
by the caller (or, for :class:`NoClearingPrices`, an instance the game cannot price).
"""

from __future__ import annotations

from contracts.errors import NashnetError

__all__ = ["AllocationError", "ClearingError", "InstanceError", "NoClearingPrices"]


class ClearingError(NashnetError, ValueError):
    """Root of every error raised by :mod:`consensus.clearing`."""


class InstanceError(ClearingError):
    """A task, a node or an instance is malformed (names the field, the value, the rule)."""


class AllocationError(ClearingError):
    """An allocation has a defect a judge rejects outright.

    Attributes:
        field: the rule that is broken, e.g. ``"capacity"`` or ``"prices"``.
        node: the node id concerned, or None.
        task: the task id concerned, or None.
    """

    def __init__(self, message: str, *, field: str, node: object = None, task: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.node = node
        self.task = task


class NoClearingPrices(ClearingError):
    """No per-kind prices make the welfare-optimal allocation challenge-free.

    The solver raises this rather than return an allocation a watcher could challenge.
    """
