"""Errors of the workloads, under the project's ``NashnetError`` root."""

from __future__ import annotations

from contracts.errors import NashnetError

__all__ = ["WorkloadCheckpointError", "WorkloadError", "WorkloadSpecError", "WorkloadVerificationError"]


class WorkloadError(NashnetError):
    """Base class of every error a workload raises on purpose."""


class WorkloadSpecError(WorkloadError, ValueError):
    """A workload spec does not validate; ``field`` is the dotted path of the first bad field."""

    def __init__(self, kind: str, field: str, message: str) -> None:
        self.kind = kind
        self.field = field
        super().__init__(f"{kind} input: field {field!r}: {message}")


class WorkloadCheckpointError(WorkloadError, OSError):
    """A run's checkpoints belong to another spec or cannot be read."""


class WorkloadVerificationError(WorkloadError, ValueError):
    """A claimed result cannot even be checked (missing checkpoints, another spec); not a failed check."""
