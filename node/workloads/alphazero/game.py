"""Connect Four on two bitboards: small enough for a CPU, deep enough that search matters.

The board is seven columns of six rows. Each column takes seven bits (six cells and a sentinel
bit on top), column ``c`` starting at bit ``7 * c``. A position is two integers: ``mask``, the
occupied cells, and ``mine``, the cells of the player to move. A move is a column index.
Python integers make a move plus a win check a handful of shifts, which is what keeps random
rollouts in pure MCTS cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WIDTH = 7
HEIGHT = 6
CELLS = WIDTH * HEIGHT
_H1 = HEIGHT + 1

_BOTTOM = [1 << (_H1 * c) for c in range(WIDTH)]
_TOP = [1 << (_H1 * c + HEIGHT - 1) for c in range(WIDTH)]
# Bit index of every playable cell, row-major from the bottom row: the network's input layout.
_CELL_BITS = np.array([_H1 * c + r for r in range(HEIGHT) for c in range(WIDTH)], dtype=np.int64)


def _aligned(stones: int) -> bool:
    """Four in a row anywhere in ``stones``: vertical, horizontal and both diagonals."""
    for shift in (1, _H1, HEIGHT, HEIGHT + 2):
        pairs = stones & (stones >> shift)
        if pairs & (pairs >> (2 * shift)):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Board:
    """One Connect Four position, immutable; ``play`` returns the next one.

    Attributes:
        mine: cells of the player to move.
        mask: every occupied cell.
        moves: stones on the board.
        won: the player who just moved completed four in a row (so the player to move lost).
    """

    mine: int = 0
    mask: int = 0
    moves: int = 0
    won: bool = False

    @property
    def over(self) -> bool:
        return self.won or self.moves == CELLS

    def legal(self) -> list[int]:
        """Columns that are not full, in order; empty once the game is over."""
        if self.over:
            return []
        return [c for c in range(WIDTH) if not self.mask & _TOP[c]]

    def play(self, column: int) -> Board:
        if self.over or not 0 <= column < WIDTH or self.mask & _TOP[column]:
            raise ValueError(f"column {column} is not a legal move in this position")
        mask = self.mask | (self.mask + _BOTTOM[column])
        mover = self.mine | (mask ^ self.mask)
        return Board(mine=mover ^ mask, mask=mask, moves=self.moves + 1, won=_aligned(mover))

    def terminal_value(self) -> float:
        """Value of a finished game for the player to move: -1 lost, 0 drawn."""
        return -1.0 if self.won else 0.0

    def planes(self) -> np.ndarray:
        """The network input: (2, HEIGHT, WIDTH) float32, the mover's stones then the opponent's."""
        theirs = self.mine ^ self.mask
        bits = np.array([self.mine, theirs], dtype=np.uint64)[:, None] >> _CELL_BITS.astype(np.uint64)
        return (bits & np.uint64(1)).astype(np.float32).reshape(2, HEIGHT, WIDTH)

    def render(self) -> str:
        """The board as text, top row first; ``x`` moved first, ``o`` second."""
        first = self.mine if self.moves % 2 == 0 else self.mine ^ self.mask
        rows = []
        for r in reversed(range(HEIGHT)):
            cells = []
            for c in range(WIDTH):
                bit = 1 << (_H1 * c + r)
                cells.append("." if not self.mask & bit else ("x" if first & bit else "o"))
            rows.append(" ".join(cells))
        return "\n".join(rows)
