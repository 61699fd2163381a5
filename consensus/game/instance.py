"""One round of the allocation game: the open tasks and the registered nodes.

The instance is canonical: tasks and nodes are kept sorted by id (see
:mod:`consensus.game.ids`), so the same chain state handed in any order gives an equal
instance, and every index used by the solver means the same thing on every machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from types import MappingProxyType

from consensus.game.errors import InstanceError
from consensus.game.ids import Id, id_key, normalize_id

__all__ = ["Instance", "Node", "Task"]

_UINT256 = 1 << 256


def _uint(value: object, field_name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(
            f"{field_name}={value!r}: expected an int (token base units or a count), "
            f"got {type(value).__name__}"
        )
    if not minimum <= value < _UINT256:
        raise InstanceError(
            f"{field_name}={value!r}: expected an int in [{minimum}, 2**256)"
        )
    return value


@dataclass(frozen=True, slots=True)
class Task:
    """An open task.

    Attributes:
        id: task id (int or 0x-hex string).
        kind: task kind ``κ(t)``.
        reward: escrowed reward ``R_t`` in token base units.
        redundancy: ``k_t ≥ 1``, the number of nodes the reward is meant for.
    """

    id: Id
    kind: int
    reward: int
    redundancy: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", normalize_id(self.id, "task.id"))
        _uint(self.kind, f"task[{self.id}].kind")
        _uint(self.reward, f"task[{self.id}].reward")
        _uint(self.redundancy, f"task[{self.id}].redundancy", minimum=1)


@dataclass(frozen=True, slots=True)
class Node:
    """A registered node.

    Attributes:
        id: node id, usually its operator address.
        capacity: ``C_i ≥ 0``, tasks per round.
        prices: ``c_i(κ)`` in token base units per supported kind; the supported kinds
            are exactly the keys.
    """

    id: Id
    capacity: int
    prices: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", normalize_id(self.id, "node.id"))
        _uint(self.capacity, f"node[{self.id}].capacity")
        if not isinstance(self.prices, Mapping):
            raise InstanceError(
                f"node[{self.id}].prices={self.prices!r}: expected a mapping kind -> price"
            )
        for kind, price in self.prices.items():
            _uint(kind, f"node[{self.id}].prices key (kind)")
            _uint(price, f"node[{self.id}].prices[{kind}]")
        frozen = MappingProxyType(dict(sorted(self.prices.items())))
        object.__setattr__(self, "prices", frozen)

    def __hash__(self) -> int:
        return hash((self.id, self.capacity, tuple(self.prices.items())))

    def supports(self, kind: int) -> bool:
        return kind in self.prices


class Instance:
    """Tasks and nodes of one round, in canonical order (ascending id).

    Raises:
        InstanceError: an element has the wrong type, or two tasks (or two nodes)
            share an id.
    """

    def __init__(self, tasks: Iterable[Task], nodes: Iterable[Node]) -> None:
        self.tasks: tuple[Task, ...] = _canonical(tasks, Task, "tasks")
        self.nodes: tuple[Node, ...] = _canonical(nodes, Node, "nodes")
        self._task_pos = {id_key(t.id): i for i, t in enumerate(self.tasks)}
        self._node_pos = {id_key(n.id): i for i, n in enumerate(self.nodes)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return self.tasks == other.tasks and self.nodes == other.nodes

    def __hash__(self) -> int:
        return hash((self.tasks, self.nodes))

    def __repr__(self) -> str:
        return f"Instance({len(self.tasks)} tasks, {len(self.nodes)} nodes)"

    def task_index(self, task_id: object) -> int | None:
        """Canonical position of a task, or None when the id is not in this round."""
        return self._task_pos.get(id_key(task_id, "task id"))

    def node_index(self, node_id: object) -> int | None:
        """Canonical position of a node, or None when the id is not registered."""
        return self._node_pos.get(id_key(node_id, "node id"))

    @cached_property
    def arrays(
        self,
    ) -> tuple[list[int], list[int], list[int], list[int], list[dict[int, int]]]:
        """Plain lists for hot loops: rewards, redundancies, kinds, capacities, prices."""
        return (
            [t.reward for t in self.tasks],
            [t.redundancy for t in self.tasks],
            [t.kind for t in self.tasks],
            [n.capacity for n in self.nodes],
            [dict(n.prices) for n in self.nodes],
        )


def _canonical(items: Iterable[object], cls: type, name: str) -> tuple:
    keyed: list[tuple[int, Task | Node]] = []
    for position, item in enumerate(items):
        if not isinstance(item, cls):
            raise InstanceError(
                f"{name}[{position}]={item!r}: expected a {cls.__name__}"
            )
        keyed.append((id_key(item.id), item))  # type: ignore[attr-defined,arg-type]
    keyed.sort(key=lambda pair: pair[0])
    for (a, first), (b, _) in pairwise(keyed):
        if a == b:
            raise InstanceError(
                f"{name}: duplicate id {first.id!r} (ids are unique per round)"
            )
    return tuple(item for _, item in keyed)
