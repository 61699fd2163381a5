"""Random v2 instances from the project's generator (seeded, the same on every machine).

The v1 generator's tasks and nodes convert one to one: same ids, kinds, rewards,
redundancies, capacities and prices; every task allocatable and every node eligible.
"""

from __future__ import annotations

from consensus.clearing.instance import Instance, Node, Task
from consensus.game.generate import random_instance as _v1_random_instance

__all__ = ["random_instance"]


def random_instance(n_nodes: int, n_tasks: int, n_kinds: int = 5, seed: int = 0) -> Instance:
    """``consensus.game.generate.random_instance`` converted to the v2 types."""
    v1 = _v1_random_instance(n_nodes, n_tasks, n_kinds, seed)
    return Instance(
        (Task(t.id, t.kind, t.reward, t.redundancy) for t in v1.tasks),
        (Node(n.id, n.capacity, dict(n.prices)) for n in v1.nodes),
    )
