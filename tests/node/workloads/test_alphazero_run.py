"""Running, resuming, verifying and training the ``alphazero`` workload for real (small sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from node.training.checkpoint import MANIFEST, read_manifest, write_checkpoint
from node.workloads import WorkloadCheckpointError, WorkloadVerificationError
from node.workloads.alphazero import (
    AlphaZeroSpec,
    build,
    evaluate_network,
    parse_alphazero_spec,
    run_alphazero,
    train,
    verify_alphazero,
)
from node.workloads.alphazero.trainer import snapshot

TINY = {
    "network": {"channels": 8, "blocks": 1},
    "search": {"simulations": 8, "temperature_moves": 6},
    "train": {"batch_size": 32},
    "iterations": 3,
    "games_per_iteration": 4,
    "train_steps_per_iteration": 8,
    "evaluation": {"games": 2, "mcts_simulations": 8},
    "seed": 5,
}


@pytest.fixture(scope="module")
def tiny() -> AlphaZeroSpec:
    return parse_alphazero_spec(TINY)


@pytest.fixture(scope="module")
def honest(tiny: AlphaZeroSpec, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    workdir = tmp_path_factory.mktemp("honest")
    return workdir, run_alphazero(tiny, workdir)


def test_one_seed_gives_one_hash(tiny: AlphaZeroSpec, honest: tuple[Path, object], tmp_path: Path) -> None:
    _, first = honest
    again = run_alphazero(tiny, tmp_path / "again")
    assert again.result_hash == first.result_hash  # type: ignore[attr-defined]
    assert again.network_sha256 == first.network_sha256  # type: ignore[attr-defined]
    assert again.chain_head == first.chain_head  # type: ignore[attr-defined]
    other = run_alphazero(tiny.model_copy(update={"seed": 6}), tmp_path / "other")
    assert other.network_sha256 != first.network_sha256  # type: ignore[attr-defined]


def test_the_run_leaves_global_torch_settings_alone(tiny: AlphaZeroSpec, tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    state = torch.get_rng_state()
    run_alphazero(tiny.model_copy(update={"iterations": 1}), tmp_path)
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.equal(torch.get_rng_state(), state)


def test_resume_after_a_stop_equals_an_unbroken_run(
    tiny: AlphaZeroSpec, honest: tuple[Path, object], tmp_path: Path
) -> None:
    _, unbroken = honest
    assert len(train(tiny, tmp_path, stop_after=1)) == 1
    assert [e.step for e in read_manifest(tmp_path)] == [0, 1]
    resumed = run_alphazero(tiny, tmp_path)
    assert resumed.result_hash == unbroken.result_hash  # type: ignore[attr-defined]
    assert resumed.chain_head == unbroken.chain_head  # type: ignore[attr-defined]


def test_a_torn_checkpoint_is_skipped_on_resume(
    tiny: AlphaZeroSpec, honest: tuple[Path, object], tmp_path: Path
) -> None:
    _, unbroken = honest
    train(tiny, tmp_path, stop_after=2)
    last = read_manifest(tmp_path)[-1]
    (tmp_path / last.file).write_bytes(b"torn")
    assert run_alphazero(tiny, tmp_path).result_hash == unbroken.result_hash  # type: ignore[attr-defined]


def test_checkpoints_of_another_spec_are_refused(tiny: AlphaZeroSpec, tmp_path: Path) -> None:
    train(tiny, tmp_path, stop_after=0)
    assert (tmp_path / MANIFEST).exists()
    with pytest.raises(WorkloadCheckpointError, match="another spec|not of this spec"):
        train(tiny.model_copy(update={"seed": 99}), tmp_path)


def test_verifier_passes_an_honest_run(tiny: AlphaZeroSpec, honest: tuple[Path, object]) -> None:
    workdir, result = honest
    verdict = verify_alphazero(tiny, workdir, result, sample=[1, 3])  # type: ignore[arg-type]
    assert verdict.ok, verdict.reasons
    assert verdict.intervals == [(0, 1), (2, 3)]
    assert verdict.max_abs == 0.0
    with pytest.raises(WorkloadVerificationError, match="out of range"):
        verify_alphazero(tiny, workdir, result, sample=[4])  # type: ignore[arg-type]


def test_verifier_catches_a_faked_iteration(tiny: AlphaZeroSpec, tmp_path: Path) -> None:
    train(tiny, tmp_path)
    # A node that nudges its network after iteration 3 and re-chains its manifest honestly.
    net, opt = build(tiny)
    payload = torch.load(tmp_path / read_manifest(tmp_path)[-1].file, weights_only=True)
    net.load_state_dict(payload["model"])
    with torch.no_grad():
        next(net.parameters()).add_(0.01)
    fake = snapshot(net, opt, 3, payload["buffer"])
    fake["optimizer"] = payload["optimizer"]
    write_checkpoint(tmp_path, tiny.spec_hash(), 3, fake)
    claim = run_alphazero(tiny, tmp_path)
    caught = verify_alphazero(tiny, tmp_path, claim, sample=[3])
    assert not caught.ok
    assert any("iteration 3: re-executed training differs" in r for r in caught.reasons)
    # Sampling another iteration misses it: that is why requesters raise the sample count.
    assert verify_alphazero(tiny, tmp_path, claim, sample=[1]).ok
    wrong = claim.model_copy(update={"network_sha256": "0" * 64})
    assert not verify_alphazero(tiny, tmp_path, wrong, sample=[1]).ok


def test_verifier_catches_changed_optimiser_settings(tiny: AlphaZeroSpec, tmp_path: Path) -> None:
    train(tiny, tmp_path)
    entry = read_manifest(tmp_path)[2]
    payload = torch.load(tmp_path / entry.file, weights_only=True)
    payload["optimizer"]["param_groups"][0]["lr"] = 0.5
    write_checkpoint(tmp_path, tiny.spec_hash(), 2, payload)
    train(tiny, tmp_path)  # the node carries on from its doctored checkpoint
    claim = run_alphazero(tiny, tmp_path)
    verdict = verify_alphazero(tiny, tmp_path, claim, sample=[3])
    assert not verdict.ok
    assert any("checkpoint 2: optimiser settings differ" in r for r in verdict.reasons)


def test_training_beats_the_untrained_start(tmp_path: Path) -> None:
    """A short real run: the trained network must win more against pure MCTS than its own
    seeded initialisation does, on the same opponents."""
    spec = parse_alphazero_spec(
        {
            "network": {"channels": 16, "blocks": 1},
            "search": {"simulations": 16, "c_puct": 1.5},
            "iterations": 4,
            "games_per_iteration": 24,
            "train_steps_per_iteration": 40,
            "evaluation": {"games": 0},
            "seed": 1,
        }
    )
    result = run_alphazero(spec, tmp_path)
    games, opponent = 20, 16
    untrained, _ = build(spec)
    before = evaluate_network(spec, untrained.state_dict(), games, opponent)
    final = torch.load(tmp_path / read_manifest(tmp_path)[-1].file, weights_only=True)
    after = evaluate_network(spec, final["model"], games, opponent)
    assert result.iterations == 4
    assert after.win_rate >= before.win_rate + 0.25, (before, after)
