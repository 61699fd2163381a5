"""Scale a training job out over Ray Train workers (DDP or FSDP; gloo on CPU, NCCL on GPUs).

Every worker runs the same ``trainer.train`` loop; Ray Train sets up the torch.distributed
process group, each rank takes its rows of every global batch, DDP averages the gradients,
and rank 0 writes the checkpoints into the shared ``workdir``. Because each rank's rows are a
slice of the same global batch, N workers compute the same update as one worker up to the
order of floating-point sums.

With ``scale.strategy="fsdp"`` the model is sharded instead of replicated (``fsdp.py``);
checkpoints are gathered to the same full format either way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .checkpoint import atomic_write_bytes
from .spec import TrainingJobSpec
from .trainer import StepMetrics

HISTORY_FILE = "ray_history.json"
RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def _worker_loop(config: dict[str, Any]) -> None:
    import ray.train

    from .spec import TrainingJobSpec as Spec
    from .trainer import train

    spec = Spec.model_validate_json(config["spec"])
    history = train(spec, Path(config["workdir"]), stop_at=config["stop_at"])
    # Rank 0 hands its step metrics back through the shared workdir: Ray Train keeps
    # reported metrics only alongside a Ray checkpoint, and ours live in the workdir already.
    if ray.train.get_context().get_world_rank() == 0:
        body = json.dumps([m.__dict__ for m in history]).encode()
        atomic_write_bytes(Path(config["workdir"]) / HISTORY_FILE, body)


def run_distributed(spec: TrainingJobSpec, workdir: Path, stop_at: int | None = None) -> list[StepMetrics]:
    """Run ``spec`` on ``spec.scale.workers`` Ray Train workers; returns rank 0's step metrics.

    Uses the running Ray instance, or starts a local one (and leaves it running for the
    caller's next job; the node daemon owns Ray's lifetime).
    """
    for key, value in RAY_ENV.items():
        os.environ.setdefault(key, value)
    import ray
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    if not ray.is_initialized():
        ray.init(num_cpus=max(2, spec.scale.workers), include_dashboard=False, log_to_driver=False)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    trainer = TorchTrainer(
        _worker_loop,
        train_loop_config={"spec": spec.model_dump_json(), "workdir": str(workdir), "stop_at": stop_at},
        torch_config=TorchConfig(backend="nccl" if spec.scale.use_gpu else "gloo"),
        scaling_config=ScalingConfig(num_workers=spec.scale.workers, use_gpu=spec.scale.use_gpu),
        run_config=RunConfig(name=f"train-{spec.spec_hash()[:12]}", storage_path=str(workdir / "ray")),
    )
    (workdir / HISTORY_FILE).unlink(missing_ok=True)
    trainer.fit()
    return [StepMetrics(**m) for m in json.loads((workdir / HISTORY_FILE).read_text())]
