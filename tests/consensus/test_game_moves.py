"""The certificate: every move type is found on a crafted allocation and verified."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from consensus.game import (
    Add,
    Allocation,
    Drop,
    DuplicateAssignment,
    Instance,
    Node,
    OverCapacity,
    Swap,
    Task,
    UnknownNode,
    UnknownTask,
    UnsupportedKind,
    find_profitable_move,
    is_equilibrium,
    solve,
)

from .game_strategies import instances

A, B = "0x" + "aa" * 20, "0x" + "bb" * 20

INST = Instance(
    [Task(1, 0, 20), Task(2, 0, 100), Task(3, 0, 5), Task(4, 1, 50, 2)],
    [Node(A, 1, {0: 10}), Node(B, 2, {0: 10, 1: 10})],
)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # B has spare capacity and task 4 pays 50 // 2 - 10 > 0; A already holds its best
        ([(A, 2), (B, 2)], Add(B, 4, 1, 0)),
        # B's worst is task 3 (5 - 10 < 0); sharing task 2 (100 // 2 - 10) beats task 1
        ([(A, 2), (B, 3), (B, 4)], Swap(B, 3, 2, 1, 1)),
        ([(A, 1), (B, 2), (B, 4)], Swap(A, 1, 2, 1, 1)),
        ([(A, 3), (B, 1), (B, 4)], Swap(A, 3, 2, 1, 0)),
        ([(A, 2), (B, 2), (B, 4), (B, 1)], OverCapacity(B, 3)),
        ([(A, 2), (A, 4)], UnsupportedKind(A, 4)),
        ([("0x" + "cc" * 20, 2)], UnknownNode("0x" + "cc" * 20)),
        ([(A, 9)], UnknownTask(A, 9)),
        ([(B, 2), (B, 2)], DuplicateAssignment(B, 2)),
    ],
)
def test_each_move_is_found_and_verifies(pairs, expected) -> None:
    alloc = Allocation.from_pairs(pairs)
    move = find_profitable_move(INST, alloc)
    assert move == expected
    assert move.verify(INST, alloc)
    if hasattr(move, "gain"):
        assert move.gain(INST) > 0


def test_drop_is_found_when_nothing_better_is_free() -> None:
    inst = Instance([Task(1, 0, 5), Task(2, 0, 8)], [Node(A, 2, {0: 10})])
    alloc = Allocation.from_pairs([(A, 1), (A, 2)])
    move = find_profitable_move(inst, alloc)
    assert move == Drop(A, 1, 1)  # the worse of two negative tasks
    assert move.verify(inst, alloc)
    assert find_profitable_move(inst, move.apply(alloc)) == Drop(A, 2, 1)


def test_equilibrium_defeats_every_challenge() -> None:
    eq = solve(INST)
    assert is_equilibrium(INST, eq)
    challenges = [
        Add(B, 4, len(eq.tasks_of(B)), eq.counts().get(4, 0)),
        Add(A, 1, len(eq.tasks_of(A)), eq.counts().get(1, 0)),
        Drop(B, 2, eq.counts()[2]),
        Swap(A, 2, 1, eq.counts()[2], eq.counts().get(1, 0)),
        OverCapacity(B, 2),
        UnsupportedKind(A, 4),
        UnknownNode("0x" + "cc" * 20),
        UnknownTask(A, 9),
        DuplicateAssignment(A, 2),
    ]
    assert not any(c.verify(INST, eq) for c in challenges)


def test_counts_that_disagree_with_the_allocation_fail() -> None:
    alloc = Allocation.from_pairs([(A, 2), (B, 2)])
    assert Add(B, 4, 1, 0).verify(INST, alloc)
    assert not Add(B, 4, 0, 0).verify(INST, alloc)  # wrong load
    assert not Add(B, 4, 1, 1).verify(INST, alloc)  # wrong n_t
    assert not Add(A, 4, 1, 0).verify(
        INST, alloc
    )  # A is full and does not serve kind 1
    assert not Drop(B, 2, 2).verify(INST, alloc)  # 100 // 2 - 10 ≥ 0


def test_add_rounding_boundary() -> None:
    """Floor division decides: 29 // 3 = 9 is not above a price of 9, 30 // 3 is."""
    for reward, pays in [(29, False), (30, True)]:
        inst = Instance([Task(1, 0, reward, 3)], [Node(A, 1, {0: 9})])
        assert Add(A, 1, 0, 0).verify(inst, Allocation()) is pays
        assert (find_profitable_move(inst, Allocation()) is not None) is pays


@settings(max_examples=200, deadline=None)
@given(instances())
def test_a_found_move_always_verifies_and_pays(inst: Instance) -> None:
    """Perturb the equilibrium by one pair; whatever is found must pass its own check."""
    eq = solve(inst)
    for alloc in _neighbours(inst, eq):
        move = find_profitable_move(inst, alloc)
        if move is not None:
            assert move.verify(inst, alloc), move
            if hasattr(move, "apply"):
                assert move.gain(inst) > 0


def _neighbours(inst: Instance, alloc: Allocation):
    for node in inst.nodes[:3]:
        for task in inst.tasks[:4]:
            yield alloc.with_pair(node.id, task.id)
            yield alloc.without_pair(node.id, task.id)
