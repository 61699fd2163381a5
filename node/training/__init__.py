"""Training jobs: spec, trainer, atomic checkpoints, Ray Train scale-out, spot-check verification."""

from .checkpoint import (
    CheckpointEntry,
    latest_valid,
    load_checkpoint,
    read_manifest,
    write_checkpoint,
)
from .distributed import run_distributed
from .errors import CheckpointError, TrainingError, TrainingSpecError, VerificationError
from .model import GPT, count_params, flops_per_token
from .result import CheckpointRecord, TrainingResult, Verdict, result_hash
from .runner import run_training_job, verify_training_job
from .spec import (
    PRESETS,
    AdamWSpec,
    LocalDataset,
    ModelConfig,
    ScaleSpec,
    ScheduleSpec,
    SyntheticDataset,
    TrainingJobSpec,
    VerificationSpec,
)
from .trainer import StepMetrics, lr_at, train
from .verify import sample_intervals

__all__ = [
    "GPT",
    "PRESETS",
    "AdamWSpec",
    "CheckpointEntry",
    "CheckpointError",
    "CheckpointRecord",
    "LocalDataset",
    "ModelConfig",
    "ScaleSpec",
    "ScheduleSpec",
    "StepMetrics",
    "SyntheticDataset",
    "TrainingError",
    "TrainingJobSpec",
    "TrainingResult",
    "TrainingSpecError",
    "Verdict",
    "VerificationError",
    "VerificationSpec",
    "count_params",
    "flops_per_token",
    "latest_valid",
    "load_checkpoint",
    "lr_at",
    "read_manifest",
    "result_hash",
    "run_distributed",
    "run_training_job",
    "sample_intervals",
    "train",
    "verify_training_job",
    "write_checkpoint",
]
