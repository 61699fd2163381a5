"""Errors of the allocation game.

``GameError`` is the root of this subpackage, under the project's ``NashnetError``; it also subclasses ``ValueError``
because every failure here is a bad value handed in by the caller.
"""

from __future__ import annotations

from contracts.errors import NashnetError

__all__ = ["AllocationError", "GameError", "InstanceError"]


class GameError(NashnetError, ValueError):
    """Root of every error raised by :mod:`consensus.game`."""


class InstanceError(GameError):
    """A task, a node or an instance is malformed (names the field, the value, the rule)."""


class AllocationError(GameError):
    """An allocation cannot be used where a valid one is required.

    ``find_profitable_move`` never raises this for an invalid allocation: it reports the
    defect as a challenge move instead. Functions that need a valid allocation
    (potential, welfare) raise it.
    """
