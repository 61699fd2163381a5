"""The Connect Four rules, pure MCTS and the PUCT search on positions with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from node.workloads.alphazero import Board, PureMCTS, search
from node.workloads.alphazero.game import WIDTH


def _board(moves: list[int]) -> Board:
    b = Board()
    for m in moves:
        b = b.play(m)
    return b


@pytest.mark.parametrize(
    "moves",
    [
        [3, 3, 4, 4, 5, 5, 6],  # horizontal
        [0, 1, 0, 1, 0, 1, 0],  # vertical
        [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3],  # rising diagonal
        [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3],  # falling diagonal
    ],
)
def test_four_in_a_row_ends_the_game(moves: list[int]) -> None:
    before = _board(moves[:-1])
    assert not before.over
    after = before.play(moves[-1])
    assert after.won and after.over and after.legal() == []
    assert after.terminal_value() == -1.0


def test_full_column_and_wrapping_do_not_count() -> None:
    b = _board([0, 0, 0, 0, 0, 0])
    assert 0 not in b.legal()
    with pytest.raises(ValueError, match="column 0"):
        b.play(0)
    # three in column 0 top and one at the bottom of column 1 do not wrap into a line
    assert not _board([1, 2, 1, 2, 0, 0, 0, 0, 0, 0, 4, 4]).won


def test_planes_are_from_the_movers_view() -> None:
    b = _board([3])
    planes = b.planes()
    assert planes.shape == (2, 6, WIDTH)
    assert planes[0].sum() == 0 and planes[1][0, 3] == 1


def _uniform(boards: list[Board]) -> tuple[np.ndarray, np.ndarray]:
    probs = np.zeros((len(boards), WIDTH))
    for i, b in enumerate(boards):
        probs[i, b.legal()] = 1 / len(b.legal())
    return probs, np.zeros(len(boards))


def test_searches_take_a_win_and_block_a_loss() -> None:
    win = _board([0, 3, 1, 4, 6, 5, 6])  # o to move wins at 2
    assert PureMCTS(200, seed=1).choose(win) == 2
    assert int(np.argmax(search(win, _uniform, 200, 1.5))) == 2
    block = _board([0, 3, 0, 4, 6, 5])  # x to move must stop o at 2
    assert PureMCTS(400, seed=1).choose(block) == 2
    assert int(np.argmax(search(block, _uniform, 400, 1.5))) == 2


def test_pure_mcts_is_seeded() -> None:
    b = _board([3, 3])
    assert [PureMCTS(50, seed=7).choose(b) for _ in range(2)] == [PureMCTS(50, seed=7).choose(b)] * 2
