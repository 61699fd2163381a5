"""The hub relaxation solved by successive shortest paths on the K kind vertices.

Network: ``s → node i → kind a → slot → z`` with ``cap(i, a) = min(C_i, #{t of a : v_t >
c_i(a)})``, cost ``c_i(a)`` on ``i → a`` and gain ``v_t`` per slot of ``t`` (the same network
as :func:`consensus.clearing.flow.hub_flow`). In the residual graph every path from ``s``
to ``z`` is ``s → i → a``, then moves of one unit of some node ``j`` from kind ``a`` to kind
``b`` (cost ``c_j(b) − c_j(a)``), then kind ``b``'s best free slot. So the shortest path is
a Bellman–Ford over K vertices whose arcs are the cheapest valid entry and the cheapest
valid move per pair of kinds, kept in heaps with lazy deletion (a node is pushed again
whenever its flows change). Augmenting along shortest paths keeps the residual graph free
of negative cycles, so stopping when no path has negative cost gives the optimum. Since
distances never decrease, one Bellman–Ford serves as many augmentations as its tree's arcs
keep residual capacity ("keep augmenting while the distances hold").

The result is then split into pairs by the Gale–Ryser greedy. The solver certifies the
output with prices and the watcher's check, so a wrong answer here can only cost time (the
caller falls back to networkx), never a challengeable proposal.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left

from consensus.clearing.flow import gale_ryser
from consensus.clearing.instance import Instance

__all__ = ["hub_pairs"]


def hub_pairs(instance: Instance) -> list[tuple[int, int]] | None:
    """Pairs attaining the hub optimum, or None (split failed or a guard tripped)."""
    values, tasks = instance.values, instance.tasks
    kinds = [k for k in instance.kinds if instance.by_kind[k]]
    slots = {k: [t for t in instance.by_kind[k] if values[t] > 0] for k in kinds}
    ascending = {k: sorted(values[t] for t in slots[k]) for k in kinds}
    cap: list[dict[int, int]] = []
    cost: list[dict[int, int]] = []
    flow: list[dict[int, int]] = []
    load: list[int] = []
    limit: list[int] = []
    for node in instance.nodes:
        u: dict[int, int] = {}
        if node.eligible and node.capacity > 0:
            for kind, price in node.prices.items():
                vs = ascending.get(kind)
                if vs:
                    n = min(node.capacity, len(vs) - bisect_left(vs, price + 1))
                    if n > 0:
                        u[kind] = n
        cap.append(u)
        cost.append({k: node.prices[k] for k in u})
        flow.append(dict.fromkeys(u, 0))
        load.append(0)
        limit.append(node.capacity)
    entry: dict[int, list[tuple[int, int]]] = {k: [] for k in kinds}
    move: dict[tuple[int, int], list[tuple[int, int]]] = {(a, b): [] for a in kinds for b in kinds if a != b}

    def push(i: int) -> None:
        f, u, c = flow[i], cap[i], cost[i]
        spare = load[i] < limit[i]
        for a in u:
            if spare and f[a] < u[a]:
                heapq.heappush(entry[a], (c[a], i))
            if f[a] > 0:
                for b in u:
                    if b != a and f[b] < u[b]:
                        heapq.heappush(move[(a, b)], (c[b] - c[a], i))

    for i in range(len(instance.nodes)):
        push(i)
    pointer = dict.fromkeys(kinds, 0)
    used = [0] * len(tasks)

    def top_entry(a: int) -> tuple[int, int] | None:
        heap = entry[a]
        while heap:
            c, i = heap[0]
            if load[i] < limit[i] and flow[i][a] < cap[i][a]:
                return c, i
            heapq.heappop(heap)
        return None

    def top_move(a: int, b: int) -> tuple[int, int] | None:
        heap = move[(a, b)]
        while heap:
            c, j = heap[0]
            if flow[j][a] > 0 and flow[j][b] < cap[j][b]:
                return c, j
            heapq.heappop(heap)
        return None

    big = 1 << 300
    touched: set[int] = set()
    target: int | None = None
    while True:
        dist = dict.fromkeys(kinds, big)
        pred: dict[int, tuple[int, int]] = {}  # kind -> (previous kind or -1, node)
        for a in kinds:
            best = top_entry(a)
            if best is not None:
                dist[a] = best[0]
                pred[a] = (-1, best[1])
        edges = []
        for a in kinds:
            for b in kinds:
                if a != b:
                    best = top_move(a, b)
                    if best is not None:
                        edges.append((a, b, best[0], best[1]))
        for _ in range(len(kinds) + 1):
            changed = False
            for a, b, c, j in edges:
                if dist[a] < big and dist[a] + c < dist[b]:
                    dist[b] = dist[a] + c
                    pred[b] = (a, j)
                    changed = True
            if not changed:
                break
        else:
            return None  # a negative cycle: SSP's invariant broke, let networkx decide
        # Distances never decrease under SSP, so while the tree's arcs keep residual
        # capacity these distances stay exact: keep augmenting on them.
        while True:
            target, gain = None, 0
            for b in kinds:
                p = pointer[b]
                if dist[b] < big and p < len(slots[b]):
                    g = values[slots[b][p]] - dist[b]
                    if g > gain:
                        target, gain = b, g
            if target is None:
                break
            if not _intact(target, pred, flow, cap, load, limit, len(kinds)):
                break
            t = slots[target][pointer[target]]
            used[t] += 1
            if used[t] == tasks[t].redundancy:
                pointer[target] += 1
            b = target
            for _ in range(len(kinds) + 1):
                a, j = pred[b]
                flow[j][b] += 1
                touched.add(j)
                if a == -1:
                    load[j] += 1
                    break
                flow[j][a] -= 1
                b = a
            else:
                return None
        if target is None:
            break
        for j in sorted(touched):
            if load[j] > limit[j] or any(not 0 <= flow[j][a] <= cap[j][a] for a in cap[j]):
                return None  # a path through one node twice overdrew it
            push(j)
        touched.clear()
    units: dict[int, list[tuple[int, int]]] = {}
    for i, f in enumerate(flow):
        for a, amount in f.items():
            if amount:
                units.setdefault(a, []).append((-amount, i))
    demand: dict[int, list[tuple[int, int]]] = {}
    for t, n in enumerate(used):
        if n:
            demand.setdefault(tasks[t].kind, []).append((-n, t))
    return gale_ryser(units, demand)


def _intact(
    target: int,
    pred: dict[int, tuple[int, int]],
    flow: list[dict[int, int]],
    cap: list[dict[int, int]],
    load: list[int],
    limit: list[int],
    steps: int,
) -> bool:
    """Whether every arc on the tree path to ``target`` still has a unit of residual."""
    b = target
    for _ in range(steps + 1):
        a, j = pred[b]
        if flow[j][b] >= cap[j][b]:
            return False
        if a == -1:
            return load[j] < limit[j]
        if flow[j][a] <= 0:
            return False
        b = a
    return False
