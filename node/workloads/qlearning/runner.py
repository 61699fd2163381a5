"""Run and check a ``q-learning`` job. The job takes seconds, so the check re-runs all of it."""

from __future__ import annotations

import hashlib
import time

import torch
from pydantic import BaseModel, ConfigDict

from node.training.checkpoint import content_hash
from node.training.result import Verdict

from ..determinism import deterministic_torch
from ..specs import canonical_json
from .gridworld import GridWorld
from .learners import net_policy, success_rate, table_policy, train_dqn, train_tabular
from .spec import QLearningSpec


class QLearningResult(BaseModel):
    """A node's claim: the learned values' hash and the greedy policy's record next to a random
    policy's, over ``eval_episodes`` episodes with the same slips. Only integers are hashed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    spec_hash: str
    algorithm: str
    values_sha256: str
    shortest_path: int
    eval_episodes: int
    successes: int
    random_successes: int
    env_steps: int
    train_s: float
    result_hash: str

    @property
    def success_rate(self) -> float:
        return self.successes / self.eval_episodes

    @property
    def random_success_rate(self) -> float:
        return self.random_successes / self.eval_episodes


def result_hash(spec: QLearningSpec, values_sha256: str, successes: int, random_successes: int) -> str:
    body = {
        "v": 1,
        "kind": "q-learning",
        "spec": spec.spec_hash(),
        "values": values_sha256,
        "successes": successes,
        "random_successes": random_successes,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def run_qlearning(spec: QLearningSpec) -> QLearningResult:
    world = GridWorld(spec.grid)
    with deterministic_torch():
        t0 = time.monotonic()
        if spec.algorithm == "tabular":
            q, steps = train_tabular(spec, world)
            values = content_hash(torch.from_numpy(q))
            policy = table_policy(q)
        else:
            net, steps = train_dqn(spec, world)
            values = content_hash(dict(net.state_dict()))
            policy = net_policy(net, world.states)
        train_s = time.monotonic() - t0
        wins = success_rate(world, policy, spec.eval_episodes, spec.seed)
    random_wins = success_rate(world, None, spec.eval_episodes, spec.seed)
    distance = world.distance()
    return QLearningResult(
        spec_hash=spec.spec_hash(),
        algorithm=spec.algorithm,
        values_sha256=values,
        shortest_path=distance if distance is not None else -1,
        eval_episodes=spec.eval_episodes,
        successes=wins,
        random_successes=random_wins,
        env_steps=steps,
        train_s=train_s,
        result_hash=result_hash(spec, values, wins, random_wins),
    )


def verify_qlearning(spec: QLearningSpec, result: QLearningResult) -> Verdict:
    """Re-run the whole job and compare the hashes."""
    ours = run_qlearning(spec)
    reasons = []
    if result.spec_hash != ours.spec_hash:
        reasons.append(f"result is for spec {result.spec_hash}, not this job")
    if result.values_sha256 != ours.values_sha256:
        reasons.append("re-executed training learned different values")
    if result.result_hash != ours.result_hash:
        reasons.append(f"result_hash {result.result_hash} != re-executed {ours.result_hash}")
    return Verdict(ok=not reasons, intervals=[(0, spec.episodes)], reasons=reasons)
