"""Integer payoffs, Rosenthal's potential and welfare, in token base units.

Rounding rule (the protocol; the contract uses exactly this): a node doing task ``t``
together with ``n_t - 1`` others receives ``share = R_t // max(n_t, k_t)``, integer
division rounding toward zero (all operands are non-negative, so this is the floor).
Its payoff on ``t`` is ``share - c_i(κ(t))``.

Potential ``Φ = Σ_t Σ_{j=1..n_t} R_t // max(j, k_t) − Σ_i Σ_{t∈A_i} c_i(κ(t))``. It is an
*exact* potential despite the rounding: when node ``i`` joins ``t`` (``n_t → n_t + 1``) Φ
changes by the new term ``R_t // max(n_t + 1, k_t) − c_i``, which is the very integer the
node gains, because its share on ``t`` is that same term and its other tasks are untouched.
Leaving ``t`` removes the same term. So every strictly improving move raises Φ by exactly
the mover's gain, and best-response dynamics stop.

Welfare (integer form) ``W = Σ_t min(n_t, k_t) · (R_t // k_t) − Σ costs``: each of the first
``k_t`` nodes on a task is worth ``R_t // k_t`` to the requester, extra nodes are worth
nothing. It equals the sum of payoffs whenever no task holds more than ``k_t`` nodes.
"""

from __future__ import annotations

from consensus.game.allocation import Allocation
from consensus.game.errors import AllocationError
from consensus.game.ids import Id
from consensus.game.instance import Instance

__all__ = ["marginal_share", "node_payoffs", "potential", "share", "welfare"]


def share(reward: int, count: int, redundancy: int) -> int:
    """``reward // max(count, redundancy)``: what each of ``count`` nodes on a task gets."""
    return reward // max(count, redundancy)


def marginal_share(reward: int, count: int, redundancy: int) -> int:
    """What one more node would get on a task that ``count`` nodes already do."""
    return reward // max(count + 1, redundancy)


def indexed(
    instance: Instance, allocation: Allocation
) -> tuple[list[set[int]], list[int]]:
    """Task sets per node and counts per task, by canonical index.

    Raises:
        AllocationError: an unknown id, a duplicate pair, an unsupported kind or a node over
            capacity (use ``find_profitable_move`` to get the defect as a move instead).
    """
    _, _, kinds, caps, prices = instance.arrays
    own: list[set[int]] = [set() for _ in instance.nodes]
    counts = [0] * len(instance.tasks)
    for node_id, task_id in allocation.pairs:
        i = instance.node_index(node_id)
        t = instance.task_index(task_id)
        if i is None or t is None:
            raise AllocationError(
                f"pair ({node_id!r}, {task_id!r}): unknown node or task id"
            )
        if t in own[i]:
            raise AllocationError(f"pair ({node_id!r}, {task_id!r}): assigned twice")
        if kinds[t] not in prices[i]:
            raise AllocationError(
                f"pair ({node_id!r}, {task_id!r}): node does not support kind {kinds[t]}"
            )
        own[i].add(t)
        counts[t] += 1
    for i, tasks in enumerate(own):
        if len(tasks) > caps[i]:
            raise AllocationError(
                f"node {instance.nodes[i].id!r}: {len(tasks)} tasks over capacity {caps[i]}"
            )
    return own, counts


def node_payoffs(instance: Instance, allocation: Allocation) -> dict[Id, int]:
    """``u_i`` for every node of the instance (0 for a node with no task)."""
    rewards, reds, kinds, _, prices = instance.arrays
    own, counts = indexed(instance, allocation)
    return {
        node.id: sum(
            share(rewards[t], counts[t], reds[t]) - prices[i][kinds[t]] for t in own[i]
        )
        for i, node in enumerate(instance.nodes)
    }


def potential(instance: Instance, allocation: Allocation) -> int:
    """Rosenthal's potential Φ of a valid allocation (see the module docstring)."""
    rewards, reds, kinds, _, prices = instance.arrays
    own, counts = indexed(instance, allocation)
    total = 0
    for t, n in enumerate(counts):
        reward, k = rewards[t], reds[t]
        total += min(n, k) * (reward // k)
        for j in range(k + 1, n + 1):
            total += reward // j
    for i, tasks in enumerate(own):
        total -= sum(prices[i][kinds[t]] for t in tasks)
    return total


def welfare(instance: Instance, allocation: Allocation) -> int:
    """Integer welfare ``Σ_t min(n_t, k_t)·(R_t // k_t) − Σ costs`` of a valid allocation."""
    rewards, reds, kinds, _, prices = instance.arrays
    own, counts = indexed(instance, allocation)
    value = sum(min(n, reds[t]) * (rewards[t] // reds[t]) for t, n in enumerate(counts))
    cost = sum(prices[i][kinds[t]] for i, tasks in enumerate(own) for t in tasks)
    return value - cost
