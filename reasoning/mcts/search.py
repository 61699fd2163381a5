"""UCT with solved-node propagation (MCTS-Solver), for single-agent problems.

A child whose subtree holds a solution makes its parent solved, which ends the search;
a node whose children are all proven dead ends is itself a dead end, so a search that
proves the root dead has shown the problem has no solution.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic

from reasoning.mcts.problem import A, Problem, S, SearchResult

__all__ = ["MCTS", "search"]

_OPEN, _WIN, _LOSS = 0, 1, 2
SOLVED_REWARD = 1.0


class _Node(Generic[S, A]):
    __slots__ = ("action", "children", "parent", "state", "status", "total", "visits")

    def __init__(self, state: S, parent: _Node[S, A] | None, action: A | None) -> None:
        self.state = state
        self.parent = parent
        self.action = action
        self.children: list[_Node[S, A]] | None = None
        self.visits = 0
        self.total = 0.0
        self.status = _OPEN


def _path(node: _Node[S, A]) -> list[A]:
    out: list[A] = []
    while node.parent is not None:
        out.append(node.action)  # type: ignore[arg-type]
        node = node.parent
    return out[::-1]


class MCTS(Generic[S, A]):
    """Seeded UCT search over a :class:`Problem`.

    Args:
        problem: The problem.
        exploration: UCT constant ``c`` in ``mean + c * sqrt(ln N / n)``.
        seed: Seeds the random choices; with the simulation budget binding, equal seeds
            give equal results.
        rollout_policy: ``f(problem, state, rng) -> action`` for playouts; uniform if None.
        max_rollout_depth: Playouts stop (scored by the reward) after this many steps.
    """

    def __init__(
        self,
        problem: Problem[S, A],
        *,
        exploration: float = 1.0,
        seed: int = 0,
        rollout_policy: Callable[[Problem[S, A], S, random.Random], A] | None = None,
        max_rollout_depth: int = 1000,
    ) -> None:
        if exploration < 0:
            raise ValueError(f"exploration: expected a non-negative number, got {exploration}")
        self.problem = problem
        self.exploration = exploration
        self.rng = random.Random(seed)
        self.rollout_policy = rollout_policy
        self.max_rollout_depth = max_rollout_depth
        self.nodes = 0
        # optional transposition key: positions equal under it share their dead-end proofs
        self._key: Callable[[S], Any] | None = getattr(problem, "state_key", None)
        self._dead: set[Any] = set()

    def _expand(self, node: _Node[S, A]) -> None:
        actions: Sequence[A] = self.problem.actions(node.state)
        node.children = []
        for action in actions:
            child: _Node[S, A] = _Node(self.problem.step(node.state, action), node, action)
            if self.problem.is_terminal(child.state):
                child.status = _WIN if self.problem.reward(child.state) >= SOLVED_REWARD else _LOSS
            elif self._key is not None and self._key(child.state) in self._dead:
                child.status = _LOSS  # the same position was proven a dead end on another path
            node.children.append(child)
        self.nodes += len(node.children)

    def _select(self, node: _Node[S, A]) -> _Node[S, A] | None:
        assert node.children is not None
        if self._dead:
            for c in node.children:
                if c.status == _OPEN and c.children is None and self._key(c.state) in self._dead:  # type: ignore[misc]
                    c.status = _LOSS
        open_children = [c for c in node.children if c.status != _LOSS]
        if not open_children:
            return None
        fresh = [c for c in open_children if c.visits == 0]
        if fresh:
            return fresh[self.rng.randrange(len(fresh))]
        log_n = math.log(node.visits)
        return max(
            open_children,
            key=lambda c: c.total / c.visits + self.exploration * math.sqrt(log_n / c.visits),
        )

    def _rollout(self, state: S) -> tuple[float, list[A], S]:
        taken: list[A] = []
        for _ in range(self.max_rollout_depth):
            if self.problem.is_terminal(state):
                break
            actions = self.problem.actions(state)
            if not actions:
                return 0.0, taken, state
            if self.rollout_policy is not None:
                action = self.rollout_policy(self.problem, state, self.rng)
            else:
                action = actions[self.rng.randrange(len(actions))]
            taken.append(action)
            state = self.problem.step(state, action)
        if not self.problem.is_terminal(state):
            return min(self.problem.reward(state), 0.999), taken, state
        return self.problem.reward(state), taken, state

    def _propagate_loss(self, node: _Node[S, A] | None) -> None:
        while node is not None and node.children is not None and all(c.status == _LOSS for c in node.children):
            node.status = _LOSS
            if self._key is not None:
                self._dead.add(self._key(node.state))
            node = node.parent

    def run(self, *, max_simulations: int = 10_000, max_seconds: float | None = None) -> SearchResult[S, A]:
        """Search until solved, proven unsolvable, or a budget runs out."""
        if max_simulations < 1:
            raise ValueError(f"max_simulations: expected a positive integer, got {max_simulations}")
        start = time.monotonic()
        deadline = None if max_seconds is None else start + max_seconds
        problem = self.problem
        root: _Node[S, A] = _Node(problem.initial_state(), None, None)
        self.nodes = 1
        self._dead = set()
        best: tuple[float, list[A], S] = (-1.0, [], root.state)

        def done(solved_path: list[A] | None, final: S, sims: int, reward: float = SOLVED_REWARD) -> SearchResult[S, A]:
            solution = None
            if solved_path is not None and hasattr(problem, "solution"):
                solution = problem.solution(final, solved_path)
            elif solved_path is not None:
                solution = solved_path
            return SearchResult(
                solved=solved_path is not None and reward >= SOLVED_REWARD,
                solution=solution,
                actions=list(solved_path or best[1]),
                reward=reward if solved_path is not None else max(best[0], 0.0),
                proven_unsolvable=root.status == _LOSS,
                simulations=sims,
                seconds=time.monotonic() - start,
                nodes=self.nodes,
            )

        if problem.is_terminal(root.state):
            r = problem.reward(root.state)
            if r < SOLVED_REWARD:
                root.status = _LOSS
                return done(None, root.state, 0)
            return done([], root.state, 0)
        sims = 0
        while sims < max_simulations and root.status != _LOSS:
            if deadline is not None and time.monotonic() >= deadline:
                break
            sims += 1
            node = root
            while node.children is not None and node.status == _OPEN and node.children:
                chosen = self._select(node)
                if chosen is None:
                    break
                node = chosen
            if node.children is not None and node.status == _OPEN:
                self._propagate_loss(node)  # every child turned out to be a known dead end
                continue
            if node.children is None and not problem.is_terminal(node.state):
                self._expand(node)
                assert node.children is not None
                winner = next((c for c in node.children if c.status == _WIN), None)
                if winner is not None:
                    return done(_path(winner), winner.state, sims)
                self._propagate_loss(node)  # a node without actions is a dead end too
                chosen = self._select(node) if node.status != _LOSS else None
                if chosen is None:
                    self._propagate_loss(node)
                    continue
                node = chosen
            reward, tail, final = self._rollout(node.state)
            if reward >= SOLVED_REWARD:
                return done(_path(node) + tail, final, sims)
            if reward > best[0]:
                best = (reward, _path(node) + tail, final)
            walker: _Node[S, A] | None = node
            while walker is not None:
                walker.visits += 1
                walker.total += reward
                walker = walker.parent
        return done(None, best[2], sims)


def search(
    problem: Problem[Any, Any],
    *,
    max_simulations: int = 10_000,
    max_seconds: float | None = None,
    seed: int = 0,
    exploration: float = 1.0,
    rollout_policy: Callable[..., Any] | None = None,
) -> SearchResult[Any, Any]:
    """Run :class:`MCTS` once (see its arguments)."""
    return MCTS(problem, exploration=exploration, seed=seed, rollout_policy=rollout_policy).run(
        max_simulations=max_simulations, max_seconds=max_seconds
    )
