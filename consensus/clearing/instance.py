"""One round of the v2 game: the open tasks and the registered nodes.

The instance is canonical: tasks and nodes are kept sorted by id, so the same chain state
handed in any order gives an equal instance, and every index means the same thing on
every machine. All quantities are integers (token base units or counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from types import MappingProxyType
from typing import TypeVar

from consensus.clearing.errors import InstanceError
from consensus.clearing.ids import Id, id_key, normalize_id

__all__ = ["Instance", "Node", "Task"]

_UINT256 = 1 << 256


def _uint(value: object, field_name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{field_name}={value!r}: expected an int, got {type(value).__name__}")
    if not minimum <= value < _UINT256:
        raise InstanceError(f"{field_name}={value!r}: expected an int in [{minimum}, 2**256)")
    return value


def _flag(value: object, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InstanceError(f"{field_name}={value!r}: expected a bool")
    return value


@dataclass(frozen=True, slots=True)
class Task:
    """An open task.

    Attributes:
        id: task id (int or 0x-hex string).
        kind: ``κ_t``.
        reward: escrowed reward ``R_t``.
        redundancy: ``k_t ≥ 1`` slots; never more than ``k_t`` nodes.
        allocatable: False for a task that must get no nodes this round.
    """

    id: Id
    kind: int
    reward: int
    redundancy: int = 1
    allocatable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", normalize_id(self.id, "task.id"))
        _uint(self.kind, f"task[{self.id}].kind")
        _uint(self.reward, f"task[{self.id}].reward")
        _uint(self.redundancy, f"task[{self.id}].redundancy", minimum=1)
        _flag(self.allocatable, f"task[{self.id}].allocatable")

    @property
    def value(self) -> int:
        """Slot value ``v_t = R_t // k_t``."""
        return self.reward // self.redundancy


@dataclass(frozen=True, slots=True)
class Node:
    """A registered node.

    Attributes:
        id: node id, usually its operator address.
        capacity: ``C_i ≥ 0`` tasks per round.
        prices: ``c_i(κ)`` per supported kind; the supported kinds are exactly the keys.
        eligible: False for a node that must get no tasks this round.
    """

    id: Id
    capacity: int
    prices: Mapping[int, int] = field(default_factory=dict)
    eligible: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", normalize_id(self.id, "node.id"))
        _uint(self.capacity, f"node[{self.id}].capacity")
        _flag(self.eligible, f"node[{self.id}].eligible")
        if not isinstance(self.prices, Mapping):
            raise InstanceError(f"node[{self.id}].prices={self.prices!r}: expected a mapping kind -> price")
        for kind, price in self.prices.items():
            _uint(kind, f"node[{self.id}].prices key (kind)")
            _uint(price, f"node[{self.id}].prices[{kind}]")
        object.__setattr__(self, "prices", MappingProxyType(dict(sorted(self.prices.items()))))

    def __hash__(self) -> int:
        return hash((self.id, self.capacity, tuple(self.prices.items()), self.eligible))

    def serves(self, kind: int) -> bool:
        """Whether the node posts a price for ``kind``."""
        return kind in self.prices


_T = TypeVar("_T", Task, Node)


class Instance:
    """Tasks and nodes of one round, in canonical order (ascending id).

    Raises:
        InstanceError: an element has the wrong type, two tasks (or two nodes) share an id.
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
        try:
            return self._task_pos.get(id_key(task_id, "task id"))
        except InstanceError:
            return None

    def node_index(self, node_id: object) -> int | None:
        """Canonical position of a node, or None when the id is not registered."""
        try:
            return self._node_pos.get(id_key(node_id, "node id"))
        except InstanceError:
            return None

    @cached_property
    def values(self) -> list[int]:
        """Slot values ``v_t`` by task index."""
        return [t.reward // t.redundancy for t in self.tasks]

    @cached_property
    def kinds(self) -> tuple[int, ...]:
        """Every kind some task has, ascending."""
        return tuple(sorted({t.kind for t in self.tasks}))

    @cached_property
    def by_kind(self) -> dict[int, list[int]]:
        """Allocatable task indices per kind, best first: ``(-v_t, index)`` ascending.

        Every kind in :attr:`kinds` has an entry (possibly empty).
        """
        out: dict[int, list[int]] = {kind: [] for kind in self.kinds}
        for t, task in enumerate(self.tasks):
            if task.allocatable:
                out[task.kind].append(t)
        values = self.values
        for tasks in out.values():
            tasks.sort(key=lambda t: (-values[t], t))
        return out


def _canonical(items: Iterable[object], cls: type[_T], name: str) -> tuple[_T, ...]:
    keyed: list[tuple[int, _T]] = []
    for position, item in enumerate(items):
        if not isinstance(item, cls):
            raise InstanceError(f"{name}[{position}]={item!r}: expected a {cls.__name__}")
        keyed.append((id_key(item.id), item))
    keyed.sort(key=lambda pair: pair[0])
    for (a, first), (b, _) in pairwise(keyed):
        if a == b:
            raise InstanceError(f"{name}: duplicate id {first.id!r} (ids are unique per round)")
    return tuple(item for _, item in keyed)
