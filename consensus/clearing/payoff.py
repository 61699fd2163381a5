"""Welfare, node earnings and requester refunds of a valid allocation (integers)."""

from __future__ import annotations

from consensus.clearing.allocation import Allocation
from consensus.clearing.ids import Id
from consensus.clearing.instance import Instance
from consensus.clearing.ledger import validate

__all__ = ["earnings", "refunds", "welfare"]


def welfare(instance: Instance, allocation: Allocation) -> int:
    """``Σ over pairs (v_t − c_i(κ_t))``; prices only move money, not welfare.

    Raises:
        AllocationError: the allocation has a defect.
    """
    ledger = validate(instance, allocation)
    tasks, values = instance.tasks, instance.values
    return sum(
        values[t] - node.prices[tasks[t].kind]
        for node, members in zip(instance.nodes, ledger.members, strict=True)
        for t in members
    )


def earnings(instance: Instance, allocation: Allocation) -> dict[Id, int]:
    """``Σ_{t∈A_i} (π_t − c_i(κ_t))`` per node id (every node, canonical order)."""
    ledger = validate(instance, allocation)
    tasks = instance.tasks
    return {
        node.id: sum(ledger.slot_price[t] - node.prices[tasks[t].kind] for t in members)
        for node, members in zip(instance.nodes, ledger.members, strict=True)
    }


def refunds(instance: Instance, allocation: Allocation) -> dict[Id, int]:
    """``R_t − n_t·π_t`` per task id (every task, canonical order)."""
    ledger = validate(instance, allocation)
    return {task.id: task.reward - ledger.filled[t] * ledger.slot_price[t] for t, task in enumerate(instance.tasks)}
