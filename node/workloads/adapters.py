"""Calls into each kind's code with the registry's uniform signatures.

``run(spec, workdir) -> result`` and ``verify(spec, workdir, result) -> Verdict``, where ``spec``
is the parsed spec model. Imports happen inside the functions so that reading the registry
costs no torch, Ray or language-model import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.training.result import Verdict


def run_agent(kind: str) -> Any:
    def run(spec: Any, workdir: Path) -> Any:
        from agents.run import run_task

        return run_task(kind, spec)

    run.__name__ = f"run_{kind.replace('-', '_')}"
    return run


def run_training(spec: Any, workdir: Path) -> Any:
    from node.training import run_training_job

    return run_training_job(spec, Path(workdir))


def verify_training(spec: Any, workdir: Path, result: Any) -> Verdict:
    from node.training import verify_training_job

    return verify_training_job(spec, Path(workdir), result)


def run_spiking(spec: Any, workdir: Path) -> Any:
    from node.spiking import run_spiking_task

    return run_spiking_task(spec)


def verify_spiking(spec: Any, workdir: Path, result: Any) -> Verdict:
    """A spiking run is deterministic for one device type: run it again and compare hashes."""
    from node.spiking import run_spiking_task
    from node.training.result import Verdict

    ours = run_spiking_task(spec)
    reasons = [] if ours.result_hash == result.result_hash else [f"re-run gives {ours.result_hash}"]
    return Verdict(ok=not reasons, intervals=[], reasons=reasons)


def run_alphazero(spec: Any, workdir: Path) -> Any:
    from node.workloads.alphazero import run_alphazero as run

    return run(spec, Path(workdir))


def verify_alphazero(spec: Any, workdir: Path, result: Any) -> Verdict:
    from node.workloads.alphazero import verify_alphazero as verify

    return verify(spec, Path(workdir), result)


def run_qlearning(spec: Any, workdir: Path) -> Any:
    from node.workloads.qlearning import run_qlearning as run

    return run(spec)


def verify_qlearning(spec: Any, workdir: Path, result: Any) -> Verdict:
    from node.workloads.qlearning import verify_qlearning as verify

    return verify(spec, result)
