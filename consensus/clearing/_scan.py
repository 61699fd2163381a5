"""Per-kind extremes shared by the watcher and the pricer."""

from __future__ import annotations

from collections.abc import Container, Sequence

__all__ = ["best_outside"]


def best_outside(order: Sequence[int], members: Container[int]) -> int | None:
    """First task of ``order`` (a kind's tasks, best first) not in ``members``.

    Costs at most ``|members ∩ order| + 1`` steps, which keeps the scans over all nodes
    and kinds at ``O(nodes × kinds + pairs)``.
    """
    for t in order:
        if t not in members:
            return t
    return None
