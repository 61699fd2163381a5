"""The audit verifier: rebuild a task's head from its events and compare it with the chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contracts.bindings import Deployment
from contracts.codec import extend_head, fold_head, task_head0

from .errors import AuditMismatch

if TYPE_CHECKING:
    from .history import TaskHistory
    from .market_v2 import MarketV2

__all__ = ["AuditReport", "fold_head", "verify_audit", "verify_history"]

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


def verify_audit(d: Deployment | MarketV2, task_id: int, steps: Sequence[Step] | None = None) -> AuditReport:
    """Check that a task's history hashes to the head the contract holds.

    The fold starts from ``task_head0(record)``, the record taken from ``TasksSubmitted``
    (step 0), and extends it with every later transition: each ``TaskTransition`` of the
    task and its outcome in ``RoundSettled``.

    Args:
        d: The deployment, or its market client.
        task_id: The task.
        steps: ``(kind, data, recorded head or None)`` per transition; default: read from the
            task's events.

    Raises:
        UnknownTask: no ``TasksSubmitted`` event names the task.
        AuditMismatch: the submission head or a step's recorded head differs from the folded
            one, or the folded head differs from ``headOf(task_id)``.
    """
    from .history import history

    m = d.client() if isinstance(d, Deployment) else d
    return verify_history(m, history(m, task_id), steps)


def verify_history(m: MarketV2, h: TaskHistory, steps: Sequence[Step] | None = None) -> AuditReport:
    """Check a task history (from :func:`consensus.clients.history.histories`) against the chain.

    Step 0 is the submission: the history's ``head0`` must be ``task_head0`` of its record (a
    copy of a history kept elsewhere may differ). ``steps`` replaces the history's transitions
    (to check a copy kept elsewhere).

    Raises:
        AuditMismatch: see :func:`verify_audit`.
    """
    head = task_head0(h.record)
    if head != h.head0:
        raise AuditMismatch(h.id, 0, h.head0, head)
    if steps is None:
        steps = [(s.kind, s.data, s.head) for s in h.steps]
    for n, (kind, data, recorded) in enumerate(steps, start=1):
        head = extend_head(head, kind, bytes(data))
        if recorded is not None and head != bytes(recorded):
            raise AuditMismatch(h.id, n, bytes(recorded), head)
    on_chain = bytes(m.market.functions.headOf(h.id).call())
    if head != on_chain:
        raise AuditMismatch(h.id, None, on_chain, head)
    return AuditReport(task_id=h.id, ok=True, steps=len(steps), head=head)
