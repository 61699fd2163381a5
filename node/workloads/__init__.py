"""Workloads a node can run, and the registry that describes each task kind.

The kinds themselves live in subpackages (``node.workloads.alphazero``,
``node.workloads.qlearning``) and are imported on use, so importing this package costs no torch.
"""

from .errors import WorkloadCheckpointError, WorkloadError, WorkloadSpecError, WorkloadVerificationError
from .registry import WORKLOADS, Resources, Workload, get, kinds

__all__ = [
    "WORKLOADS",
    "Resources",
    "Workload",
    "WorkloadCheckpointError",
    "WorkloadError",
    "WorkloadSpecError",
    "WorkloadVerificationError",
    "get",
    "kinds",
]
