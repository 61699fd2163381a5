"""Integer min-cost flows for the welfare optimum (networkx network simplex).

The optimum is the transportation problem ``max Σ (v_t − c_i(κ_t)) x_it`` with node
capacities, task slots and ``x_it ∈ {0, 1}``, over eligible nodes, allocatable tasks and
served kinds. Two networks solve it:

- the *hub* relaxation ``s → node → kind → task → z`` (``N·K + 2T`` arcs) drops "at most
  once per (node, task)"; its flow is split into pairs by the Gale–Ryser greedy, and when
  the split succeeds it attains the relaxation's bound, so it is optimal;
- the *explicit* network ``s → node → task → z`` (one arc per profitable pair) is exact.

Graphs are built in canonical index order, so network simplex (pinned networkx) returns
the same flow on every machine. All weights are integers.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from typing import Any

import networkx as nx

from consensus.clearing.instance import Instance

__all__ = ["explicit_arcs", "explicit_flow", "gale_ryser", "hub_flow"]

Pairs = list[tuple[int, int]]


def _finish(graph: nx.DiGraph, supply: int) -> tuple[int, dict[Any, dict[Any, int]]]:
    if supply == 0:
        return 0, {}
    graph.add_edge("s", "z", capacity=supply, weight=0)
    graph.nodes["s"]["demand"] = -supply
    graph.nodes["z"]["demand"] = supply
    cost, flow = nx.network_simplex(graph)
    return -cost, flow


def hub_flow(instance: Instance) -> tuple[int, Pairs | None]:
    """The hub bound, and pairs attaining it (None when the split fails)."""
    values, tasks = instance.values, instance.tasks
    # ascending values per kind, for counting the tasks a node profits from
    ascending = {k: sorted(values[t] for t in ts) for k, ts in instance.by_kind.items()}
    graph = nx.DiGraph()
    supply = 0
    for i, node in enumerate(instance.nodes):
        if not node.eligible or node.capacity == 0:
            continue
        for kind, price in node.prices.items():
            vs = ascending.get(kind)
            if not vs:
                continue
            # a node does each task at most once: at most the tasks worth more than c
            profitable = len(vs) - bisect_left(vs, price + 1)
            if min(node.capacity, profitable) > 0:
                graph.add_edge(("n", i), ("k", kind), capacity=min(node.capacity, profitable), weight=price)
        if graph.has_node(("n", i)):
            graph.add_edge("s", ("n", i), capacity=node.capacity, weight=0)
            supply += node.capacity
    for t, task in enumerate(tasks):
        if task.allocatable and values[t] > 0 and graph.has_node(("k", task.kind)):
            graph.add_edge(("k", task.kind), ("t", t), capacity=task.redundancy, weight=-values[t])
            graph.add_edge(("t", t), "z", capacity=task.redundancy, weight=0)
    bound, flow = _finish(graph, supply)
    return bound, _split(flow)


def _split(flow: dict[Any, dict[Any, int]]) -> Pairs | None:
    units: dict[int, list[tuple[int, int]]] = {}
    demand: dict[int, list[tuple[int, int]]] = {}
    for src, arcs in flow.items():
        if not isinstance(src, tuple):
            continue
        for dst, amount in arcs.items():
            if amount and isinstance(dst, tuple):
                if src[0] == "n":
                    units.setdefault(dst[1], []).append((-amount, src[1]))
                elif src[0] == "k":
                    demand.setdefault(src[1], []).append((-amount, dst[1]))
    return gale_ryser(units, demand)


def gale_ryser(units: dict[int, list[tuple[int, int]]], demand: dict[int, list[tuple[int, int]]]) -> Pairs | None:
    """Split per-kind flows into distinct pairs, or None when it cannot be done.

    Args:
        units: per kind, ``(-units, node index)`` for each node sending units to it.
        demand: per kind, ``(-slots, task index)`` for each task it fills.
    """
    pairs: Pairs = []
    for kind in sorted(demand):
        pool = units.get(kind, [])
        heapq.heapify(pool)
        # Gale–Ryser: largest demand first, each takes the nodes with most units left
        for neg_g, t in sorted(demand[kind]):
            taken = [heapq.heappop(pool) for _ in range(min(-neg_g, len(pool)))]
            if len(taken) < -neg_g:
                return None
            pairs.extend((i, t) for _, i in taken)
            for neg_f, i in taken:
                if neg_f < -1:
                    heapq.heappush(pool, (neg_f + 1, i))
    return sorted(pairs)


def _profitable(instance: Instance) -> list[tuple[int, int, int]]:
    values, tasks = instance.values, instance.tasks
    arcs = []
    for i, node in enumerate(instance.nodes):
        if not node.eligible or node.capacity == 0:
            continue
        for t, task in enumerate(tasks):
            price = node.prices.get(task.kind)
            if task.allocatable and price is not None and values[t] > price:
                arcs.append((i, t, values[t] - price))
    return arcs


def explicit_arcs(instance: Instance) -> int:
    """Number of profitable (node, task) arcs of the explicit network."""
    return len(_profitable(instance))


def explicit_flow(instance: Instance) -> tuple[int, Pairs]:
    """Exact optimum welfare and an optimal set of pairs (canonical order)."""
    graph = nx.DiGraph()
    supply = 0
    seen: set[int] = set()
    for i, t, gain in _profitable(instance):
        graph.add_edge(("n", i), ("t", t), capacity=1, weight=-gain)
        graph.add_edge(("t", t), "z", capacity=instance.tasks[t].redundancy, weight=0)
        if i not in seen:
            seen.add(i)
            graph.add_edge("s", ("n", i), capacity=instance.nodes[i].capacity, weight=0)
            supply += instance.nodes[i].capacity
    value, flow = _finish(graph, supply)
    pairs = [
        (src[1], dst[1])
        for src, arcs in flow.items()
        if isinstance(src, tuple) and src[0] == "n"
        for dst, amount in arcs.items()
        if amount
    ]
    return value, sorted(pairs)
