"""The exact welfare optimum of an instance (networkx), for judging the solver."""

from __future__ import annotations

from dataclasses import dataclass

from consensus.clearing.allocation import Allocation
from consensus.clearing.flow import explicit_arcs, explicit_flow, hub_flow
from consensus.clearing.instance import Instance

__all__ = ["Optimum", "optimal"]


@dataclass(frozen=True)
class Optimum:
    """Result of :func:`optimal`.

    Attributes:
        welfare: the optimal welfare (an upper bound when ``exact`` is False).
        pairs: an optimal set of (node id, task id) pairs, or None when not ``exact``.
        exact: whether ``welfare`` is attained.
        method: ``"hub-flow"``, ``"explicit-flow"`` or ``"hub-bound"``.
    """

    welfare: int
    pairs: tuple[tuple[object, object], ...] | None
    exact: bool
    method: str


def optimal(instance: Instance, *, method: str = "auto", max_arcs: int = 400_000) -> Optimum:
    """Maximum welfare of the transportation LP (integral: the matrix is TU).

    Args:
        instance: the round.
        method: ``"auto"`` (hub flow and Gale–Ryser split, explicit flow when the split
            fails) or ``"explicit"`` (always the explicit network; independent of the
            hub, so tests use it to check the solver).
        max_arcs: largest explicit network ``"auto"`` tries when the split fails; above
            it the hub bound is returned with ``exact=False``.
    """
    if method not in ("auto", "explicit"):
        raise ValueError(f"method={method!r}: expected 'auto' or 'explicit'")
    if method == "auto":
        bound, pairs = hub_flow(instance)
        if pairs is not None:
            return Optimum(bound, _ids(instance, pairs), True, "hub-flow")
        if explicit_arcs(instance) > max_arcs:
            return Optimum(bound, None, False, "hub-bound")
    value, pairs = explicit_flow(instance)
    return Optimum(value, _ids(instance, pairs), True, "explicit-flow")


def _ids(instance: Instance, pairs: list[tuple[int, int]]) -> tuple[tuple[object, object], ...]:
    return tuple((instance.nodes[i].id, instance.tasks[t].id) for i, t in pairs)


def as_allocation(instance: Instance, optimum: Optimum, prices: dict[int, int]) -> Allocation:
    """The optimum's pairs under ``prices`` (for tests and tools)."""
    if optimum.pairs is None:
        raise ValueError("optimum is a bound only (exact=False): no pairs to allocate")
    return Allocation.of(optimum.pairs, prices)
