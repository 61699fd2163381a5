"""Each defect of a proposal raises AllocationError naming the node, the task and the field."""

from __future__ import annotations

import pytest

from consensus.clearing import (
    Allocation,
    AllocationError,
    ClearingError,
    Instance,
    InstanceError,
    Node,
    Task,
    validate,
    welfare,
)

INST = Instance(
    [Task(1, 0, 20, 2), Task(2, 1, 5), Task(3, 0, 9, 1, allocatable=False)],
    [
        Node(7, 1, {0: 1}),
        Node(8, 3, {0: 1, 1: 1}),
        Node(9, 3, {0: 1, 1: 1}, eligible=False),
    ],
)
PRICES = {0: 10, 1: 5}


@pytest.mark.parametrize(
    ("pairs", "prices", "field", "node", "task"),
    [
        ([(6, 1)], PRICES, "node", 6, 1),
        ([(7, 4)], PRICES, "task", 7, 4),
        ([(8, 1), (8, 1)], PRICES, "duplicate", 8, 1),
        ([(7, 1), (7, 2)], PRICES, "kind", 7, 2),
        ([(9, 1)], PRICES, "eligible", 9, 1),
        ([(8, 3)], PRICES, "allocatable", 8, 3),
        ([(7, 1), (8, 2), (8, 1)], PRICES, None, None, None),
        ([(8, 1), (8, 2)], {0: 10}, "prices", None, None),
        ([], {1: 5}, "prices", None, None),
    ],
)
def test_defects(
    pairs: list[tuple[int, int]],
    prices: dict[int, int],
    field: str | None,
    node: int | None,
    task: int | None,
) -> None:
    alloc = Allocation.of(pairs, prices)
    if field is None:
        validate(INST, alloc)
        return
    with pytest.raises(AllocationError) as info:
        validate(INST, alloc)
    assert info.value.field == field
    assert info.value.node == node
    assert info.value.task == task
    if node is not None:
        assert repr(node) in str(info.value)
    if task is not None:
        assert repr(task) in str(info.value)


def test_over_capacity_and_overfull() -> None:
    inst = Instance(
        [Task(1, 0, 20, 1), Task(2, 0, 20, 1)],
        [Node(7, 1, {0: 1}), Node(8, 2, {0: 1})],
    )
    with pytest.raises(AllocationError, match="capacity 1") as info:
        validate(inst, Allocation.of([(7, 1), (7, 2)], {0: 1}))
    assert (info.value.field, info.value.node) == ("capacity", 7)
    with pytest.raises(AllocationError, match="redundancy 1") as info:
        validate(inst, Allocation.of([(7, 1), (8, 1)], {0: 1}))
    assert (info.value.field, info.value.task) == ("overfull", 1)


def test_bad_values_in_proposal_and_instance() -> None:
    with pytest.raises(AllocationError) as info:
        Allocation.of([], {0: 1.5})  # type: ignore[dict-item]
    assert info.value.field == "prices"
    with pytest.raises(AllocationError) as info:
        Allocation.of([("node", 1)], {})
    assert info.value.field == "node"
    with pytest.raises(InstanceError, match="redundancy"):
        Task(1, 0, 5, 0)
    with pytest.raises(InstanceError, match="duplicate id"):
        Instance([Task(1, 0, 5), Task("0x1", 0, 5)], [])
    with pytest.raises(InstanceError, match="eligible"):
        Node(1, 1, {}, eligible=1)  # type: ignore[arg-type]
    assert issubclass(AllocationError, ClearingError)
    assert issubclass(AllocationError, ValueError)
    with pytest.raises(AllocationError):
        welfare(INST, Allocation.of([(6, 1)], PRICES))
