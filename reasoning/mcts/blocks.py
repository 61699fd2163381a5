"""Blocks world: move one clear block at a time (onto another clear block or the table)
until the stacks match the goal.

A state is a canonical tuple of stacks (bottom first) plus the number of moves made;
the move count bounds the tree. A guided playout policy (move a block to its final
place when it can go there, else clear a misplaced block to the table) makes rollouts
informative; UCT does the rest.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from reasoning.mcts.problem import SearchResult
from reasoning.mcts.search import MCTS

__all__ = ["TABLE", "BlocksWorld", "solve_blocks"]

TABLE = "table"
Stacks = tuple[tuple[str, ...], ...]
State = tuple[Stacks, int]
Action = tuple[str, str]  # (block, destination block or TABLE)


def _canon(stacks: Sequence[Sequence[str]]) -> Stacks:
    return tuple(sorted(tuple(s) for s in stacks if s))


def _below(stacks: Stacks) -> dict[str, str]:
    out: dict[str, str] = {}
    for stack in stacks:
        for k, block in enumerate(stack):
            out[block] = stack[k - 1] if k else TABLE
    return out


@dataclass(frozen=True)
class BlocksWorld:
    """Rearrange ``start`` into ``goal`` (lists of stacks, bottom block first) within ``max_moves``."""

    start: Stacks
    goal: Stacks
    max_moves: int = 0

    def __post_init__(self) -> None:
        start, goal = _canon(self.start), _canon(self.goal)
        blocks = [b for s in start for b in s]
        if len(set(blocks)) != len(blocks):
            raise ValueError(f"start: every block must appear once, got {list(map(list, start))}")
        if sorted(blocks) != sorted(b for s in goal for b in s):
            raise ValueError(f"goal: expected the same blocks as start {sorted(blocks)}, got {list(map(list, goal))}")
        if TABLE in blocks:
            raise ValueError(f"blocks: {TABLE!r} is reserved for the table")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "goal", goal)
        if self.max_moves <= 0:
            object.__setattr__(self, "max_moves", 2 * len(blocks))  # always enough: unstack all, rebuild
        object.__setattr__(self, "_goal_below", _below(goal))

    def initial_state(self) -> State:
        return (self.start, 0)

    def actions(self, state: State) -> Sequence[Action]:
        stacks, _ = state
        out: list[Action] = []
        for i, src in enumerate(stacks):
            block = src[-1]
            if len(src) > 1:
                out.append((block, TABLE))
            for j, dst in enumerate(stacks):
                if i != j:
                    out.append((block, dst[-1]))
        return out

    def step(self, state: State, action: Action) -> State:
        stacks, moves = state
        block, dest = action
        new = [list(s) for s in stacks]
        for s in new:
            if s and s[-1] == block:
                s.pop()
                break
        if dest == TABLE:
            new.append([block])
        else:
            for s in new:
                if s and s[-1] == dest:
                    s.append(block)
                    break
        return (_canon(new), moves + 1)

    def is_terminal(self, state: State) -> bool:
        return state[0] == self.goal or state[1] >= self.max_moves

    def reward(self, state: State) -> float:
        if state[0] == self.goal:
            return 1.0
        below, goal_below = _below(state[0]), self._goal_below  # type: ignore[attr-defined]
        placed = sum(1 for b, under in below.items() if goal_below[b] == under)
        return 0.9 * placed / max(1, len(below))

    def state_key(self, state: State) -> State:
        return state

    def guided_action(self, state: State, rng: random.Random) -> Action:
        """Playout policy: a constructive move when there is one, else a random move (20%)
        or moving a misplaced clear block to the table."""
        stacks, _ = state
        goal_below = self._goal_below  # type: ignore[attr-defined]
        correct: set[str] = set()
        for stack in stacks:  # a block is done when it and everything under it is placed right
            ok = True
            for k, b in enumerate(stack):
                ok = ok and goal_below[b] == (stack[k - 1] if k else TABLE)
                if ok:
                    correct.add(b)
        tops = {s[-1] for s in stacks}
        for stack in stacks:
            b = stack[-1]
            if b in correct:
                continue
            target = goal_below[b]
            if (target == TABLE and len(stack) > 1) or (target in tops and target in correct):
                return (b, target)
        actions = self.actions(state)
        misplaced = [a for a in actions if a[1] == TABLE and a[0] not in correct]
        if misplaced and rng.random() > 0.2:
            return misplaced[rng.randrange(len(misplaced))]
        return actions[rng.randrange(len(actions))]

    def solution(self, state: State, actions: list[Action]) -> list[str]:
        """The plan as ``"move A onto B"`` / ``"move A onto table"`` steps."""
        return [f"move {b} onto {d}" for b, d in actions]


def solve_blocks(
    start: Sequence[Sequence[str]],
    goal: Sequence[Sequence[str]],
    *,
    max_simulations: int = 5_000,
    max_seconds: float | None = None,
    seed: int = 0,
) -> SearchResult[State, Action]:
    """Plan moves from ``start`` to ``goal`` stacks (bottom first); ``result.solution`` is the plan."""
    problem = BlocksWorld(_canon(start), _canon(goal))
    policy = lambda p, state, rng: p.guided_action(state, rng)
    return MCTS(problem, seed=seed, exploration=0.5, rollout_policy=policy).run(
        max_simulations=max_simulations, max_seconds=max_seconds
    )
