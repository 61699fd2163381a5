"""Integer payoffs, the rounding rule, and the exactness of Rosenthal's potential."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.game import (
    Add,
    Allocation,
    AllocationError,
    Drop,
    Instance,
    Node,
    Task,
    marginal_share,
    node_payoffs,
    potential,
    share,
    welfare,
)

from .game_strategies import instances


def test_share_floors_and_is_not_diluted_below_redundancy() -> None:
    assert share(10, 1, 3) == 3  # 10 // 3, the first node is already paid R // k
    assert share(10, 3, 3) == 3
    assert share(10, 4, 3) == 2
    assert marginal_share(10, 3, 3) == 2
    assert share(7, 0, 1) == 7


def test_potential_and_welfare_by_hand() -> None:
    inst = Instance(
        [Task(1, 0, 10, 2), Task(2, 0, 9, 1)],
        [Node(1, 2, {0: 1}), Node(2, 2, {0: 2}), Node(3, 1, {0: 0})],
    )
    alloc = Allocation.from_pairs([(1, 1), (2, 1), (3, 1), (1, 2)])
    # task 1: 10//2 + 10//2 + 10//3 = 13; task 2: 9; costs 1 + 2 + 0 + 1
    assert potential(inst, alloc) == 13 + 9 - 4
    # welfare: min(3,2)*(10//2) + 1*9 - 4
    assert welfare(inst, alloc) == 10 + 9 - 4
    assert node_payoffs(inst, alloc) == {1: (3 - 1) + (9 - 1), 2: 3 - 2, 3: 3}


def test_invalid_allocations_are_refused_by_potential() -> None:
    inst = Instance([Task(1, 0, 10)], [Node(1, 1, {1: 0})])
    with pytest.raises(AllocationError, match="kind 0"):
        potential(inst, Allocation.from_pairs([(1, 1)]))
    with pytest.raises(AllocationError, match="unknown"):
        welfare(inst, Allocation.from_pairs([(2, 1)]))


@settings(max_examples=200, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_potential_changes_by_exactly_the_movers_gain(inst: Instance, rnd) -> None:
    """Floor rounding keeps Φ exact: ΔΦ of any add or drop equals the mover's Δu."""
    pairs = []
    for node in inst.nodes:
        eligible = [t.id for t in inst.tasks if t.kind in node.prices]
        rnd.shuffle(eligible)
        pairs += [(node.id, t) for t in eligible[: rnd.randint(0, node.capacity)]]
    alloc = Allocation.from_pairs(pairs)
    counts = alloc.counts()
    before_phi, before_u = potential(inst, alloc), node_payoffs(inst, alloc)
    for node in inst.nodes:
        mine = set(alloc.tasks_of(node.id))
        for task in inst.tasks:
            if task.kind not in node.prices:
                continue
            n = counts.get(task.id, 0)
            if task.id in mine:
                move, after = (
                    Drop(node.id, task.id, n),
                    alloc.without_pair(node.id, task.id),
                )
            elif len(mine) < node.capacity:
                move, after = (
                    Add(node.id, task.id, len(mine), n),
                    alloc.with_pair(node.id, task.id),
                )
            else:
                continue
            delta_u = node_payoffs(inst, after)[node.id] - before_u[node.id]
            assert potential(inst, after) - before_phi == delta_u
            gain = move.gain(inst)
            assert gain == delta_u
