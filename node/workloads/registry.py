"""One record per task kind: what its input is, how it runs, what it needs and how it is checked.

A record names its spec model and its code by import path and loads them on first use, so that
reading the registry (the CLI's validation, the executor's scheduling) imports no torch, Ray or
language model. The six kinds that predate this package point at their existing code; the
kinds defined here (``alphazero``, ``q-learning``) have no on-chain number yet
(``chain_kind`` is None) until ``contracts.kinds.TaskKind`` gives them one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from contracts.kinds import TaskKind

from . import adapters
from .errors import WorkloadSpecError
from .specs import spec_error

if TYPE_CHECKING:
    from node.training.result import Verdict

__all__ = ["WORKLOADS", "Resources", "Workload", "get", "kinds"]


@dataclass(frozen=True)
class Resources:
    """What one task asks of its Ray node. ``gpus`` are wanted only where the cluster has them;
    a GPU spec on a CPU-only cluster runs on CPU or fails with its own error."""

    cpus: float = 1.0
    gpus: float = 0.0


Runner = Callable[[Any, Path], Any]
Verifier = Callable[[Any, Path, Any], "Verdict"]


@dataclass(frozen=True)
class Workload:
    """Everything the node needs to know about one kind.

    Attributes:
        kind: the label in specs and on the command line.
        chain_kind: the on-chain number, or None while the kind is off chain.
        spec_ref: ``module:attribute`` of the pydantic spec (a model or an annotated union).
        run: ``run(spec, workdir) -> result``; every result has a ``result_hash``-like answer.
        default_timeout_s: seconds a task may run once started.
        batched: runs take milliseconds, so several may share one Ray call.
        resources_for: the resources a parsed spec asks for.
        verify: ``verify(spec, workdir, result) -> Verdict``, or None where redundant nodes'
            agreement is the only check (``verification`` says which).
        verification: how results of this kind are checked, in words.
    """

    kind: str
    chain_kind: TaskKind | None
    spec_ref: str
    run: Runner
    default_timeout_s: float
    batched: bool
    resources_for: Callable[[Any], Resources]
    verify: Verifier | None
    verification: str

    @cached_property
    def spec(self) -> Any:
        module, _, name = self.spec_ref.partition(":")
        return getattr(importlib.import_module(module), name)

    @cached_property
    def _adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.spec)

    def parse(self, data: bytes | str | Mapping[str, Any] | BaseModel) -> Any:
        """Validate a task input (JSON bytes or text, a mapping, or a spec) into the spec model.

        Raises:
            WorkloadSpecError: naming the first field that does not validate and the value given.
        """
        if isinstance(data, BaseModel):
            data = data.model_dump()
        try:
            if isinstance(data, (str, bytes)):
                return self._adapter.validate_json(data)
            return self._adapter.validate_python(data)
        except ValidationError as exc:
            raise spec_error(self.kind, exc) from None

    def resources(self, spec: Any) -> Resources:
        return self.resources_for(spec)


def _one_cpu(spec: Any) -> Resources:
    return Resources()


def _training_resources(spec: Any) -> Resources:
    # A Ray Train job reserves CPUs (and GPUs) for its own workers; the task that drives it
    # must hold none, or a small cluster deadlocks.
    if spec.scale.workers > 1:
        return Resources(cpus=0.0, gpus=0.0)
    return Resources(cpus=1.0, gpus=1.0 if spec.scale.use_gpu else 0.0)


def _spiking_resources(spec: Any) -> Resources:
    return Resources(cpus=1.0, gpus=1.0 if spec.network.device in ("cuda", "auto") else 0.0)


_MAJORITY = "redundant nodes' answers are compared; no re-execution (language-model output is not reproducible)"

WORKLOADS: dict[str, Workload] = {
    w.kind: w
    for w in (
        Workload(
            kind="react",
            chain_kind=TaskKind.REACT,
            spec_ref="agents.specs:ToolTaskSpec",
            run=adapters.run_agent("react"),
            default_timeout_s=300.0,
            batched=False,
            resources_for=_one_cpu,
            verify=None,
            verification=_MAJORITY,
        ),
        Workload(
            kind="rewoo",
            chain_kind=TaskKind.REWOO,
            spec_ref="agents.specs:ToolTaskSpec",
            run=adapters.run_agent("rewoo"),
            default_timeout_s=300.0,
            batched=False,
            resources_for=_one_cpu,
            verify=None,
            verification=_MAJORITY,
        ),
        Workload(
            kind="mcts",
            chain_kind=TaskKind.MCTS,
            spec_ref="agents.specs:MCTSSpec",
            run=adapters.run_agent("mcts"),
            default_timeout_s=300.0,
            batched=True,
            resources_for=_one_cpu,
            verify=None,
            verification="redundant nodes' answers are compared",
        ),
        Workload(
            kind="neuro-symbolic",
            chain_kind=TaskKind.NEURO_SYMBOLIC,
            spec_ref="agents.specs:NeuroSymbolicSpec",
            run=adapters.run_agent("neuro-symbolic"),
            default_timeout_s=300.0,
            batched=True,
            resources_for=_one_cpu,
            verify=None,
            verification="redundant nodes' answers are compared",
        ),
        Workload(
            kind="training",
            chain_kind=TaskKind.TRAINING,
            spec_ref="node.training.spec:TrainingJobSpec",
            run=adapters.run_training,
            default_timeout_s=1800.0,
            batched=False,
            resources_for=_training_resources,
            verify=adapters.verify_training,
            verification="spot re-execution of sampled checkpoint intervals (node.training.verify)",
        ),
        Workload(
            kind="spiking",
            chain_kind=TaskKind.SPIKING,
            spec_ref="node.spiking.spec:SpikingTaskSpec",
            run=adapters.run_spiking,
            default_timeout_s=600.0,
            batched=False,
            resources_for=_spiking_resources,
            verify=adapters.verify_spiking,
            verification="full re-run; the result hash must match",
        ),
        Workload(
            kind="alphazero",
            chain_kind=None,
            spec_ref="node.workloads.alphazero.spec:AlphaZeroSpec",
            run=adapters.run_alphazero,
            default_timeout_s=1800.0,
            batched=False,
            resources_for=_one_cpu,
            verify=adapters.verify_alphazero,
            verification="spot re-execution of sampled self-play + training iterations",
        ),
        Workload(
            kind="q-learning",
            chain_kind=None,
            spec_ref="node.workloads.qlearning.spec:QLearningSpec",
            run=adapters.run_qlearning,
            default_timeout_s=300.0,
            batched=False,
            resources_for=_one_cpu,
            verify=adapters.verify_qlearning,
            verification="full re-run (seconds); the result hash must match",
        ),
    )
}


def kinds() -> tuple[str, ...]:
    """Every kind label, in registry order."""
    return tuple(WORKLOADS)


def get(kind: str | TaskKind) -> Workload:
    """The record of ``kind`` (a label, or an on-chain ``TaskKind``).

    Raises:
        WorkloadSpecError: the kind is unknown (field ``kind``).
    """
    label = kind.label if isinstance(kind, TaskKind) else str(kind).strip().lower().replace("_", "-")
    try:
        return WORKLOADS[label]
    except KeyError:
        raise WorkloadSpecError(str(kind), "kind", f"unknown kind; expected one of {', '.join(WORKLOADS)}") from None
