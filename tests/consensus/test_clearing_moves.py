"""The judge: each move accepted and refused on hand-built cases; equality is no move."""

from __future__ import annotations

import pytest

from consensus.clearing import (
    Add,
    Allocation,
    Discount,
    Drop,
    Instance,
    Node,
    Swap,
    Task,
    find_challenge,
    is_valid_move,
)

# task 1: kind 0, v = 10 (k = 2); task 2: kind 0, v = 6; task 3: kind 1, v = 8
TASKS = [Task(1, 0, 21, 2), Task(2, 0, 6), Task(3, 1, 8)]


def _inst(*nodes: Node, tasks: list[Task] = TASKS) -> Instance:
    return Instance(tasks, nodes)


def _alloc(pairs: list[tuple[int, int]], l0: int = 10, l1: int = 8) -> Allocation:
    return Allocation.of(pairs, {0: l0, 1: l1})


@pytest.mark.parametrize(
    ("cost", "valid"),
    [(9, True), (10, False), (11, False)],  # π = min(10, 10) = 10; 10 − 10 = 0 is no move
)
def test_add_needs_strictly_positive_profit(cost: int, valid: bool) -> None:
    inst = _inst(Node(7, 1, {0: cost}))
    assert is_valid_move(inst, _alloc([]), Add(7, 1)) is valid


def test_add_may_target_a_full_task_at_the_posted_price() -> None:
    inst = _inst(Node(7, 1, {0: 5}), Node(8, 1, {0: 5}), Node(9, 1, {0: 8}))
    full = _alloc([(7, 1), (8, 1)], l0=9)  # task 1 full, π = 9
    assert is_valid_move(inst, full, Add(9, 1))
    assert not is_valid_move(inst, full.with_prices({0: 8, 1: 8}), Add(9, 1))


def test_add_refused_without_capacity_kind_eligibility_or_when_held() -> None:
    inst = _inst(Node(7, 1, {0: 1}), Node(8, 0, {0: 1}), Node(9, 5, {1: 1}))
    held = _alloc([(7, 1)])
    assert not is_valid_move(inst, held, Add(7, 2))  # load = capacity
    assert not is_valid_move(inst, held, Add(7, 1))  # already holds it
    assert not is_valid_move(inst, held, Add(8, 1))  # capacity 0
    assert not is_valid_move(inst, held, Add(9, 1))  # kind 0 not served
    assert not is_valid_move(inst, held, Add(99, 1))  # unknown node
    assert not is_valid_move(inst, held, Add(9, 99))  # unknown task
    ineligible = _inst(Node(7, 5, {0: 1}, eligible=False))
    assert not is_valid_move(ineligible, _alloc([]), Add(7, 1))
    closed = _inst(Node(7, 5, {0: 1}), tasks=[Task(1, 0, 21, 2, allocatable=False)])
    assert not is_valid_move(closed, Allocation.of([], {0: 10}), Add(7, 1))


@pytest.mark.parametrize(("l0", "valid"), [(4, True), (5, False), (6, False)])
def test_drop_needs_strictly_negative_profit(l0: int, valid: bool) -> None:
    inst = _inst(Node(7, 2, {0: 5}))
    assert is_valid_move(inst, _alloc([(7, 1)], l0=l0), Drop(7, 1)) is valid
    assert not is_valid_move(inst, _alloc([(7, 1)], l0=l0), Drop(7, 2))  # not held


def test_drop_reads_the_slot_value_when_below_the_price() -> None:
    inst = _inst(Node(7, 2, {0: 7}))  # task 2: v = 6 < c = 7 whatever λ is
    assert is_valid_move(inst, _alloc([(7, 2)], l0=100), Drop(7, 2))


@pytest.mark.parametrize(("c1", "valid"), [(1, True), (2, False), (3, False)])
def test_swap_needs_strictly_more_profit(c1: int, valid: bool) -> None:
    # holds task 2 (π = 6, c = 2, profit 4); task 3 has π = 8, profit 8 − c1
    inst = _inst(Node(7, 1, {0: 2, 1: c1 + 2}))
    assert is_valid_move(inst, _alloc([(7, 2)]), Swap(7, 2, 3)) is (8 - (c1 + 2) > 4)
    assert (8 - (c1 + 2) > 4) is valid


def test_swap_refused_on_wrong_sets_kinds_or_flags() -> None:
    inst = _inst(Node(7, 2, {0: 2}))
    alloc = _alloc([(7, 2)])
    assert is_valid_move(inst, alloc, Swap(7, 2, 1))  # same kind, better task
    assert not is_valid_move(inst, alloc, Swap(7, 1, 2))  # 1 not held
    assert not is_valid_move(inst, _alloc([(7, 1), (7, 2)]), Swap(7, 2, 1))  # 1 held
    assert not is_valid_move(inst, alloc, Swap(7, 2, 3))  # kind 1 not served
    closed = _inst(Node(7, 2, {0: 2}), tasks=[Task(1, 0, 21, 2, False), Task(2, 0, 6)])
    assert not is_valid_move(closed, Allocation.of([(7, 2)], {0: 10}), Swap(7, 2, 1))


def test_swap_may_target_a_full_task() -> None:
    inst = _inst(Node(7, 1, {0: 1}), Node(8, 1, {0: 1}), Node(9, 1, {0: 1}))
    alloc = _alloc([(7, 1), (8, 1), (9, 2)])
    assert is_valid_move(inst, alloc, Swap(9, 2, 1))


@pytest.mark.parametrize(("l0", "valid"), [(9, True), (10, False), (11, False)])
def test_discount_needs_a_free_slot_sold_below_value(l0: int, valid: bool) -> None:
    inst = _inst(Node(7, 2, {0: 1}))
    assert is_valid_move(inst, _alloc([(7, 1)], l0=l0), Discount(1)) is valid


def test_discount_refused_when_full_or_not_allocatable() -> None:
    inst = _inst(Node(7, 1, {0: 1}), Node(8, 1, {0: 1}))
    assert not is_valid_move(inst, _alloc([(7, 1), (8, 1)], l0=3), Discount(1))
    closed = _inst(Node(7, 1, {0: 1}), tasks=[Task(1, 0, 21, 2, allocatable=False)])
    assert not is_valid_move(closed, Allocation.of([], {0: 3}), Discount(1))
    assert not is_valid_move(closed, Allocation.of([], {0: 3}), Discount(99))


def test_find_challenge_order_and_none() -> None:
    inst = _inst(Node(7, 2, {0: 12, 1: 1}), Node(8, 3, {0: 1}))
    # Discount first, tasks in canonical order (task 1 has a free slot, π = 5 < 10)
    assert find_challenge(inst, _alloc([(7, 1)], l0=5)) == Discount(1)
    # then node 7: Drop beats Add
    inst2 = _inst(Node(7, 2, {0: 12, 1: 1}), tasks=[Task(1, 0, 10), Task(3, 1, 8)])
    assert find_challenge(inst2, _alloc([(7, 1)])) == Drop(7, 1)
    # no move on an optimal, cleared allocation
    inst3 = _inst(Node(7, 1, {0: 3}), tasks=[Task(1, 0, 10)])
    assert find_challenge(inst3, Allocation.of([(7, 1)], {0: 10})) is None
    assert find_challenge(inst3, Allocation.of([(7, 1)], {0: 3})) is None
    assert find_challenge(inst3, Allocation.of([(7, 1)], {0: 2})) == Drop(7, 1)
