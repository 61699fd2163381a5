"""Ray Train scale-out: 2 CPU workers (DDP, gloo) reach the loss of 1 worker."""

import os

import pytest

from node.training import (
    ScaleSpec,
    TrainingJobSpec,
    run_training_job,
    verify_training_job,
)

pytestmark = pytest.mark.integration

for _key, _value in {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
}.items():
    os.environ.setdefault(_key, _value)


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_two_workers_match_one_worker(ray_local, tmp_path):
    one = TrainingJobSpec(model="tiny", steps=16, batch_size=8, grad_accum=2, checkpoint_interval=8,
                          optimizer={"lr": 3e-3}, schedule={"warmup_steps": 4})
    two = one.model_copy(update={"scale": ScaleSpec(workers=2)})
    single = run_training_job(one, tmp_path / "one")
    double = run_training_job(two, tmp_path / "two")
    # Same global batch, gradients averaged by DDP: only float summation order differs.
    assert double.eval_loss == pytest.approx(single.eval_loss, abs=1e-4)
    assert double.final_train_loss == pytest.approx(single.final_train_loss, abs=1e-4)
    assert [c.step for c in double.checkpoints] == [0, 8, 16]
    # A 2-worker job is verified by single-process re-execution within the stated tolerance.
    verdict = verify_training_job(two, tmp_path / "two", sample=[2])
    assert verdict.ok, verdict.reasons


def test_fsdp_two_workers_match_one_worker(ray_local, tmp_path):
    """FSDP2 over 2 workers reaches the single-process loss and passes the spot check — also when
    the Ray workers ran a job before, and when the job is stopped and resumed.

    (Regression: a rank that reached the resume check after rank 0 had written the step-0
    checkpoint took the resume path alone, and loaded the sharded optimizer state — a collective —
    while the other rank did not.)
    """
    one = TrainingJobSpec(model="tiny", steps=16, batch_size=8, grad_accum=2, checkpoint_interval=8,
                          grad_clip=0.5, optimizer={"lr": 3e-3}, schedule={"warmup_steps": 4})
    sharded = one.model_copy(update={"scale": ScaleSpec(workers=2, strategy="fsdp")})
    single = run_training_job(one, tmp_path / "one")
    for attempt in range(2):  # the second run lands on workers that already ran the first
        result = run_training_job(sharded, tmp_path / f"fsdp{attempt}")
        assert result.eval_loss == pytest.approx(single.eval_loss, abs=1e-4), attempt
    verdict = verify_training_job(sharded, tmp_path / "fsdp0", sample=[1, 2])
    assert verdict.ok, verdict.reasons

    from node.training import run_distributed

    run_distributed(sharded, tmp_path / "resumed", stop_at=8)
    resumed = run_training_job(sharded, tmp_path / "resumed")
    assert resumed.eval_loss == pytest.approx(single.eval_loss, abs=1e-4)
