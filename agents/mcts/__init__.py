"""MCTS agents: LATS-style search over model-proposed steps, with a symbolic fast path."""

from agents.mcts.domain import Game24State, Game24Steps, StepDomain
from agents.mcts.lats import LATSAgent

__all__ = ["Game24State", "Game24Steps", "LATSAgent", "StepDomain"]
