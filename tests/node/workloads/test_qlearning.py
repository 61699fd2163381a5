"""The ``q-learning`` workload: spec validation, the generated grid, determinism, and both
learners beating a random policy."""

from __future__ import annotations

import pytest

from node.workloads import WorkloadSpecError
from node.workloads.qlearning import GridWorld, parse_qlearning_spec, run_qlearning, verify_qlearning
from node.workloads.qlearning.spec import GridSpec


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"algorithm": "sarsa"}, "algorithm"),
        ({"grid": {"size": 2}}, "grid.size"),
        ({"grid": {"wall_fraction": 0.9}}, "grid.wall_fraction"),
        ({"gamma": 1.0}, "gamma"),
        ({"episodes": 0}, "episodes"),
        ({"dqn": {"hidden": 1}}, "dqn.hidden"),
        ({"schema_version": 3}, "schema_version"),
        ({"grid": {"size": 5, "colour": "red"}}, "grid.colour"),
    ],
)
def test_bad_field_is_named(data: dict[str, object], field: str) -> None:
    with pytest.raises(WorkloadSpecError) as info:
        parse_qlearning_spec(data)
    assert info.value.field == field and info.value.kind == "q-learning"


def test_epsilon_must_decay() -> None:
    with pytest.raises(WorkloadSpecError, match="epsilon_end=0.9 exceeds epsilon_start=0.5"):
        parse_qlearning_spec({"epsilon_start": 0.5, "epsilon_end": 0.9})


@pytest.mark.parametrize("seed", range(5))
def test_generated_grids_are_solvable_and_seeded(seed: int) -> None:
    spec = GridSpec(size=7, wall_fraction=0.35, seed=seed)
    world = GridWorld(spec)
    assert world.distance() is not None
    assert world.render() == GridWorld(spec).render()
    assert world.start not in world.walls and world.goal not in world.walls


@pytest.mark.parametrize("algorithm", ["tabular", "dqn"])
def test_learner_beats_a_random_policy_and_reproduces(algorithm: str) -> None:
    # The DQN takes a gradient step per move, so it gets the smaller grid to stay quick.
    size, episodes = (8, 200) if algorithm == "tabular" else (6, 100)
    spec = parse_qlearning_spec({"algorithm": algorithm, "episodes": episodes, "grid": {"size": size}, "seed": 3})
    result = run_qlearning(spec)
    assert result.success_rate >= 0.9, result
    assert result.success_rate >= result.random_success_rate + 0.3, result
    if algorithm == "tabular":
        assert run_qlearning(spec).result_hash == result.result_hash


def test_too_little_training_does_not_pass_as_learning() -> None:
    # The same assertion fails for a learner that barely trained: it can fail.
    spec = parse_qlearning_spec({"algorithm": "tabular", "episodes": 1, "seed": 3})
    assert run_qlearning(spec).success_rate < 0.9


def test_verifier_passes_an_honest_claim_and_catches_one_not_earned() -> None:
    spec = parse_qlearning_spec({"episodes": 50, "seed": 1})
    honest = run_qlearning(spec)
    assert verify_qlearning(spec, honest).ok
    claim = honest.model_copy(update={"successes": 100, "result_hash": "f" * 64})
    verdict = verify_qlearning(spec, claim)
    assert not verdict.ok and "result_hash" in verdict.reasons[0]
