"""No valid move ⇔ welfare-optimal: perturbed optima are challengeable, and on tiny
instances every allocation and price vector is checked by brute force."""

from __future__ import annotations

import itertools

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from consensus.clearing import (
    Add,
    Allocation,
    Discount,
    Drop,
    Instance,
    Move,
    NoClearingPrices,
    Swap,
    clearing_prices,
    find_challenge,
    is_valid_move,
    optimal,
    solve,
    validate,
    welfare,
)

from .test_clearing_strategies import instances


def _all_moves(inst: Instance) -> list[Move]:
    moves: list[Move] = [Discount(t.id) for t in inst.tasks]
    for node in inst.nodes:
        for t in inst.tasks:
            moves += [Add(node.id, t.id), Drop(node.id, t.id)]
            moves += [Swap(node.id, s.id, t.id) for s in inst.tasks if s != t]
    return moves


def _assert_challenge_iff_suboptimal(inst: Instance, alloc: Allocation, best: int) -> None:
    move = find_challenge(inst, alloc)
    if welfare(inst, alloc) < best:
        assert move is not None
    if move is not None:
        assert is_valid_move(inst, alloc, move)
    else:
        assert welfare(inst, alloc) == best  # the theorem: no move ⇒ optimal


@settings(max_examples=200, deadline=None)
@given(instances(), st.data())
def test_perturbed_optima_are_challengeable(inst: Instance, data: st.DataObject) -> None:
    try:
        alloc = solve(inst)
    except NoClearingPrices:
        assume(False)
        return
    best = welfare(inst, alloc)
    pairs = list(alloc.pairs)
    prices = dict(alloc.prices)
    if pairs:  # remove a pair
        k = data.draw(st.integers(0, len(pairs) - 1))
        _assert_challenge_iff_suboptimal(inst, Allocation.of(pairs[:k] + pairs[k + 1 :], prices), best)
        # move that pair's task to another node, where still valid
        node_id, task_id = pairs[k]
        for other in inst.nodes:
            moved = Allocation.of(pairs[:k] + pairs[k + 1 :] + [(other.id, task_id)], prices)
            try:
                validate(inst, moved)
            except ValueError:
                continue
            _assert_challenge_iff_suboptimal(inst, moved, best)
    if prices:  # change a price
        kind = data.draw(st.sampled_from(sorted(prices)))
        delta = data.draw(st.integers(-20, 20))
        _assert_challenge_iff_suboptimal(inst, alloc.with_prices({**prices, kind: prices[kind] + delta}), best)


@settings(max_examples=80, deadline=None)
@given(instances(max_nodes=3, max_tasks=3, max_kinds=2, max_capacity=2))
def test_brute_force_every_allocation(inst: Instance) -> None:
    best = optimal(inst, method="explicit").welfare
    feasible = [
        (n.id, t.id) for n in inst.nodes for t in inst.tasks if n.eligible and t.allocatable and t.kind in n.prices
    ]
    values = sorted({0, *inst.values, *(p for n in inst.nodes for p in n.prices.values())})
    grid = list(itertools.product(values, repeat=len(inst.kinds)))[:64]
    moves = _all_moves(inst)
    for r in range(len(feasible) + 1):
        for pairs in itertools.combinations(feasible, r):
            try:
                validate(inst, Allocation.of(pairs, dict.fromkeys(inst.kinds, 0)))
            except ValueError:
                continue
            for combo in grid:
                alloc = Allocation.of(pairs, dict(zip(inst.kinds, combo, strict=True)))
                found = find_challenge(inst, alloc)
                valid = [m for m in moves if is_valid_move(inst, alloc, m)]
                # the fast watcher finds a move exactly when one exists
                assert (found is None) == (not valid)
                if found is not None:
                    assert found in valid
                else:
                    assert welfare(inst, alloc) == best


@settings(max_examples=150, deadline=None)
@given(instances(max_nodes=3, max_tasks=4, max_kinds=2, max_capacity=3))
def test_clearing_prices_are_the_largest(inst: Instance) -> None:
    opt = optimal(inst, method="explicit")
    assert opt.pairs is not None
    members: list[set[int]] = [set() for _ in inst.nodes]
    for node_id, task_id in opt.pairs:
        i, t = inst.node_index(node_id), inst.task_index(task_id)
        assert i is not None and t is not None
        members[i].add(t)
    lam = clearing_prices(inst, members)
    # prices above a kind's top allocatable value change nothing (no move reads them)
    top = {
        k: max(
            (v for v, t in zip(inst.values, inst.tasks, strict=True) if t.kind == k and t.allocatable),
            default=max(v for v, t in zip(inst.values, inst.tasks, strict=True) if t.kind == k),
        )
        for k in inst.kinds
    }
    feasible = [
        combo
        for combo in itertools.product(range(42), repeat=len(inst.kinds))
        if find_challenge(inst, Allocation.of(opt.pairs, dict(zip(inst.kinds, combo, strict=True)))) is None
    ]
    if lam is None:
        assert not feasible
    else:
        assert find_challenge(inst, Allocation.of(opt.pairs, lam)) is None
        largest = tuple(min(max(f[j] for f in feasible), top[k]) for j, k in enumerate(inst.kinds))
        assert largest == tuple(lam[k] for k in inst.kinds)
