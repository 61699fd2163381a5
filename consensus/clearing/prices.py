"""The largest per-kind prices under which a set of pairs admits no challenge.

With ``π_t = min(v_t, λ_κ)`` every condition "no valid move" is ``h(λ_a) ≤ g(λ_b)`` with
``h`` and ``g`` non-decreasing, so the feasible price vectors are closed under
componentwise max and a largest one exists whenever any does (the node-optimal end of the
core). It is found as a greatest fixpoint, Bellman–Ford style on the K kind vertices:

- *upper* bounds, from Add and Swap: for node ``i`` let ``B_i`` be the least of ``0``
  (when ``i`` is eligible with spare capacity) and ``min_{s∈A_i} (π_s − c_i(κ_s))`` (when it
  has tasks), and ``w_{i,a}`` the best value of a kind-``a`` task outside ``A_i``; then
  ``min(w_{i,a}, λ_a) − c_i(a) ≤ B_i``, i.e. ``λ_a ≤ B_i + c_i(a)`` whenever
  ``w_{i,a} − c_i(a) > B_i``;
- *lower* bounds, from Discount and Drop: ``λ_a ≥ v_t`` for each allocatable task of kind
  ``a`` with a free slot, ``λ_a ≥ c_i(a)`` (and ``v_t ≥ c_i(a)``) for each pair.

Starting from ``λ_a = max v_t`` of the kind (higher prices change nothing), the passes only
lower prices and never below any feasible vector; if a price falls under its lower bound,
no feasible vector exists.
"""

from __future__ import annotations

from consensus.clearing._scan import best_outside
from consensus.clearing.instance import Instance

__all__ = ["clearing_prices"]


def clearing_prices(
    instance: Instance, members: list[set[int]], *, max_passes: int | None = None
) -> dict[int, int] | None:
    """Largest challenge-free ``λ`` for the pairs ``members`` (per node, task indices).

    ``members`` must be a valid allocation (no defects). Returns None when no per-kind
    prices make it challenge-free (always the case for a sub-optimal allocation), or
    when the passes do not settle within ``max_passes`` (default ``8·K + 16``).
    """
    tasks, values, by_kind = instance.tasks, instance.values, instance.by_kind
    filled = [0] * len(tasks)
    for ts in members:
        for t in ts:
            filled[t] += 1
    lam: dict[int, int] = {}
    low: dict[int, int | None] = {}
    for kind in instance.kinds:
        order = by_kind[kind]
        if order:
            lam[kind] = values[order[0]]
        else:  # only non-allocatable tasks: no move reads this price
            lam[kind] = max(values[t] for t, task in enumerate(tasks) if task.kind == kind)
        free = [values[t] for t in order if filled[t] < tasks[t].redundancy]
        low[kind] = max(free) if free else None
    # per node: (c, w) per kind for the upper bounds, (c, min v) per kind it holds
    rows: list[tuple[bool, list[tuple[int, int, int]], list[tuple[int, int, int]]]] = []
    for i, node in enumerate(instance.nodes):
        held: dict[int, int] = {}
        for s in members[i]:
            kind, price = tasks[s].kind, node.prices[tasks[s].kind]
            if values[s] < price:
                return None  # Drop is valid at any price
            held[kind] = min(held.get(kind, values[s]), values[s])
            bound = low[kind]
            low[kind] = price if bound is None else max(bound, price)
        spare = node.eligible and len(members[i]) < node.capacity
        if not spare and not held:
            continue
        outside = []
        for kind, price in node.prices.items():
            ranked = by_kind.get(kind)
            best = best_outside(ranked, members[i]) if ranked else None
            if best is not None:
                outside.append((kind, price, values[best]))
        holding = [(kind, node.prices[kind], v) for kind, v in sorted(held.items())]
        rows.append((spare, outside, holding))
    passes = max_passes if max_passes is not None else 8 * len(lam) + 16
    for _ in range(passes):
        changed = False
        for spare, outside, holding in rows:
            bound = 0 if spare else None
            for kind, price, v in holding:
                profit = min(v, lam[kind]) - price
                bound = profit if bound is None or profit < bound else bound
            assert bound is not None
            for kind, price, w in outside:
                if min(w, lam[kind]) - price > bound:
                    lam[kind] = bound + price
                    changed = True
        for kind, bound in low.items():
            if bound is not None and lam[kind] < bound:
                return None
        if not changed:
            return lam
    return None
