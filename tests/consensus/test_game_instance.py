"""Instance construction: canonical order, id rules, validation errors."""

from __future__ import annotations

import random

import pytest

from consensus.game import (
    Allocation,
    GameError,
    Instance,
    InstanceError,
    Node,
    Task,
    id_key,
    normalize_id,
    random_instance,
)


def test_ids_order_as_unsigned_integers() -> None:
    assert id_key(10) == id_key("0x0A") == id_key("0x0a") == 10
    assert normalize_id("0xABcd") == "0xabcd"
    addresses = ["0x" + "ff" * 20, "0x" + "01" * 20, 3]
    inst = Instance([], [Node(a, 1, {}) for a in addresses])
    assert [n.id for n in inst.nodes] == [3, "0x" + "01" * 20, "0x" + "ff" * 20]


@pytest.mark.parametrize(
    "bad", [-1, 2**256, True, "12", "0x", "0xzz", "0x" + "1" * 65, 1.5]
)
def test_bad_ids_are_rejected_with_the_value(bad: object) -> None:
    with pytest.raises(InstanceError, match="id"):
        Task(bad, 0, 1)  # type: ignore[arg-type]


def test_errors_are_value_errors_under_one_root() -> None:
    assert issubclass(InstanceError, GameError) and issubclass(GameError, ValueError)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Task(1, -1, 5), "kind"),
        (lambda: Task(1, 0, -5), "reward"),
        (lambda: Task(1, 0, 5, 0), "redundancy"),
        (lambda: Task(1, 0, 5.0), "reward"),
        (lambda: Node(1, -1, {}), "capacity"),
        (lambda: Node(1, 1, {0: -3}), r"prices\[0\]"),
        (lambda: Node(1, 1, {"a": 3}), "kind"),
        (lambda: Node(1, 1, [(0, 3)]), "prices"),
    ],
)
def test_field_errors_name_the_field(make, field: str) -> None:
    with pytest.raises(InstanceError, match=field):
        make()


def test_duplicate_ids_are_rejected_even_across_spellings() -> None:
    with pytest.raises(InstanceError, match="duplicate id"):
        Instance([], [Node(10, 1, {}), Node("0x0a", 1, {})])
    with pytest.raises(InstanceError, match="duplicate id"):
        Instance([Task(1, 0, 1), Task(1, 0, 2)], [])
    with pytest.raises(InstanceError, match="expected a Task"):
        Instance([Node(1, 1, {})], [])  # type: ignore[list-item]


def test_any_input_order_gives_an_equal_instance() -> None:
    inst = random_instance(20, 50, 3, seed=4)
    tasks, nodes = list(inst.tasks), list(inst.nodes)
    random.Random(1).shuffle(tasks)
    random.Random(2).shuffle(nodes)
    assert Instance(tasks, nodes) == inst
    assert Instance(reversed(tasks), reversed(nodes)).tasks == inst.tasks


def test_allocation_is_canonical_and_keeps_duplicates() -> None:
    a = Allocation.from_pairs([("0x0B", 2), (10, 1), (10, 1)])
    assert a.pairs == ((10, 1), (10, 1), ("0x0b", 2))
    assert a == Allocation.from_mapping({"0x0b": [2], 10: [1, 1]})
    assert a.counts() == {1: 2, 2: 1}
    assert a.without_pair(10, 1).pairs == ((10, 1), ("0x0b", 2))


def test_generator_is_seeded() -> None:
    assert random_instance(30, 100, 4, seed=7) == random_instance(30, 100, 4, seed=7)
    assert random_instance(30, 100, 4, seed=7) != random_instance(30, 100, 4, seed=8)
