"""A node's best single move, shared by the solver and the certificate checker.

Both must choose the same move in the same state, so the choice lives here once:

* the node's *worst* own task is the one with the lowest payoff, ties to the lowest index;
* its *best* outside task has the highest gain ``R_t // max(n_t + 1, k_t) − c``, ties to the
  lowest index (``best_outside`` finds it, from heaps in the solver, from sorted lists in
  the checker);
* among the profitable add, drop and swap, the largest payoff improvement wins; ties go to
  add, then drop, then swap.
"""

from __future__ import annotations

from collections.abc import Callable

ADD, DROP, SWAP = 0, 1, 2

#: best_outside(own, prices, threshold) -> (gain, task) with gain > threshold, or None
Outside = Callable[[set[int], dict[int, int], int], "tuple[int, int] | None"]


def best_move(
    own: set[int],
    cap: int,
    prices: dict[int, int],
    rewards: list[int],
    reds: list[int],
    kinds: list[int],
    counts: list[int],
    best_outside: Outside,
) -> tuple[tuple[int, int, int, int] | None, int | None]:
    """Return ``(move, threshold)``.

    ``move`` is ``(code, task_a, task_b, improvement)`` or None when no move pays;
    ``task_a`` is the added, dropped or swapped-out task, ``task_b`` the swapped-in task
    (``-1`` otherwise). ``threshold`` is the gain an outside task must exceed to give the
    node a move (None: nothing can, the node has no capacity).
    """
    worst_t, worst_p = -1, 0
    for t in own:
        n, k = counts[t], reds[t]
        p = rewards[t] // (max(k, n)) - prices[kinds[t]]
        if worst_t < 0 or p < worst_p or (p == worst_p and t < worst_t):
            worst_t, worst_p = t, p
    spare = len(own) < cap
    if own:
        threshold = min(worst_p, 0) if spare else worst_p
    elif spare:
        threshold = 0
    else:
        return None, None
    found = best_outside(own, prices, threshold)
    choice: tuple[int, int, int, int] | None = None
    if found is not None and spare and found[0] > 0:
        choice = (ADD, found[1], -1, found[0])
    if own and worst_p < 0 and (choice is None or -worst_p > choice[3]):
        choice = (DROP, worst_t, -1, -worst_p)
    if own and found is not None and found[0] > worst_p:
        gain = found[0] - worst_p
        if choice is None or gain > choice[3]:
            choice = (SWAP, worst_t, found[1], gain)
    return choice, threshold
