"""PUCT search guided by a policy/value network, as in AlphaZero.

A tree is advanced one simulation at a time with :meth:`SearchTree.select`, which walks down by
``Q + c_puct * P * sqrt(N) / (1 + n)`` and returns the leaf that needs the network, and
:meth:`SearchTree.expand`, which stores the leaf's priors and backs its value up. Splitting the
two lets self-play step many games in lockstep and send their leaves to the network as one
batch. A finished game inside the tree is scored exactly and needs no network call.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .game import WIDTH, Board

Evaluator = Callable[[list[Board]], tuple[np.ndarray, np.ndarray]]


class Node:
    __slots__ = ("board", "children", "expanded", "moves", "n", "q_n", "q_w", "priors")

    def __init__(self, board: Board) -> None:
        self.board = board
        self.moves = board.legal()
        self.priors: list[float] = []
        self.q_n = [0] * len(self.moves)  # visits of each child
        self.q_w = [0.0] * len(self.moves)  # summed value of each child, for this node's mover
        self.children: list[Node | None] = [None] * len(self.moves)
        self.n = 0
        self.expanded = False


Path = list[tuple[Node, int]]


class SearchTree:
    """One search from ``board``; expand the root (:meth:`select` returns it first) before
    adding noise with :meth:`add_noise`."""

    def __init__(self, board: Board, c_puct: float) -> None:
        if board.over:
            raise ValueError("cannot search from a finished game")
        self.root = Node(board)
        self.c_puct = c_puct
        self._pending: tuple[Node, Path] | None = None

    def select(self) -> Board | None:
        """The board of the next leaf to evaluate, or None when the simulation ended in a
        finished game (already backed up)."""
        node, path = self.root, []
        c = self.c_puct
        while node.expanded:
            sqrt_n = math.sqrt(max(node.n, 1))
            best, best_score = 0, -math.inf
            for i, prior in enumerate(node.priors):
                n = node.q_n[i]
                score = (node.q_w[i] / n if n else 0.0) + c * prior * sqrt_n / (1 + n)
                if score > best_score:
                    best, best_score = i, score
            path.append((node, best))
            child = node.children[best]
            if child is None:
                child = node.children[best] = Node(node.board.play(node.moves[best]))
            node = child
            if node.board.over:
                self._backup(path, node.board.terminal_value())
                return None
        self._pending = (node, path)
        return node.board

    def expand(self, priors: np.ndarray, value: float) -> None:
        """Give the pending leaf its priors (over all columns) and back up its value (for the
        player to move at the leaf)."""
        if self._pending is None:
            raise RuntimeError("expand() without a pending leaf from select()")
        node, path = self._pending
        self._pending = None
        p = [float(priors[m]) for m in node.moves]
        total = sum(p)
        node.priors = [x / total for x in p] if total > 0 else [1.0 / len(p)] * len(p)
        node.expanded = True
        node.n += 1
        self._backup(path, value)

    def add_noise(self, noise: np.ndarray, fraction: float) -> None:
        """Mix Dirichlet noise (one value per legal root move) into the root's priors."""
        root = self.root
        root.priors = [(1 - fraction) * p + fraction * float(e) for p, e in zip(root.priors, noise, strict=True)]

    @staticmethod
    def _backup(path: Path, value: float) -> None:
        # ``value`` is for the player to move below the edge; the edge's owner sees its negation.
        for node, i in reversed(path):
            value = -value
            node.q_n[i] += 1
            node.q_w[i] += value
            node.n += 1

    def root_value(self) -> float:
        """The search's value of the root for its player to move: the visit-weighted mean."""
        n = sum(self.root.q_n)
        return sum(self.root.q_w) / n if n else 0.0

    def visits(self) -> np.ndarray:
        """Visit counts of the root's children, over all columns."""
        counts = np.zeros(WIDTH, dtype=np.float64)
        counts[self.root.moves] = self.root.q_n
        return counts


def search(board: Board, evaluate: Evaluator, simulations: int, c_puct: float) -> np.ndarray:
    """Root visit counts of a noiseless search of ``simulations`` simulations (root included)."""
    tree = SearchTree(board, c_puct)
    for _ in range(simulations):
        leaf = tree.select()
        if leaf is not None:
            probs, values = evaluate([leaf])
            tree.expand(probs[0], float(values[0]))
    return tree.visits()


class AlphaZeroPlayer:
    """A player: greedy on the visit counts of a noiseless search (lowest column on ties)."""

    def __init__(self, evaluate: Evaluator, simulations: int, c_puct: float) -> None:
        self.evaluate = evaluate
        self.simulations = simulations
        self.c_puct = c_puct

    def choose(self, board: Board) -> int:
        return int(np.argmax(search(board, self.evaluate, self.simulations, self.c_puct)))
