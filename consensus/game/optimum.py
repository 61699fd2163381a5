"""The welfare optimum of an instance, and the price of anarchy of the equilibrium.

Welfare ``W = Σ_t min(n_t, k_t)·v_t − Σ costs`` with ``v_t = R_t // k_t`` is linear in the
filled slots, so the optimum is a transportation problem: node ``i`` sends up to ``C_i``
units, task ``t`` takes up to ``k_t``, a unit ``i → t`` is worth ``v_t − c_i(κ(t))``, and a
node may do a task at most once.

Exact but small: tasks of one kind are interchangeable except for ``v_t``, so the flow can
go through one hub per kind (``s → node → kind → task → z``: ``N·K + 2T`` arcs instead of
``N·T``). That relaxes "at most once per (node, task)"; the per-kind flow is then split into
pairs by the Gale–Ryser greedy (each task, largest first, takes the nodes with the most
units left). When the split succeeds it attains the relaxation's bound, so it is optimal;
when it fails, the explicit ``N·T`` flow is solved instead if it has at most
``max_arcs`` arcs, else the bound is reported with ``exact=False``. All arithmetic is
integer (networkx network simplex).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import networkx as nx

from consensus.game.allocation import Allocation
from consensus.game.instance import Instance
from consensus.game.payoff import welfare
from consensus.game.solver import solve

__all__ = ["Optimum", "optimal", "price_of_anarchy"]


@dataclass(frozen=True)
class Optimum:
    """Result of :func:`optimal`.

    Attributes:
        welfare: the optimal integer welfare (an upper bound when ``exact`` is False).
        allocation: an allocation attaining it, or None when ``exact`` is False.
        exact: whether ``welfare`` is attained.
        method: ``"hub-flow"`` or ``"explicit-flow"`` or ``"hub-bound"``.
    """

    welfare: int
    allocation: Allocation | None
    exact: bool
    method: str


def optimal(
    instance: Instance, *, max_arcs: int = 400_000, method: str = "auto"
) -> Optimum:
    """Maximum-welfare allocation.

    Args:
        instance: the round.
        max_arcs: largest explicit flow network tried when the hub split fails.
        method: ``"auto"`` (hub flow, explicit flow as fallback) or ``"explicit"``.
    """
    if method not in ("auto", "explicit"):
        raise ValueError(f"method={method!r}: expected 'auto' or 'explicit'")
    if method == "auto":
        bound, pairs = _hub_flow(instance)
        if pairs is not None:
            return Optimum(bound, _allocation(instance, pairs), True, "hub-flow")
        if _explicit_arcs(instance) > max_arcs:
            return Optimum(bound, None, False, "hub-bound")
    value, pairs = _explicit_flow(instance)
    return Optimum(value, _allocation(instance, pairs), True, "explicit-flow")


def price_of_anarchy(
    instance: Instance, equilibrium: Allocation | None = None
) -> float:
    """``W_opt / W_eq`` (≥ 1); ``1.0`` when both are 0, ``inf`` when only ``W_eq`` is.

    Reporting only: a float is fine here, nothing on chain compares it.
    """
    eq = welfare(instance, equilibrium if equilibrium is not None else solve(instance))
    best = optimal(instance).welfare
    if eq <= 0:
        return 1.0 if best <= 0 else math.inf
    return best / eq


def _values(instance: Instance) -> list[int]:
    rewards, reds, _, _, _ = instance.arrays
    return [r // k for r, k in zip(rewards, reds)]


def _allocation(instance: Instance, pairs: list[tuple[int, int]]) -> Allocation:
    nodes, tasks = instance.nodes, instance.tasks
    return Allocation(tuple((nodes[i].id, tasks[t].id) for i, t in sorted(pairs)))


def _hub_flow(instance: Instance) -> tuple[int, list[tuple[int, int]] | None]:
    _, reds, kinds, caps, prices = instance.arrays
    values = _values(instance)
    by_kind: dict[int, list[int]] = {}
    for t, v in enumerate(values):
        if v > 0:
            by_kind.setdefault(kinds[t], []).append(v)
    for vs in by_kind.values():
        vs.sort(reverse=True)
    graph = nx.DiGraph()
    supply = 0
    for i, cap in enumerate(caps):
        for kind, price in prices[i].items():
            vs = by_kind.get(kind, [])
            # tasks of this kind worth more than the price, found by bisection on the
            # descending list: a node does each at most once
            lo, hi = 0, len(vs)
            while lo < hi:
                mid = (lo + hi) // 2
                if vs[mid] > price:
                    lo = mid + 1
                else:
                    hi = mid
            if min(cap, lo) > 0:
                graph.add_edge(
                    ("n", i), ("k", kind), capacity=min(cap, lo), weight=price
                )
        if graph.has_node(("n", i)):
            graph.add_edge("s", ("n", i), capacity=cap, weight=0)
            supply += cap
    for t, v in enumerate(values):
        if v > 0 and graph.has_node(("k", kinds[t])):
            graph.add_edge(("k", kinds[t]), ("t", t), capacity=reds[t], weight=-v)
            graph.add_edge(("t", t), "z", capacity=reds[t], weight=0)
    if supply == 0:
        return 0, []
    graph.add_edge("s", "z", capacity=supply, weight=0)
    graph.nodes["s"]["demand"] = -supply
    graph.nodes["z"]["demand"] = supply
    cost, flow = nx.network_simplex(graph)
    return -cost, _split(flow, kinds)


def _split(flow: dict, kinds: list[int]) -> list[tuple[int, int]] | None:
    units: dict[int, list[tuple[int, int]]] = {}
    demand: dict[int, list[tuple[int, int]]] = {}
    for src, arcs in flow.items():
        for dst, amount in arcs.items():
            if amount and isinstance(src, tuple) and isinstance(dst, tuple):
                if src[0] == "n":
                    units.setdefault(dst[1], []).append((-amount, src[1]))
                elif src[0] == "k":
                    demand.setdefault(src[1], []).append((-amount, dst[1]))
    pairs: list[tuple[int, int]] = []
    for kind, wants in demand.items():
        pool = units.get(kind, [])
        heapq.heapify(pool)
        for neg_g, t in sorted(wants):
            taken = [heapq.heappop(pool) for _ in range(min(-neg_g, len(pool)))]
            if len(taken) < -neg_g:
                return None
            pairs.extend((i, t) for _, i in taken)
            for neg_f, i in taken:
                if neg_f < -1:
                    heapq.heappush(pool, (neg_f + 1, i))
    return pairs


def _explicit_arcs(instance: Instance) -> int:
    _, _, kinds, _, prices = instance.arrays
    values = _values(instance)
    return sum(
        1
        for node_prices in prices
        for t, v in enumerate(values)
        if kinds[t] in node_prices and v > node_prices[kinds[t]]
    )


def _explicit_flow(instance: Instance) -> tuple[int, list[tuple[int, int]]]:
    _, reds, kinds, caps, prices = instance.arrays
    values = _values(instance)
    graph = nx.DiGraph()
    supply = 0
    for i, cap in enumerate(caps):
        for t, v in enumerate(values):
            price = prices[i].get(kinds[t])
            if price is not None and v > price and cap > 0:
                graph.add_edge(("n", i), ("t", t), capacity=1, weight=price - v)
                graph.add_edge(("t", t), "z", capacity=reds[t], weight=0)
        if graph.has_node(("n", i)):
            graph.add_edge("s", ("n", i), capacity=cap, weight=0)
            supply += cap
    if supply == 0:
        return 0, []
    graph.add_edge("s", "z", capacity=supply, weight=0)
    graph.nodes["s"]["demand"] = -supply
    graph.nodes["z"]["demand"] = supply
    cost, flow = nx.network_simplex(graph)
    pairs = [
        (src[1], dst[1])
        for src, arcs in flow.items()
        if isinstance(src, tuple) and src[0] == "n"
        for dst, amount in arcs.items()
        if amount
    ]
    return -cost, pairs
