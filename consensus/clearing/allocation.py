"""A proposal: who does which task, and one posted price per kind.

An allocation is kept as handed in, duplicates and unknown ids included, because a
proposal on chain may be wrong in exactly those ways and :func:`validate` must be able to
name the defect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from consensus.clearing.errors import AllocationError, InstanceError
from consensus.clearing.ids import Id, id_key, normalize_id

__all__ = ["Allocation"]


def _id(value: object, name: str) -> tuple[int, Id]:
    try:
        return id_key(value, name), normalize_id(value, name)
    except InstanceError as exc:
        raise AllocationError(str(exc), field=name) from None


@dataclass(frozen=True)
class Allocation:
    """Pairs ``(node id, task id)`` sorted by ``(node key, task key)``, plus prices.

    Build one with :meth:`of`; it sorts, so equal contents in any order compare equal.

    Attributes:
        pairs: the (node, task) pairs, canonical order, duplicates kept.
        prices: ``λ_κ`` per kind (kind -> int), ascending kind.
    """

    pairs: tuple[tuple[Id, Id], ...] = ()
    prices: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[object, object]], prices: Mapping[int, int]) -> Allocation:
        """Allocation from pairs in any order and a kind -> price mapping.

        Raises:
            AllocationError: an id is malformed, or a price or kind is not an int.
        """
        keyed = []
        for node, task in pairs:
            n_key, n_id = _id(node, "node")
            t_key, t_id = _id(task, "task")
            keyed.append(((n_key, t_key), (n_id, t_id)))
        keyed.sort(key=lambda item: item[0])
        for kind, price in prices.items():
            for value, what in ((kind, "kind"), (price, f"price of kind {kind!r}")):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise AllocationError(f"prices: {what}={value!r} is not an int", field="prices")
        return cls(
            tuple(pair for _, pair in keyed),
            MappingProxyType(dict(sorted(prices.items()))),
        )

    def __hash__(self) -> int:
        return hash((self.pairs, tuple(self.prices.items())))

    def with_prices(self, prices: Mapping[int, int]) -> Allocation:
        """The same pairs under other prices."""
        return Allocation.of(self.pairs, prices)
