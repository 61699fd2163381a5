"""Errors of the consensus clients, under the project's ``NashnetError``."""

from __future__ import annotations

from contracts.errors import NashnetError

__all__ = ["AuditMismatch", "ClientError"]


class ClientError(NashnetError):
    """Root of every error raised by :mod:`consensus.clients`."""


class AuditMismatch(ClientError):
    """A task's history does not hash to the audit head the chain holds.

    Attributes:
        task_id: The task audited.
        step: Index of the first step whose folded head differs, or None when only the
            final head differs from the chain's.
        expected: The head the chain (or the recorded event) holds.
        actual: The head folded from the steps.
    """

    def __init__(self, task_id: int, step: int | None, expected: bytes, actual: bytes) -> None:
        self.task_id = task_id
        self.step = step
        self.expected = expected
        self.actual = actual
        where = f"step {step}" if step is not None else "final head"
        super().__init__(
            f"task {task_id}: audit {where} folds to 0x{actual.hex()} but the chain holds 0x{expected.hex()}; "
            "the history given is not the one the contract hashed"
        )
