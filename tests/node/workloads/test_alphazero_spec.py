"""Validation of the ``alphazero`` spec: defaults, versioning, and one clear error per bad field."""

from __future__ import annotations

import json

import pytest

from node.workloads import WorkloadSpecError
from node.workloads.alphazero.spec import AlphaZeroSpec, parse_alphazero_spec


def test_defaults_validate_and_hash_stably() -> None:
    spec = parse_alphazero_spec({})
    assert spec == AlphaZeroSpec()
    assert spec.spec_hash() == parse_alphazero_spec(json.dumps({"seed": 0})).spec_hash()
    assert spec.spec_hash() != parse_alphazero_spec({"seed": 1}).spec_hash()
    assert spec.self_play_games == spec.iterations * spec.games_per_iteration
    assert spec.opponent_simulations == spec.search.simulations


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"schema_version": 2}, "schema_version"),
        ({"game": "chess"}, "game"),
        ({"network": {"channels": 2}}, "network.channels"),
        ({"network": {"blocks": 99}}, "network.blocks"),
        ({"search": {"simulations": 1}}, "search.simulations"),
        ({"search": {"temperature_moves": 43}}, "search.temperature_moves"),
        ({"iterations": 0}, "iterations"),
        ({"games_per_iteration": -1}, "games_per_iteration"),
        ({"train_steps_per_iteration": "many"}, "train_steps_per_iteration"),
        ({"train": {"lr": 0}}, "train.lr"),
        ({"train": {"value_target": "q"}}, "train.value_target"),
        ({"evaluation": {"mcts_simulations": 0}}, "evaluation.mcts_simulations"),
        ({"seed": -1}, "seed"),
        ({"sed": 1}, "sed"),
        ({"network": {"channels": 8, "width": 3}}, "network.width"),
    ],
)
def test_bad_field_is_named(data: dict[str, object], field: str) -> None:
    with pytest.raises(WorkloadSpecError) as info:
        parse_alphazero_spec(data)
    assert info.value.field == field
    assert info.value.kind == "alphazero"
    assert repr(field) in str(info.value)


def test_total_work_is_capped() -> None:
    with pytest.raises(WorkloadSpecError, match="exceeds 200000000"):
        parse_alphazero_spec({"iterations": 1000, "games_per_iteration": 10000, "search": {"simulations": 100}})


def test_not_json_is_an_input_error() -> None:
    with pytest.raises(WorkloadSpecError) as info:
        parse_alphazero_spec(b"{not json")
    assert info.value.field == "(input)"
