"""Who does which task: a multiset of (node, task) pairs in canonical order.

An allocation is kept as handed in, duplicates and unknown ids included, because a
proposal on chain may be wrong in exactly those ways and a challenger must be able to
name the defect (see :func:`consensus.game.find_profitable_move`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from consensus.game.ids import Id, id_key, normalize_id

if TYPE_CHECKING:
    from consensus.game.solver import SolveStats

__all__ = ["Allocation"]


@dataclass(frozen=True)
class Allocation:
    """Pairs ``(node id, task id)`` sorted by ``(node key, task key)``.

    Build one with :meth:`from_pairs` or :meth:`from_mapping`; both sort, so equal
    contents in any order compare equal. ``stats`` is filled by ``solve`` and takes no
    part in equality.
    """

    pairs: tuple[tuple[Id, Id], ...] = ()
    stats: SolveStats | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[object, object]], stats: SolveStats | None = None
    ) -> Allocation:
        keyed = sorted(
            (
                id_key(node, "allocation node id"),
                id_key(task, "allocation task id"),
                normalize_id(node),
                normalize_id(task),
            )
            for node, task in pairs
        )
        return cls(tuple((node, task) for _, _, node, task in keyed), stats)

    @classmethod
    def from_mapping(cls, mapping: Mapping[object, Iterable[object]]) -> Allocation:
        """Build from ``{node id: [task id, ...]}``."""
        return cls.from_pairs(
            (node, task) for node, tasks in mapping.items() for task in tasks
        )

    def __len__(self) -> int:
        return len(self.pairs)

    def by_node(self) -> dict[Id, tuple[Id, ...]]:
        """``{node id: task ids}`` in canonical order; duplicates kept."""
        out: dict[Id, list[Id]] = {}
        for node, task in self.pairs:
            out.setdefault(node, []).append(task)
        return {node: tuple(tasks) for node, tasks in out.items()}

    def tasks_of(self, node: object) -> tuple[Id, ...]:
        key = id_key(node, "node id")
        return tuple(t for n, t in self.pairs if id_key(n) == key)

    def counts(self) -> dict[int, int]:
        """``n_t`` per task, keyed by the task's integer key (see ``id_key``)."""
        out: dict[int, int] = {}
        for _, task in self.pairs:
            key = id_key(task)
            out[key] = out.get(key, 0) + 1
        return out

    def with_pair(self, node: object, task: object) -> Allocation:
        return Allocation.from_pairs([*self.pairs, (node, task)])

    def without_pair(self, node: object, task: object) -> Allocation:
        """Remove one occurrence of ``(node, task)``; unchanged when absent."""
        target = (id_key(node), id_key(task))
        pairs = list(self.pairs)
        for i, (n, t) in enumerate(pairs):
            if (id_key(n), id_key(t)) == target:
                del pairs[i]
                break
        return Allocation(tuple(pairs))
