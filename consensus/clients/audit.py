"""The audit verifier: rebuild a task's head from its events and compare it with the chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.bindings import Deployment
from contracts.codec import extend_head, fold_head, task_head0

from .errors import AuditMismatch
from .history import history
from .market_v2 import MarketV2

__all__ = ["AuditReport", "fold_head", "verify_audit"]

Step = tuple[int, bytes, bytes]


@dataclass(frozen=True)
class AuditReport:
    """A verified history.

    Attributes:
        task_id: The task.
        ok: Always True in a returned report (a mismatch raises).
        steps: Number of transitions folded onto the submission head.
        head: The head they fold to, equal to the chain's.
    """

    task_id: int
    ok: bool
    steps: int
    head: bytes


def verify_audit(m: MarketV2 | Deployment, task_id: int, steps: Sequence[Step] | None = None) -> AuditReport:
    """Check that a task's history hashes to the head the contract holds.

    The fold starts from ``task_head0(record)``, the record taken from ``TaskSubmitted``, and
    extends it with every ``TaskTransition`` of the task.

    Args:
        m: The market client (a deployment gives its :meth:`Deployment.client`).
        task_id: The task.
        steps: ``(kind, data, recorded head)`` per transition; default: read from the
            task's ``TaskTransition`` events.

    Raises:
        UnknownTask: no ``TaskSubmitted`` event names the task.
        AuditMismatch: the submission head or a step's recorded head differs from the folded
            one (step 0 is the submission), or the folded head differs from ``headOf(task_id)``.
    """
    if isinstance(m, Deployment):
        m = m.client()
    h = history(m, task_id)
    head = task_head0(h.record)
    if head != h.head0:
        raise AuditMismatch(task_id, 0, h.head0, head)
    if steps is None:
        steps = [(s.kind, s.data, s.head) for s in h.steps]
    for n, (kind, data, recorded) in enumerate(steps, start=1):
        head = extend_head(head, kind, bytes(data))
        if head != bytes(recorded):
            raise AuditMismatch(task_id, n, bytes(recorded), head)
    on_chain = bytes(m.market.functions.headOf(task_id).call())
    if head != on_chain:
        raise AuditMismatch(task_id, None, on_chain, head)
    return AuditReport(task_id=task_id, ok=True, steps=len(steps), head=head)
