"""Workloads a node can run.

The kinds themselves live in subpackages (``node.workloads.alphazero``) and are imported on
use, so importing this package costs no torch.
"""

from .errors import WorkloadCheckpointError, WorkloadError, WorkloadSpecError, WorkloadVerificationError

__all__ = [
    "WorkloadCheckpointError",
    "WorkloadError",
    "WorkloadSpecError",
    "WorkloadVerificationError",
]
