"""Hypothesis strategies for small allocation-game instances (shared by the game tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from consensus.game import Instance, Node, Task


@st.composite
def instances(
    draw,
    max_nodes: int = 6,
    max_tasks: int = 10,
    max_kinds: int = 3,
    max_capacity: int = 4,
) -> Instance:
    n_kinds = draw(st.integers(1, max_kinds))
    kinds = st.integers(0, n_kinds - 1)
    task_ids = draw(st.lists(st.integers(0, 2**64), max_size=max_tasks, unique=True))
    tasks = [
        Task(tid, draw(kinds), draw(st.integers(0, 1_000)), draw(st.integers(1, 3)))
        for tid in task_ids
    ]
    node_keys = draw(
        st.lists(
            st.integers(0, 2**160 - 1), min_size=1, max_size=max_nodes, unique=True
        )
    )
    nodes = []
    for key in node_keys:
        prices = draw(st.dictionaries(kinds, st.integers(0, 300), max_size=n_kinds))
        node_id = f"0x{key:040x}" if draw(st.booleans()) else key
        nodes.append(Node(node_id, draw(st.integers(0, max_capacity)), prices))
    return Instance(tasks, nodes)
