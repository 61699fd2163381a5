"""Errors raised by training jobs, under the project's ``NashnetError`` root."""

from contracts.errors import NashnetError


class TrainingError(NashnetError):
    """Base class of every error a training job raises on purpose."""


class TrainingSpecError(TrainingError, ValueError):
    """A training job spec is inconsistent (the message names the field and value)."""


class CheckpointError(TrainingError, OSError):
    """A checkpoint is missing, truncated, or its bytes do not match the recorded sha256."""


class VerificationError(TrainingError, ValueError):
    """A result cannot even be checked (missing files, wrong spec); not a failed check."""
