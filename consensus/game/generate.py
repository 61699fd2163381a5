"""Random instances for tests and benchmarks (seeded, the same on every machine)."""

from __future__ import annotations

import random

from consensus.game.instance import Instance, Node, Task

__all__ = ["random_instance"]

#: one price unit in token base units (18 decimals: 10**12 is a millionth of a token)
UNIT = 10**12


def random_instance(
    n_nodes: int,
    n_tasks: int,
    n_kinds: int = 5,
    seed: int = 0,
    *,
    support: float = 0.6,
    max_redundancy: int = 3,
) -> Instance:
    """Draw an instance whose total capacity roughly matches the total redundancy.

    Each kind has a base price ``b``; a node serves each kind with probability
    ``support`` (at least one) at a price in ``[b/2, 3b/2]``; its capacity is uniform in
    ``[0, 4·n_tasks/n_nodes]``. A task has a redundancy in ``[1, max_redundancy]`` and a
    reward per replica in ``[b/2, 3b]``, so some tasks pay less than some nodes charge.
    Rewards carry odd low digits, so the floor rounding of shares matters. Node ids are
    random addresses and task ids random 64-bit ints, so input order is not canonical.
    """
    rng = random.Random(seed)
    base = [rng.randint(50, 150) * UNIT for _ in range(n_kinds)]
    top_cap = max(1, (4 * n_tasks) // max(1, n_nodes))
    nodes = []
    node_ids: set[int] = set()
    for _ in range(n_nodes):
        address = _fresh(rng, 160, node_ids)
        kinds = [k for k in range(n_kinds) if rng.random() < support] or [
            rng.randrange(n_kinds)
        ]
        prices = {k: rng.randint(base[k] // 2, 3 * base[k] // 2) for k in kinds}
        nodes.append(Node(f"0x{address:040x}", rng.randint(0, top_cap), prices))
    tasks = []
    task_ids: set[int] = set()
    for _ in range(n_tasks):
        kind = rng.randrange(n_kinds)
        k = rng.randint(1, max_redundancy)
        reward = k * rng.randint(base[kind] // 2, 3 * base[kind]) + rng.randrange(k)
        tasks.append(Task(_fresh(rng, 64, task_ids), kind, reward, k))
    return Instance(tasks, nodes)


def _fresh(rng: random.Random, bits: int, used: set[int]) -> int:
    while True:
        value = rng.getrandbits(bits)
        if value not in used:
            used.add(value)
            return value
