"""Deterministic best-response dynamics for the allocation game.

Phase 1 (greedy): nodes in canonical order each take their best response to the nodes
before them: the up to ``C_i`` eligible tasks of highest positive gain
``R_t // max(n_t + 1, k_t) − c_i(κ)``, ties to the lower task index. Each pick is itself a
profitable ``Add`` move, so Φ rises with every one.

Phase 2 (improvement passes): sweeps over the nodes in canonical order; a node applies its
best single move (``_response.best_move``) until it has none. Sweeps repeat until no node
has a move, which is the certificate checked by ``find_profitable_move``.

Why it is fast: a node's gain from a task depends on the task only through its marginal
share, and that share is the same for every node. So each kind keeps one max-heap of tasks
by marginal share; a node merges the heaps of its kinds, offset by its prices, and looks
only at their tops. Entries go stale when a count changes; a version number per task
recognises them. A sweep skips a node that had no move at its last check unless something
since could have given it one (see ``_Dynamics``); skipping changes nothing in the result,
only the time. Cost: ``O((Σ_i C_i + moves · K) · log T + sweeps · N)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from consensus.game._dynamics import Dynamics
from consensus.game.allocation import Allocation
from consensus.game.instance import Instance
from consensus.game.moves import Move

__all__ = ["SolveStats", "solve"]


@dataclass(frozen=True)
class SolveStats:
    """What the dynamics did.

    Attributes:
        greedy_adds: add moves made by the greedy phase.
        improving_moves: moves made by the improvement sweeps.
        passes: improvement sweeps (a sweep visits only the nodes that may have a move).
        trace: every move in order, when ``solve(..., record=True)``; else empty.
    """

    greedy_adds: int
    improving_moves: int
    passes: int
    trace: tuple[Move, ...] = field(default=(), repr=False)

    @property
    def moves(self) -> int:
        return self.greedy_adds + self.improving_moves


def solve(instance: Instance, *, record: bool = False) -> Allocation:
    """Compute the pure Nash equilibrium every honest node computes from this instance.

    The result depends only on the canonical instance: the same tasks and nodes in any
    input order give the identical allocation, with integer arithmetic only. The
    dynamics always end, since every move raises the integer potential Φ by ≥ 1.

    Args:
        instance: the round.
        record: keep every move in ``allocation.stats.trace`` (for audits and tests).
    """
    dyn = Dynamics(instance, record)
    greedy_adds = dyn.greedy()
    improving, passes = dyn.improve()
    stats = SolveStats(greedy_adds, improving, passes, tuple(dyn.trace))
    tasks, nodes = instance.tasks, instance.nodes
    # index order is canonical order, so the pairs need no sorting
    pairs = tuple(
        (nodes[i].id, tasks[t].id)
        for i, mine in enumerate(dyn.own)
        for t in sorted(mine)
    )
    return Allocation(pairs, stats)
