"""Hypothesis strategies for small v2 allocation-game instances (shared by the v2 tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from consensus.clearing import Instance, Node, Task


@st.composite
def instances(
    draw: st.DrawFn,
    max_nodes: int = 5,
    max_tasks: int = 7,
    max_kinds: int = 3,
    max_capacity: int = 4,
    flags: bool = True,
) -> Instance:
    """Small instances: rewards and prices of similar size, so every move kind occurs."""
    n_kinds = draw(st.integers(1, max_kinds))
    kinds = st.integers(0, n_kinds - 1)
    task_ids = draw(st.lists(st.integers(0, 2**64), max_size=max_tasks, unique=True))
    tasks = []
    for tid in task_ids:
        k = draw(st.integers(1, 3))
        allocatable = draw(st.booleans()) or not flags or draw(st.booleans())
        reward = k * draw(st.integers(0, 40)) + draw(st.integers(0, k - 1))
        tasks.append(Task(tid, draw(kinds), reward, k, allocatable))
    node_keys = draw(st.lists(st.integers(0, 2**160 - 1), min_size=1, max_size=max_nodes, unique=True))
    nodes = []
    for key in node_keys:
        prices = draw(st.dictionaries(kinds, st.integers(0, 40), max_size=n_kinds))
        node_id = f"0x{key:040x}" if draw(st.booleans()) else key
        eligible = not flags or draw(st.integers(0, 5)) > 0
        nodes.append(Node(node_id, draw(st.integers(0, max_capacity)), prices, eligible))
    return Instance(tasks, nodes)
