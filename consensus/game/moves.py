"""Challenge moves: the certificate that an allocation is not an equilibrium.

Strategic moves (the allocation is valid but some node would gain by one change):

* ``Add``  valid iff ``load < C_i``, ``κ(t)`` supported by ``i``, ``t ∉ A_i`` and
  ``R_t // max(n_t + 1, k_t) − c_i(κ(t)) > 0``.
* ``Drop`` valid iff ``t ∈ A_i`` and ``R_t // max(n_t, k_t) − c_i(κ(t)) < 0``.
* ``Swap`` valid iff ``t ∈ A_i``, ``t' ∉ A_i``, ``κ(t')`` supported and
  ``R_t' // max(n_t' + 1, k_t') − c_i(κ(t')) > R_t // max(n_t, k_t) − c_i(κ(t))``.

Defects (the allocation is not a legal strategy profile): ``OverCapacity``,
``UnsupportedKind``, ``UnknownNode``, ``UnknownTask``, ``DuplicateAssignment``.

Every move carries the counts the contract reads from storage (``n_t`` of the tasks
involved, ``|A_i|`` for an add). ``verify`` first checks that those counts are the
allocation's, as the contract does by reading them, then the single inequality above.
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.game.allocation import Allocation
from consensus.game.ids import Id, id_key
from consensus.game.instance import Instance

__all__ = [
    "Add",
    "Drop",
    "DuplicateAssignment",
    "Move",
    "OverCapacity",
    "Swap",
    "UnknownNode",
    "UnknownTask",
    "UnsupportedKind",
]


class _View:
    """Counts of a possibly invalid allocation, keyed by integer id keys."""

    def __init__(self, allocation: Allocation) -> None:
        self.count: dict[int, int] = {}
        self.load: dict[int, int] = {}
        self.pairs: dict[tuple[int, int], int] = {}
        for node, task in allocation.pairs:
            n, t = id_key(node), id_key(task)
            self.count[t] = self.count.get(t, 0) + 1
            self.load[n] = self.load.get(n, 0) + 1
            self.pairs[(n, t)] = self.pairs.get((n, t), 0) + 1

    def has(self, node: Id, task: Id) -> bool:
        return (id_key(node), id_key(task)) in self.pairs


def _price(instance: Instance, node: Id, task: Id) -> tuple[int, int, int, int] | None:
    """(price, reward, redundancy, kind) when both are known and the kind is supported."""
    i, t = instance.node_index(node), instance.task_index(task)
    if i is None or t is None:
        return None
    n, tk = instance.nodes[i], instance.tasks[t]
    if tk.kind not in n.prices:
        return None
    return n.prices[tk.kind], tk.reward, tk.redundancy, tk.kind


class Move:
    """A challenge; ``verify`` is the contract's check, done off chain."""

    node: Id

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Add(Move):
    """Node ``node`` has spare capacity and would gain by also doing ``task``."""

    node: Id
    task: Id
    load: int
    count: int

    def gain(self, instance: Instance) -> int | None:
        got = _price(instance, self.node, self.task)
        if got is None:
            return None
        price, reward, k, _ = got
        return reward // max(self.count + 1, k) - price

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        view = _View(allocation)
        i = instance.node_index(self.node)
        gain = self.gain(instance)
        return (
            gain is not None
            and i is not None
            and view.load.get(id_key(self.node), 0) == self.load
            and view.count.get(id_key(self.task), 0) == self.count
            and not view.has(self.node, self.task)
            and self.load < instance.nodes[i].capacity
            and gain > 0
        )

    def apply(self, allocation: Allocation) -> Allocation:
        return allocation.with_pair(self.node, self.task)


@dataclass(frozen=True)
class Drop(Move):
    """Node ``node`` earns a negative payoff on ``task`` and would gain by leaving it."""

    node: Id
    task: Id
    count: int

    def gain(self, instance: Instance) -> int | None:
        got = _price(instance, self.node, self.task)
        if got is None:
            return None
        price, reward, k, _ = got
        return price - reward // max(self.count, k)

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        view = _View(allocation)
        gain = self.gain(instance)
        return (
            gain is not None
            and view.has(self.node, self.task)
            and view.count.get(id_key(self.task), 0) == self.count
            and gain > 0
        )

    def apply(self, allocation: Allocation) -> Allocation:
        return allocation.without_pair(self.node, self.task)


@dataclass(frozen=True)
class Swap(Move):
    """Node ``node`` would gain by doing ``in_task`` instead of ``out_task``."""

    node: Id
    out_task: Id
    in_task: Id
    out_count: int
    in_count: int

    def gain(self, instance: Instance) -> int | None:
        got_out = _price(instance, self.node, self.out_task)
        got_in = _price(instance, self.node, self.in_task)
        if got_out is None or got_in is None:
            return None
        p_out, r_out, k_out, _ = got_out
        p_in, r_in, k_in, _ = got_in
        return (r_in // max(self.in_count + 1, k_in) - p_in) - (
            r_out // max(self.out_count, k_out) - p_out
        )

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        view = _View(allocation)
        gain = self.gain(instance)
        return (
            gain is not None
            and view.has(self.node, self.out_task)
            and not view.has(self.node, self.in_task)
            and view.count.get(id_key(self.out_task), 0) == self.out_count
            and view.count.get(id_key(self.in_task), 0) == self.in_count
            and gain > 0
        )

    def apply(self, allocation: Allocation) -> Allocation:
        return allocation.without_pair(self.node, self.out_task).with_pair(
            self.node, self.in_task
        )


@dataclass(frozen=True)
class OverCapacity(Move):
    """Node ``node`` holds ``load`` tasks, more than its capacity."""

    node: Id
    load: int

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        i = instance.node_index(self.node)
        return (
            i is not None
            and _View(allocation).load.get(id_key(self.node), 0) == self.load
            and self.load > instance.nodes[i].capacity
        )


@dataclass(frozen=True)
class UnsupportedKind(Move):
    """Node ``node`` is assigned ``task`` of a kind it does not serve."""

    node: Id
    task: Id

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        i, t = instance.node_index(self.node), instance.task_index(self.task)
        return (
            i is not None
            and t is not None
            and _View(allocation).has(self.node, self.task)
            and instance.tasks[t].kind not in instance.nodes[i].prices
        )


@dataclass(frozen=True)
class UnknownNode(Move):
    """An assignment names a node that is not registered."""

    node: Id

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        return (
            instance.node_index(self.node) is None
            and _View(allocation).load.get(id_key(self.node), 0) > 0
        )


@dataclass(frozen=True)
class UnknownTask(Move):
    """An assignment names a task that is not open in this round."""

    node: Id
    task: Id

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        return instance.task_index(self.task) is None and _View(allocation).has(
            self.node, self.task
        )


@dataclass(frozen=True)
class DuplicateAssignment(Move):
    """The same (node, task) pair appears more than once."""

    node: Id
    task: Id

    def verify(self, instance: Instance, allocation: Allocation) -> bool:
        return (
            _View(allocation).pairs.get((id_key(self.node), id_key(self.task)), 0) > 1
        )
