"""Pure Monte Carlo tree search with uniformly random rollouts: the baseline the learned agent
is measured against.

UCT selection (exploration constant sqrt 2), one new child per simulation, a random playout to
the end of the game from it, and the outcome backed up with alternating sign. The move played
is the most visited child. Every choice draws from one seeded ``random.Random``, so a seed fixes
the player's behaviour.
"""

from __future__ import annotations

import math
import random

from .game import Board

UCT_C = math.sqrt(2.0)


class _Node:
    __slots__ = ("board", "children", "untried", "visits", "wins")

    def __init__(self, board: Board, rng: random.Random) -> None:
        self.board = board
        self.children: dict[int, _Node] = {}
        self.untried = board.legal()
        rng.shuffle(self.untried)
        self.visits = 0
        # Sum of outcomes for the player who moved into this node.
        self.wins = 0.0


def rollout(board: Board, rng: random.Random) -> float:
    """Play uniformly random moves to the end; the outcome for the player to move at ``board``."""
    sign = 1.0
    while not board.over:
        board = board.play(rng.choice(board.legal()))
        sign = -sign
    return sign * board.terminal_value()


class PureMCTS:
    """A player: ``choose(board)`` runs ``simulations`` playouts and returns a column."""

    def __init__(self, simulations: int, seed: int = 0) -> None:
        if simulations < 1:
            raise ValueError(f"simulations={simulations} must be at least 1")
        self.simulations = simulations
        self.rng = random.Random(seed)

    def choose(self, board: Board) -> int:
        rng = self.rng
        root = _Node(board, rng)
        for _ in range(self.simulations):
            node, path = root, [root]
            while not node.untried and node.children:
                log_n = math.log(node.visits)
                node = max(
                    node.children.values(),
                    key=lambda ch: ch.wins / ch.visits + UCT_C * math.sqrt(log_n / ch.visits),
                )
                path.append(node)
            if node.untried:
                move = node.untried.pop()
                child = _Node(node.board.play(move), rng)
                node.children[move] = child
                node = child
                path.append(node)
            # Outcome for the player to move at the leaf; the edge into it belongs to the other.
            value = node.board.terminal_value() if node.board.over else rollout(node.board, rng)
            for n in reversed(path):
                n.visits += 1
                n.wins -= value
                value = -value
        return max(root.children.items(), key=lambda kv: (kv[1].visits, -kv[0]))[0]
