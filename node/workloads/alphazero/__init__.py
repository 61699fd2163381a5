"""``alphazero``: Connect Four by PUCT search with a policy/value network trained from its own
self-play, measured against pure MCTS with random rollouts."""

from .arena import Record, agent_for, match, play
from .game import Board
from .mcts import PureMCTS
from .network import PolicyValueNet, evaluate_boards
from .puct import AlphaZeroPlayer, SearchTree, search
from .runner import AlphaZeroResult, evaluate_network, result_hash, run_alphazero
from .spec import AlphaZeroSpec, EvaluationSpec, NetworkSpec, SearchSpec, TrainSpec, parse_alphazero_spec
from .trainer import IterationStats, build, run_iteration, train
from .verify import sample_iterations, verify_alphazero

__all__ = [
    "AlphaZeroPlayer",
    "AlphaZeroResult",
    "AlphaZeroSpec",
    "Board",
    "EvaluationSpec",
    "IterationStats",
    "NetworkSpec",
    "PolicyValueNet",
    "PureMCTS",
    "Record",
    "SearchSpec",
    "SearchTree",
    "TrainSpec",
    "agent_for",
    "build",
    "evaluate_boards",
    "evaluate_network",
    "match",
    "parse_alphazero_spec",
    "play",
    "result_hash",
    "run_alphazero",
    "run_iteration",
    "sample_iterations",
    "search",
    "train",
    "verify_alphazero",
]
