"""The entry points a node calls for ``alphazero``: run (or resume) a job, and check one."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from node.training.checkpoint import atomic_write_bytes, content_hash, load_checkpoint, read_manifest
from node.training.result import CheckpointRecord

from ..determinism import deterministic_torch
from ..specs import canonical_json
from .arena import Record, agent_for, match
from .spec import AlphaZeroSpec
from .trainer import build, train

RESULT_FILE = "result.json"


class AlphaZeroResult(BaseModel):
    """A node's claim about a finished ``alphazero`` job.

    ``result_hash`` binds the spec, the trained network's content hash and its evaluation
    record; the timings and losses beside it are for people and are not hashed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    spec_hash: str
    iterations: int
    checkpoints: list[CheckpointRecord]
    chain_head: str
    network_sha256: str
    evaluation: Record
    final_policy_loss: float | None
    final_value_loss: float | None
    train_s: float
    eval_s: float
    result_hash: str


def result_hash(spec: AlphaZeroSpec, network_sha256: str, record: Record) -> str:
    body = {"v": 1, "kind": "alphazero", "spec": spec.spec_hash(), "network": network_sha256, **record.model_dump()}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def evaluate_network(
    spec: AlphaZeroSpec, model_state: Mapping[str, Any], games: int, opponent_simulations: int
) -> Record:
    """The network's record against pure MCTS (run under the same deterministic settings)."""
    with deterministic_torch():
        net, _ = build(spec)
        net.load_state_dict(model_state)
        agent = agent_for(net, spec.search.simulations, spec.search.c_puct)
        return match(agent, opponent_simulations, games, spec.seed)


def run_alphazero(spec: AlphaZeroSpec, workdir: Path) -> AlphaZeroResult:
    """Train ``spec`` in ``workdir`` (resuming from its last checkpoint), evaluate the network,
    and return the claim; it is also written to ``workdir/result.json``."""
    workdir = Path(workdir)
    with deterministic_torch():
        t0 = time.monotonic()
        history = train(spec, workdir)
        train_s = time.monotonic() - t0
        entries = read_manifest(workdir)
        final = load_checkpoint(workdir, entries[-1])
        t1 = time.monotonic()
        record = evaluate_network(spec, final["model"], spec.evaluation.games, spec.opponent_simulations)
        eval_s = time.monotonic() - t1
    network = content_hash(final["model"])
    result = AlphaZeroResult(
        spec_hash=spec.spec_hash(),
        iterations=int(final["iteration"]),
        checkpoints=[CheckpointRecord(step=e.step, sha256=e.sha256) for e in entries],
        chain_head=entries[-1].chain,
        network_sha256=network,
        evaluation=record,
        final_policy_loss=history[-1].policy_loss if history else None,
        final_value_loss=history[-1].value_loss if history else None,
        train_s=train_s,
        eval_s=eval_s,
        result_hash=result_hash(spec, network, record),
    )
    atomic_write_bytes(workdir / RESULT_FILE, result.model_dump_json(indent=1).encode())
    return result
