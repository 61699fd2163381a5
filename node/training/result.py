"""What a training job returns, what a verifier concludes, and the hash the market settles on."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

from .spec import TrainingJobSpec


class CheckpointRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: int
    sha256: str


class TrainingResult(BaseModel):
    """A node's claim about a finished job.

    ``chain_head`` commits to every checkpoint in order; ``result_hash`` is what redundant
    nodes reveal and the market compares (see ``result_hash``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    spec_hash: str
    steps: int
    checkpoints: list[CheckpointRecord]
    chain_head: str
    final_train_loss: float
    eval_loss: float
    result_hash: str
    tokens_per_s: float
    mfu: float | None = None
    device: str
    loss_curve: list[tuple[int, float]] = Field(
        default_factory=list, description="(step, training loss) of every step of the job, resumed runs included"
    )


class Verdict(BaseModel):
    """The outcome of a spot check; ``ok`` is False with reasons when anything failed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    intervals: list[tuple[int, int]] = Field(description="(from_step, to_step) pairs re-executed")
    max_abs: float = 0.0
    rel_l2: float = 0.0
    eval_loss: float | None = None
    reasons: list[str] = Field(default_factory=list)


def quantize_loss(loss: float, quantum: float) -> int:
    return round(loss / quantum)


def result_hash(spec: TrainingJobSpec, eval_loss: float) -> str:
    """The value redundant nodes agree on: the job, its step count and its quantised eval loss.

    Checkpoint bytes are left out on purpose: honest nodes on different hardware (GPU kernels,
    CPU vector widths) do not produce identical floats, but they do land on the same eval loss
    to within ``verification.loss_quantum``. Each node's checkpoints are bound separately by
    its ``chain_head`` and checked by spot re-execution.
    """
    body = {
        "v": 1,
        "spec": spec.spec_hash(),
        "steps": spec.steps,
        "eval_loss_q": quantize_loss(eval_loss, spec.verification.loss_quantum),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
