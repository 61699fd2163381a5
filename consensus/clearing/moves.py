"""Challenge moves and the judge that accepts or refuses them.

Every test is a strict integer comparison, so the Solidity contract can implement the
same ones; an equality is never a valid move. With ``π_t = min(v_t, λ_κ(t))`` and
``c = c_i(κ_t)``:

- ``Add(i, t)``: ``i`` eligible, serves ``κ_t``, ``t`` allocatable, ``t ∉ A_i``,
  ``load_i < C_i`` and ``π_t − c > 0`` (``t`` may be full).
- ``Drop(i, t)``: ``t ∈ A_i`` and ``π_t − c < 0``.
- ``Swap(i, s, t)``: ``s ∈ A_i``, ``t ∉ A_i``, ``t`` allocatable, ``i`` serves ``κ_t`` and
  ``π_t − c_i(κ_t) > π_s − c_i(κ_s)`` (``t`` may be full).
- ``Discount(t)``: ``t`` allocatable, ``n_t < k_t`` and ``π_t < v_t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from consensus.clearing.allocation import Allocation
from consensus.clearing.ids import Id
from consensus.clearing.instance import Instance
from consensus.clearing.ledger import Ledger, validate

__all__ = ["Add", "Discount", "Drop", "Move", "Swap", "is_valid_move", "move_is_valid_on"]


@dataclass(frozen=True)
class Add:
    """Node ``node`` takes task ``task`` on top of its set."""

    node: Id
    task: Id


@dataclass(frozen=True)
class Drop:
    """Node ``node`` leaves task ``task``."""

    node: Id
    task: Id


@dataclass(frozen=True)
class Swap:
    """Node ``node`` leaves task ``old`` for task ``new``."""

    node: Id
    old: Id
    new: Id


@dataclass(frozen=True)
class Discount:
    """Task ``task`` has a free slot but sells below its value."""

    task: Id


Move: TypeAlias = Add | Drop | Swap | Discount


def is_valid_move(instance: Instance, allocation: Allocation, move: Move) -> bool:
    """Whether the judge accepts ``move`` against ``allocation``.

    Raises:
        AllocationError: the allocation has a defect (see :func:`validate`); a judge
            rejects such a proposal before looking at moves.
    """
    return move_is_valid_on(instance, validate(instance, allocation), move)


def move_is_valid_on(instance: Instance, ledger: Ledger, move: Move) -> bool:
    """:func:`is_valid_move` on an already validated allocation."""
    values = instance.values
    if isinstance(move, Discount):
        t = instance.task_index(move.task)
        if t is None:
            return False
        task = instance.tasks[t]
        return task.allocatable and ledger.filled[t] < task.redundancy and ledger.slot_price[t] < values[t]
    i = instance.node_index(move.node)
    if i is None:
        return False
    node, members = instance.nodes[i], ledger.members[i]
    if isinstance(move, Drop):
        t = instance.task_index(move.task)
        if t is None or t not in members:
            return False
        return ledger.slot_price[t] - node.prices[instance.tasks[t].kind] < 0
    if isinstance(move, Add):
        t = instance.task_index(move.task)
        if t is None:
            return False
        task = instance.tasks[t]
        price = node.prices.get(task.kind)
        return (
            node.eligible
            and price is not None
            and task.allocatable
            and t not in members
            and len(members) < node.capacity
            and ledger.slot_price[t] - price > 0
        )
    if isinstance(move, Swap):
        s, t = instance.task_index(move.old), instance.task_index(move.new)
        if s is None or t is None or s not in members or t in members:
            return False
        task = instance.tasks[t]
        price = node.prices.get(task.kind)
        if price is None or not task.allocatable:
            return False
        old_price = node.prices[instance.tasks[s].kind]
        return ledger.slot_price[t] - price > ledger.slot_price[s] - old_price
    raise TypeError(f"move={move!r}: expected Add, Drop, Swap or Discount")
