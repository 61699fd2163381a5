"""The proposer: valid, challenge-free, welfare-optimal, deterministic."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.clearing import (
    Allocation,
    Instance,
    NoClearingPrices,
    Node,
    Task,
    clearing_prices,
    find_challenge,
    optimal,
    random_instance,
    solve,
    validate,
    welfare,
)
from consensus.clearing.flow import explicit_flow

from .test_clearing_strategies import instances


def _check(inst: Instance) -> Allocation | None:
    """Solve; on success assert valid, unchallengeable and optimal (explicit network)."""
    best = optimal(inst, method="explicit")
    try:
        alloc = solve(inst)
    except NoClearingPrices:
        # then the explicit optimum cannot be priced either
        _, pairs = explicit_flow(inst)
        members: list[set[int]] = [set() for _ in inst.nodes]
        for i, t in pairs:
            members[i].add(t)
        assert clearing_prices(inst, members) is None
        return None
    validate(inst, alloc)
    assert find_challenge(inst, alloc) is None
    assert welfare(inst, alloc) == best.welfare
    assert set(alloc.prices) == set(inst.kinds)
    return alloc


@settings(max_examples=300, deadline=None)
@given(instances())
def test_solver_is_optimal_and_unchallengeable(inst: Instance) -> None:
    _check(inst)


@settings(max_examples=150, deadline=None)
@given(instances(max_nodes=8, max_tasks=12, max_capacity=3, flags=False))
def test_solver_on_larger_instances(inst: Instance) -> None:
    _check(inst)


@pytest.mark.parametrize(("n_nodes", "n_tasks", "seed"), [(30, 300, 0), (100, 1000, 1)])
def test_solver_on_generated_instances(n_nodes: int, n_tasks: int, seed: int) -> None:
    inst = random_instance(n_nodes, n_tasks, 5, seed)
    alloc = solve(inst)
    validate(inst, alloc)
    assert find_challenge(inst, alloc) is None
    assert welfare(inst, alloc) == optimal(inst).welfare


def test_small_generated_instance_without_clearing_prices_raises() -> None:
    # 10 nodes with room for ~40 tasks each: "at most once per pair" binds, and no
    # single price per kind clears the optimum (PROTOCOL-V2.md's 10 × 100 case)
    with pytest.raises(NoClearingPrices, match="challenge-free"):
        solve(random_instance(10, 100, 5, 0))


@settings(max_examples=60, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_same_instance_in_any_order_solves_identically(inst: Instance, rnd: random.Random) -> None:
    tasks, nodes = list(inst.tasks), list(inst.nodes)
    rnd.shuffle(tasks)
    rnd.shuffle(nodes)
    shuffled = Instance(tasks, nodes)
    try:
        first = solve(inst)
    except NoClearingPrices:
        with pytest.raises(NoClearingPrices):
            solve(shuffled)
        return
    second = solve(shuffled)
    assert first == second
    assert first.pairs == second.pairs and dict(first.prices) == dict(second.prices)


def test_generated_instance_determinism() -> None:
    inst = random_instance(100, 1000, 5, 2)
    rnd = random.Random(5)
    tasks, nodes = list(inst.tasks), list(inst.nodes)
    rnd.shuffle(tasks)
    rnd.shuffle(nodes)
    assert solve(inst) == solve(Instance(tasks, nodes))


def test_no_per_kind_price_when_at_most_once_binds() -> None:
    # v = 7, 17, 13, 20; node 0 (c = 0) takes the three best, node 1 (c = 11) can then
    # only do tasks 3 and 2 once each: task 2 keeps a free slot (Discount needs λ ≥ 13)
    # while node 1, with spare capacity, must not want the full task 1 (Add needs λ ≤ 11)
    inst = Instance(
        [Task(0, 0, 21, 3), Task(1, 0, 17, 1), Task(2, 0, 39, 3), Task(3, 0, 40, 2)],
        [Node(0, 3, {0: 0}), Node(1, 5, {0: 11})],
    )
    best = optimal(inst, method="explicit")
    assert best.welfare == 61 and best.pairs is not None
    for lam in range(0, 25):
        assert find_challenge(inst, Allocation.of(best.pairs, {0: lam})) is not None
    with pytest.raises(NoClearingPrices):
        solve(inst)
