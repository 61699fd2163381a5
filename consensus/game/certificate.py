"""The equilibrium certificate: find one profitable move, or prove there is none."""

from __future__ import annotations

from consensus.game._response import ADD, DROP, best_move
from consensus.game.allocation import Allocation
from consensus.game.instance import Instance
from consensus.game.moves import (
    Add,
    Drop,
    DuplicateAssignment,
    Move,
    OverCapacity,
    Swap,
    UnknownNode,
    UnknownTask,
    UnsupportedKind,
)

__all__ = ["find_profitable_move", "is_equilibrium"]


def find_profitable_move(instance: Instance, allocation: Allocation) -> Move | None:
    """Return a move that refutes ``allocation``, or None when it is a Nash equilibrium.

    Defects come first, pair by pair in canonical order (unknown node, unknown task,
    duplicate pair, unsupported kind), then over-capacity nodes in canonical order. A
    valid allocation is then checked node by node in canonical order; the first node with
    a profitable single move returns its best one (the same choice the solver makes).
    Because payoffs are additive over tasks and the only constraint is a cardinality, no
    profitable single move means every node plays a best response.

    Runs in ``O(T log T + Σ_i (|A_i| + K_i))``: tasks are ranked once per kind by the share
    a newcomer would get, and each node looks only at the top of its kinds.
    """
    rewards, reds, kinds, caps, prices = instance.arrays
    own: list[set[int]] = [set() for _ in caps]
    counts = [0] * len(rewards)
    seen: set[tuple[int, int]] = set()
    for node_id, task_id in allocation.pairs:
        i, t = instance.node_index(node_id), instance.task_index(task_id)
        if i is None:
            return UnknownNode(node_id)
        if t is None:
            return UnknownTask(node_id, task_id)
        if (i, t) in seen:
            return DuplicateAssignment(node_id, task_id)
        if kinds[t] not in prices[i]:
            return UnsupportedKind(node_id, task_id)
        seen.add((i, t))
        own[i].add(t)
        counts[t] += 1
    for i, mine in enumerate(own):
        if len(mine) > caps[i]:
            return OverCapacity(instance.nodes[i].id, len(mine))

    ranked: dict[int, list[tuple[int, int]]] = {}
    for t, reward in enumerate(rewards):
        n, k = counts[t] + 1, reds[t]
        ranked.setdefault(kinds[t], []).append((-(reward // (max(k, n))), t))
    for tasks in ranked.values():
        tasks.sort()

    def best_outside(mine: set[int], node_prices: dict[int, int], threshold: int):
        best: tuple[int, int] | None = None
        for kind, price in node_prices.items():
            for neg_share, t in ranked.get(kind, ()):
                gain = -neg_share - price
                if gain <= threshold:
                    break
                if t in mine:
                    continue
                if best is None or gain > best[0] or (gain == best[0] and t < best[1]):
                    best = (gain, t)
                break
        return best

    for i, mine in enumerate(own):
        move, _ = best_move(
            mine, caps[i], prices[i], rewards, reds, kinds, counts, best_outside
        )
        if move is None:
            continue
        code, a, b, _ = move
        node = instance.nodes[i].id
        if code == ADD:
            return Add(node, instance.tasks[a].id, len(mine), counts[a])
        if code == DROP:
            return Drop(node, instance.tasks[a].id, counts[a])
        return Swap(
            node, instance.tasks[a].id, instance.tasks[b].id, counts[a], counts[b]
        )
    return None


def is_equilibrium(instance: Instance, allocation: Allocation) -> bool:
    return find_profitable_move(instance, allocation) is None
