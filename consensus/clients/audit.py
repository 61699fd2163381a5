"""The audit verifier: rebuild a task's head from its events and compare it with the chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.bindings import Deployment
from contracts.codec import ZERO32, extend_head, fold_head
from contracts.market import transitions

from .errors import AuditMismatch

__all__ = ["AuditReport", "fold_head", "verify_audit"]

Step = tuple[int, bytes, bytes]


@dataclass(frozen=True)
class AuditReport:
    """A verified history.

    Attributes:
        task_id: The task.
        ok: Always True in a returned report (a mismatch raises).
        steps: Number of transitions folded.
        head: The head they fold to, equal to the chain's.
    """

    task_id: int
    ok: bool
    steps: int
    head: bytes


def verify_audit(d: Deployment, task_id: int, steps: Sequence[Step] | None = None) -> AuditReport:
    """Check that a task's history hashes to the head the contract holds.

    Args:
        d: The deployment.
        task_id: The task.
        steps: ``(kind, data, recorded head)`` per transition; default: read from the
            task's ``TaskTransition`` events.

    Raises:
        AuditMismatch: a step's recorded head differs from the folded one, or the folded
            head differs from ``headOf(task_id)``.
    """
    if steps is None:
        steps = transitions(d, task_id)
    head = ZERO32
    for n, (kind, data, recorded) in enumerate(steps):
        head = extend_head(head, kind, data)
        if head != bytes(recorded):
            raise AuditMismatch(task_id, n, bytes(recorded), head)
    on_chain = bytes(d.market.functions.headOf(task_id).call())
    if head != on_chain:
        raise AuditMismatch(task_id, None, on_chain, head)
    return AuditReport(task_id=task_id, ok=True, steps=len(steps), head=head)
