"""The ``q-learning`` spec: a generated gridworld and the learner that solves it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..specs import WorkloadSpec, parse

SCHEMA_VERSION: Literal[1] = 1
KIND = "q-learning"


class GridSpec(WorkloadSpec):
    """A square grid with random walls, start in one corner and goal in the other; ``slip`` is
    the chance that a move goes in a random direction instead."""

    size: int = Field(default=8, ge=3, le=32)
    wall_fraction: float = Field(default=0.25, ge=0, le=0.5)
    slip: float = Field(default=0.1, ge=0, le=0.5)
    seed: int = Field(default=0, ge=0, lt=2**63)
    max_steps: int | None = Field(default=None, ge=1, le=100_000, description="default: 4 * size")

    @property
    def step_limit(self) -> int:
        return self.max_steps or 4 * self.size


class DQNSpec(WorkloadSpec):
    """Settings of the DQN learner (ignored by the tabular one)."""

    hidden: int = Field(default=64, ge=4, le=1_024)
    lr: float = Field(default=1e-3, gt=0, le=1, description="Adam learning rate")
    batch_size: int = Field(default=32, ge=1, le=1_024)
    replay: int = Field(default=5_000, ge=10, le=1_000_000)
    target_sync: int = Field(default=100, ge=1, le=100_000, description="steps between target-network copies")
    warmup: int = Field(default=100, ge=0, le=100_000, description="steps before learning starts")


class QLearningSpec(WorkloadSpec):
    schema_version: Literal[1] = SCHEMA_VERSION
    algorithm: Literal["tabular", "dqn"] = "tabular"
    grid: GridSpec = Field(default_factory=GridSpec)
    episodes: int = Field(default=300, ge=1, le=100_000)
    gamma: float = Field(default=0.95, gt=0, lt=1)
    lr: float = Field(default=0.5, gt=0, le=1, description="step size of the tabular update")
    epsilon_start: float = Field(default=1.0, ge=0, le=1)
    epsilon_end: float = Field(default=0.05, ge=0, le=1)
    dqn: DQNSpec = Field(default_factory=DQNSpec)
    eval_episodes: int = Field(default=100, ge=1, le=100_000)
    seed: int = Field(default=0, ge=0, lt=2**63)

    @model_validator(mode="after")
    def _epsilon_decays(self) -> QLearningSpec:
        if self.epsilon_end > self.epsilon_start:
            raise ValueError(f"epsilon_end={self.epsilon_end} exceeds epsilon_start={self.epsilon_start}")
        return self


def parse_qlearning_spec(data: object) -> QLearningSpec:
    """Validate a ``q-learning`` input; raises ``WorkloadSpecError`` naming the first bad field."""
    return parse(QLearningSpec, KIND, data)
