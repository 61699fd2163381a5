"""``q-learning``: tabular Q-learning and a DQN on a small generated gridworld; a cheap kind."""

from .gridworld import GridWorld
from .learners import QNet, success_rate, train_dqn, train_tabular
from .runner import QLearningResult, result_hash, run_qlearning, verify_qlearning
from .spec import DQNSpec, GridSpec, QLearningSpec, parse_qlearning_spec

__all__ = [
    "DQNSpec",
    "GridSpec",
    "GridWorld",
    "QLearningResult",
    "QLearningSpec",
    "QNet",
    "parse_qlearning_spec",
    "result_hash",
    "run_qlearning",
    "success_rate",
    "train_dqn",
    "train_tabular",
    "verify_qlearning",
]
