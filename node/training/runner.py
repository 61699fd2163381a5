"""The entry points the node daemon calls for training jobs."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path

import torch

from .checkpoint import atomic_write_bytes, load_checkpoint, read_manifest
from .data import TokenData
from .distributed import run_distributed
from .errors import VerificationError
from .result import CheckpointRecord, TrainingResult, Verdict, result_hash
from .spec import TrainingJobSpec
from .trainer import StepMetrics, build, evaluate, pick_device, train
from .verify import verify

RESULT_FILE = "result.json"


def run_training_job(spec: TrainingJobSpec, workdir: Path) -> TrainingResult:
    """Run (or resume) ``spec`` in ``workdir`` and return the node's claim about it.

    Runs in-process for one worker, on Ray Train for ``spec.scale.workers > 1``. The result
    is also written to ``workdir/result.json``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if spec.scale.workers > 1:
        history = run_distributed(spec, workdir)
    else:
        history = train(spec, workdir)

    entries = read_manifest(workdir)
    final = load_checkpoint(workdir, entries[-1])
    device = pick_device(spec)
    model, _ = build(spec, device)
    model.load_state_dict(final["model"])
    eval_loss = evaluate(model, TokenData(spec), spec, device)
    if not history and (workdir / "metrics.jsonl").exists():
        # Nothing left to run (the job had finished before): report the recorded steps.
        lines = (workdir / "metrics.jsonl").read_text().splitlines()
        history = [StepMetrics(**json.loads(line)) for line in lines[-spec.steps :]]
    # The first step pays for kernel warm-up; leave it out of the throughput figure.
    steady = history[1:] or history
    result = TrainingResult(
        spec_hash=spec.spec_hash(),
        steps=int(final["step"]),
        checkpoints=[CheckpointRecord(step=e.step, sha256=e.sha256) for e in entries],
        chain_head=entries[-1].chain,
        final_train_loss=history[-1].loss if history else float("nan"),
        eval_loss=eval_loss,
        result_hash=result_hash(spec, eval_loss),
        tokens_per_s=statistics.median(m.tokens_per_s for m in steady) if steady else 0.0,
        mfu=statistics.median(m.mfu for m in steady) if steady and steady[0].mfu is not None else None,  # type: ignore[type-var]
        device=str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        loss_curve=_loss_curve(workdir, history, int(final["step"])),
    )
    atomic_write_bytes(workdir / RESULT_FILE, result.model_dump_json(indent=1).encode())
    return result


def verify_training_job(
    spec: TrainingJobSpec,
    workdir: Path,
    result: TrainingResult | None = None,
    sample: Sequence[int] | None = None,
    salt: bytes = b"",
) -> Verdict:
    """Spot-check a node's job in ``workdir`` (its checkpoints and, by default, its result.json).

    Args:
        sample: 1-based checkpoint intervals to re-execute; by default
            ``spec.verification.samples`` intervals drawn from the result and ``salt``.
    """
    workdir = Path(workdir)
    if result is None:
        path = workdir / RESULT_FILE
        if not path.exists():
            raise VerificationError(f"no result given and {path} does not exist")
        result = TrainingResult.model_validate_json(path.read_text())
    return verify(spec, workdir, result, sample=sample, salt=salt)


def _loss_curve(workdir: Path, history: list[StepMetrics], last_step: int) -> list[tuple[int, float]]:
    """The job's (step, loss) from its metrics log, every run of it included; else from ``history``.

    A step run twice (a crash after it, before its checkpoint) appears once, with its last loss.
    """
    by_step: dict[int, float] = {}
    log = workdir / "metrics.jsonl"
    if log.exists():
        for line in log.read_text().splitlines():
            if line.strip():
                m = json.loads(line)
                by_step[int(m["step"])] = float(m["loss"])
    else:
        by_step = {m.step: m.loss for m in history}
    return [(st, round(loss, 6)) for st, loss in sorted(by_step.items()) if st <= last_step]
