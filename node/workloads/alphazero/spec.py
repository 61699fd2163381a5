"""The ``alphazero`` spec: what a requester submits and every node and verifier reads.

Training runs in ``iterations``; each plays ``games_per_iteration`` self-play games with the
current network, then takes ``train_steps_per_iteration`` optimiser steps on the positions of
the last ``replay_iterations`` iterations. A checkpoint is written after every iteration, so an
iteration is also the unit a verifier re-executes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..specs import WorkloadSpec, parse
from .game import CELLS

SCHEMA_VERSION: Literal[1] = 1
KIND = "alphazero"


class NetworkSpec(WorkloadSpec):
    """A small residual convolutional policy/value network."""

    channels: int = Field(default=16, ge=4, le=256)
    blocks: int = Field(default=2, ge=0, le=10, description="residual blocks after the stem")


class SearchSpec(WorkloadSpec):
    """PUCT search settings used in self-play (noise and temperature) and in evaluation."""

    simulations: int = Field(default=50, ge=2, le=2_000, description="simulations per move")
    c_puct: float = Field(default=1.5, gt=0, le=10)
    dirichlet_alpha: float = Field(default=1.0, gt=0, le=10)
    noise_fraction: float = Field(default=0.25, ge=0, le=1)
    temperature_moves: int = Field(
        default=10, ge=0, le=CELLS, description="opening moves sampled by visit count; later moves are greedy"
    )


class TrainSpec(WorkloadSpec):
    """``value_target``: ``outcome`` trains the value head on the game's result, ``mixed`` on the
    mean of the result and the search's root value (less noisy early in training)."""

    value_target: Literal["outcome", "mixed"] = "mixed"
    lr: float = Field(default=2e-3, gt=0, le=1)
    weight_decay: float = Field(default=1e-4, ge=0, le=1)
    batch_size: int = Field(default=128, ge=1, le=4_096)


class EvaluationSpec(WorkloadSpec):
    """Games of the trained agent against pure MCTS with random rollouts, colours alternated."""

    games: int = Field(default=10, ge=0, le=1_000)
    mcts_simulations: int | None = Field(
        default=None, ge=1, le=20_000, description="the opponent's simulations; default: search.simulations"
    )


class AlphaZeroSpec(WorkloadSpec):
    schema_version: Literal[1] = SCHEMA_VERSION
    game: Literal["connect4"] = "connect4"
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    search: SearchSpec = Field(default_factory=SearchSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)
    iterations: int = Field(default=12, ge=1, le=1_000)
    games_per_iteration: int = Field(default=48, ge=1, le=10_000)
    train_steps_per_iteration: int = Field(default=100, ge=0, le=100_000)
    replay_iterations: int = Field(default=4, ge=1, le=1_000, description="iterations of positions kept for training")
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec)
    seed: int = Field(default=0, ge=0, lt=2**63)

    @model_validator(mode="after")
    def _bounded(self) -> AlphaZeroSpec:
        # A cap on total search work keeps one hostile spec from holding a node for days.
        sims = self.iterations * self.games_per_iteration * self.search.simulations
        if sims > 200_000_000:
            raise ValueError(f"iterations * games_per_iteration * search.simulations = {sims} exceeds 200000000")
        return self

    @property
    def self_play_games(self) -> int:
        return self.iterations * self.games_per_iteration

    @property
    def train_steps(self) -> int:
        return self.iterations * self.train_steps_per_iteration

    @property
    def opponent_simulations(self) -> int:
        return self.evaluation.mcts_simulations or self.search.simulations


def parse_alphazero_spec(data: object) -> AlphaZeroSpec:
    """Validate an ``alphazero`` input; raises ``WorkloadSpecError`` naming the first bad field."""
    return parse(AlphaZeroSpec, KIND, data)
