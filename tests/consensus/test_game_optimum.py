"""Welfare optimum: brute force on tiny instances, both flow models agree, PoA ≥ 1."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from consensus.game import (
    Allocation,
    Instance,
    optimal,
    price_of_anarchy,
    random_instance,
    solve,
    welfare,
)

from .game_strategies import instances


def _brute_force(inst: Instance) -> int:
    choices = []
    for node in inst.nodes:
        eligible = [t.id for t in inst.tasks if t.kind in node.prices]
        choices.append(
            [
                subset
                for r in range(min(node.capacity, len(eligible)) + 1)
                for subset in itertools.combinations(eligible, r)
            ]
        )
    best = 0
    for pick in itertools.product(*choices):
        alloc = Allocation.from_pairs(
            (node.id, t) for node, subset in zip(inst.nodes, pick) for t in subset
        )
        best = max(best, welfare(inst, alloc))
    return best


@settings(max_examples=60, deadline=None)
@given(instances(max_nodes=3, max_tasks=4, max_capacity=2))
def test_optimum_matches_brute_force(inst: Instance) -> None:
    opt = optimal(inst)
    assert opt.exact and opt.welfare == _brute_force(inst)
    assert welfare(inst, opt.allocation) == opt.welfare


@settings(max_examples=150, deadline=None)
@given(instances())
def test_optimum_is_at_least_the_equilibrium(inst: Instance) -> None:
    opt = optimal(inst)
    assert opt.welfare >= welfare(inst, solve(inst))
    assert opt.welfare == optimal(inst, method="explicit").welfare
    assert price_of_anarchy(inst) >= 1.0


@pytest.mark.parametrize("seed", range(3))
def test_hub_flow_is_exact_on_generated_instances(seed: int) -> None:
    inst = random_instance(40, 300, 4, seed=seed)
    opt = optimal(inst)
    assert opt.exact
    assert opt.welfare == optimal(inst, method="explicit").welfare
    assert welfare(inst, opt.allocation) == opt.welfare
    assert 1.0 <= price_of_anarchy(inst) < 3.0


def test_bad_method_is_named() -> None:
    with pytest.raises(ValueError, match="method='lp'"):
        optimal(random_instance(2, 2, 1, seed=0), method="lp")
