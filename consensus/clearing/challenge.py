"""The watcher: the first valid challenge move against a proposal, if any.

Order (fixed, the same on every machine):

1. ``Discount(t)`` for the first task in canonical order that admits one;
2. then node by node in canonical order, the first of:

   a. ``Drop(i, t)`` for the first ``t ∈ A_i`` (canonical order) with ``π_t < c_i(κ_t)``;
   b. ``Add(i, t)`` for the smallest served kind whose best task outside ``A_i`` (highest
      ``v_t``, then lowest index) gives ``π_t − c_i > 0``;
   c. ``Swap(i, s, t)`` with ``s`` the worst task of ``A_i`` (lowest ``π_s − c_i``, then
      lowest index) and ``t`` the best task outside ``A_i`` over the served kinds
      (highest ``π_t − c_i``, then smallest kind), when that pair is strictly better.

Each node only needs its worst member and, per kind, the best task outside its set, so
the scan costs ``O(nodes × kinds + tasks + pairs)``; whenever some valid move exists,
one of these is valid, so ``None`` means no valid move at all.
"""

from __future__ import annotations

from consensus.clearing._scan import best_outside
from consensus.clearing.allocation import Allocation
from consensus.clearing.instance import Instance
from consensus.clearing.ledger import Ledger, validate
from consensus.clearing.moves import Add, Discount, Drop, Move, Swap

__all__ = ["find_challenge", "find_challenge_on"]


def find_challenge(instance: Instance, allocation: Allocation) -> Move | None:
    """The first valid move against ``allocation`` in the order above, or None.

    Raises:
        AllocationError: the allocation has a defect (see :func:`validate`).
    """
    return find_challenge_on(instance, validate(instance, allocation))


def find_challenge_on(instance: Instance, ledger: Ledger) -> Move | None:
    """:func:`find_challenge` on an already validated allocation."""
    tasks, values, slot_price = instance.tasks, instance.values, ledger.slot_price
    for t, task in enumerate(tasks):
        if task.allocatable and ledger.filled[t] < task.redundancy and slot_price[t] < values[t]:
            return Discount(task.id)
    by_kind = instance.by_kind
    for i, node in enumerate(instance.nodes):
        members = ledger.members[i]
        prices = node.prices
        worst: tuple[int, int] | None = None
        for s in sorted(members):
            profit = slot_price[s] - prices[tasks[s].kind]
            if profit < 0:
                return Drop(node.id, tasks[s].id)
            if worst is None or profit < worst[0]:
                worst = (profit, s)
        can_add = node.eligible and len(members) < node.capacity
        best: tuple[int, int] | None = None
        for kind, price in prices.items():
            order = by_kind.get(kind)
            if not order:
                continue
            cand = best_outside(order, members)
            if cand is None:
                continue
            profit = slot_price[cand] - price
            if can_add and profit > 0:
                return Add(node.id, tasks[cand].id)
            if best is None or profit > best[0]:
                best = (profit, cand)
        if worst is not None and best is not None and best[0] > worst[0]:
            return Swap(node.id, tasks[worst[1]].id, tasks[best[1]].id)
    return None
