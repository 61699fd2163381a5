"""The honest proposer: a welfare-optimal allocation with challenge-free prices.

Steps (deterministic, integer-only):

1. the hub min-cost flow by K-vertex successive shortest paths and its Gale–Ryser split
   (:mod:`consensus.clearing.hub`; networkx's hub flow when that fails);
2. the largest per-kind clearing prices for those pairs (:mod:`consensus.clearing.prices`);
3. the watcher's own check (:func:`find_challenge_on`) must find no move;
4. where 1–3 fail, the explicit flow is solved instead and priced the same way;
5. where that fails too, :class:`NoClearingPrices` is raised: the solver never returns an
   allocation a watcher could challenge.

This follows the outline in PROTOCOL-V2.md §1. On the project's generator the fast path
(step 1) succeeds at 100 × 1,000 and 1,000 × 10,000; at 10 × 100 nodes have room for most
tasks of a kind, "at most once per pair" binds, and no single price per kind clears the
optimum, so :class:`NoClearingPrices` is raised there (see benchmarks/allocation.py).
"""

from __future__ import annotations

from types import MappingProxyType

from consensus.clearing.allocation import Allocation
from consensus.clearing.challenge import find_challenge_on
from consensus.clearing.errors import NoClearingPrices
from consensus.clearing.flow import explicit_arcs, explicit_flow, hub_flow
from consensus.clearing.hub import hub_pairs
from consensus.clearing.instance import Instance
from consensus.clearing.ledger import Ledger
from consensus.clearing.prices import clearing_prices

__all__ = ["solve"]


def solve(instance: Instance, *, max_arcs: int = 2_000_000) -> Allocation:
    """Welfare-optimal pairs with the largest per-kind prices that admit no valid move.

    Args:
        instance: the round.
        max_arcs: largest explicit network tried when the hub path fails.

    Raises:
        NoClearingPrices: no per-kind prices certify an optimal allocation found (or the
            explicit fallback would exceed ``max_arcs``).
    """
    for method in (hub_pairs, lambda inst: hub_flow(inst)[1]):
        pairs = method(instance)
        if pairs is not None:
            found = _priced(instance, pairs)
            if found is not None:
                return found
    arcs = explicit_arcs(instance)
    if arcs > max_arcs:
        raise NoClearingPrices(
            f"{instance!r}: the hub solution has no per-kind clearing prices and the "
            f"explicit network has {arcs} arcs (> max_arcs={max_arcs})"
        )
    _, pairs = explicit_flow(instance)
    found = _priced(instance, pairs)
    if found is None:
        raise NoClearingPrices(
            f"{instance!r}: no per-kind prices make the optimal allocation challenge-free; "
            "post per-task prices or split the round"
        )
    return found


def _priced(instance: Instance, pairs: list[tuple[int, int]]) -> Allocation | None:
    members: list[set[int]] = [set() for _ in instance.nodes]
    filled = [0] * len(instance.tasks)
    for i, t in pairs:
        members[i].add(t)
        filled[t] += 1
    prices = clearing_prices(instance, members)
    if prices is None:
        return None
    values, tasks = instance.values, instance.tasks
    slot_price = [min(values[t], prices[task.kind]) for t, task in enumerate(tasks)]
    if find_challenge_on(instance, Ledger(members, filled, slot_price, prices)) is not None:
        return None
    # index order is canonical id order, so the pairs need no re-sorting
    nodes = instance.nodes
    return Allocation(
        tuple((nodes[i].id, tasks[t].id) for i, t in sorted(pairs)),
        MappingProxyType(dict(sorted(prices.items()))),
    )
