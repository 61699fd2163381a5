"""Checking a proposal for defects, and the indexed view the judge works on.

:func:`validate` raises :class:`AllocationError` on the first defect, in this order:
per pair (canonical order) unknown node, unknown task, duplicate pair, ineligible node,
unsupported kind, non-allocatable task; then per node (canonical order) over capacity;
then per task overfull (``n_t > k_t``); then per kind (ascending) a missing price.
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.clearing.allocation import Allocation
from consensus.clearing.errors import AllocationError
from consensus.clearing.instance import Instance

__all__ = ["Ledger", "validate"]


@dataclass(frozen=True)
class Ledger:
    """A valid allocation by index.

    Attributes:
        members: per node, the set of its task indices (``A_i``).
        filled: per task, ``n_t``.
        slot_price: per task, ``π_t = min(v_t, λ_κ(t))``.
        prices: ``λ_κ`` per kind.
    """

    members: list[set[int]]
    filled: list[int]
    slot_price: list[int]
    prices: dict[int, int]

    def load(self, node: int) -> int:
        """``|A_i|``."""
        return len(self.members[node])


def validate(instance: Instance, allocation: Allocation) -> Ledger:
    """Return the indexed view of ``allocation``, or raise on its first defect.

    Raises:
        AllocationError: naming the node and/or task and the broken rule in ``field``.
    """
    nodes, tasks = instance.nodes, instance.tasks
    members: list[set[int]] = [set() for _ in nodes]
    filled = [0] * len(tasks)
    for node_id, task_id in allocation.pairs:
        i = instance.node_index(node_id)
        if i is None:
            raise AllocationError(
                f"node {node_id!r} (paired with task {task_id!r}) is not registered",
                field="node",
                node=node_id,
                task=task_id,
            )
        t = instance.task_index(task_id)
        if t is None:
            raise AllocationError(
                f"task {task_id!r} (paired with node {node_id!r}) is not open this round",
                field="task",
                node=node_id,
                task=task_id,
            )
        if t in members[i]:
            raise AllocationError(
                f"pair (node {node_id!r}, task {task_id!r}) appears more than once",
                field="duplicate",
                node=node_id,
                task=task_id,
            )
        node, task = nodes[i], tasks[t]
        if not node.eligible:
            raise AllocationError(
                f"node {node_id!r} is not eligible but has task {task_id!r}",
                field="eligible",
                node=node_id,
                task=task_id,
            )
        if task.kind not in node.prices:
            raise AllocationError(
                f"node {node_id!r} does not serve kind {task.kind} of task {task_id!r}",
                field="kind",
                node=node_id,
                task=task_id,
            )
        if not task.allocatable:
            raise AllocationError(
                f"task {task_id!r} is not allocatable but has node {node_id!r}",
                field="allocatable",
                node=node_id,
                task=task_id,
            )
        members[i].add(t)
        filled[t] += 1
    for i, node in enumerate(nodes):
        if len(members[i]) > node.capacity:
            raise AllocationError(
                f"node {node.id!r} has {len(members[i])} tasks, capacity {node.capacity}",
                field="capacity",
                node=node.id,
            )
    for t, task in enumerate(tasks):
        if filled[t] > task.redundancy:
            raise AllocationError(
                f"task {task.id!r} has {filled[t]} nodes, redundancy {task.redundancy}",
                field="overfull",
                task=task.id,
            )
    used = {task.kind for t, task in enumerate(tasks) if filled[t]}
    for kind in instance.kinds:
        if kind not in allocation.prices:
            # every kind with tasks needs a price; a kind whose tasks are all empty
            # still does, since Discount and Add read π_t = min(v_t, λ_κ)
            raise AllocationError(
                f"no price for kind {kind}, which has tasks" + (" with nodes" if kind in used else ""),
                field="prices",
            )
    prices = dict(allocation.prices)
    values = instance.values
    slot_price = [min(values[t], prices[task.kind]) for t, task in enumerate(tasks)]
    return Ledger(members, filled, slot_price, prices)
