"""Games between two players, and the trained agent's record against pure MCTS."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from ..determinism import derived_seed
from .game import Board
from .mcts import PureMCTS
from .network import PolicyValueNet, evaluate_boards
from .puct import AlphaZeroPlayer


class Player(Protocol):
    def choose(self, board: Board) -> int: ...


class Record(BaseModel):
    """Games won, drawn and lost by the agent; ``win_rate`` counts a draw as half a win."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    games: int
    wins: int
    draws: int
    losses: int
    opponent_simulations: int

    @property
    def win_rate(self) -> float:
        return (self.wins + 0.5 * self.draws) / self.games if self.games else 0.0


def play(first: Player, second: Player) -> float:
    """One game from the empty board: +1 if ``first`` wins, -1 if ``second`` does, 0 drawn."""
    board = Board()
    players = (first, second)
    while not board.over:
        board = board.play(players[board.moves % 2].choose(board))
    if not board.won:
        return 0.0
    # The player who made the last move won; moves alternate starting with ``first``.
    return 1.0 if board.moves % 2 == 1 else -1.0


def match(agent: Player, opponent_simulations: int, games: int, seed: int) -> Record:
    """``games`` games of ``agent`` against pure MCTS, the agent moving first in even games."""
    wins = draws = losses = 0
    for g in range(games):
        opponent = PureMCTS(opponent_simulations, seed=derived_seed(seed, "arena", g))
        outcome = play(agent, opponent) if g % 2 == 0 else -play(opponent, agent)
        wins += outcome > 0
        draws += outcome == 0
        losses += outcome < 0
    return Record(games=games, wins=wins, draws=draws, losses=losses, opponent_simulations=opponent_simulations)


def agent_for(net: PolicyValueNet, simulations: int, c_puct: float) -> AlphaZeroPlayer:
    net.eval()
    return AlphaZeroPlayer(lambda boards: evaluate_boards(net, boards), simulations, c_puct)
