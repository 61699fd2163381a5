"""The AlphaZero training loop: build, then per iteration self-play, train and checkpoint.

Checkpoint ``i`` holds the network, the optimiser and the replay window after iteration ``i``
(checkpoint 0 is the seeded initialisation). Every random draw of iteration ``i`` comes from
seeds derived from the spec seed and ``i``, so resuming from checkpoint ``i`` continues exactly
as the unbroken run would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from node.training.checkpoint import MANIFEST, latest_valid, write_checkpoint

from ..determinism import derived_seed, deterministic_torch
from ..errors import WorkloadCheckpointError
from .network import PolicyValueNet
from .selfplay import self_play
from .spec import AlphaZeroSpec

Buffer = list[dict[str, torch.Tensor]]


@dataclass(frozen=True)
class IterationStats:
    iteration: int
    positions: int
    policy_loss: float
    value_loss: float


def build(spec: AlphaZeroSpec) -> tuple[PolicyValueNet, torch.optim.Optimizer]:
    """The seeded initial network and its optimiser; leaves the global torch RNG untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derived_seed(spec.seed, "init"))
        net = PolicyValueNet(spec.network)
    opt = torch.optim.AdamW(net.parameters(), lr=spec.train.lr, weight_decay=spec.train.weight_decay)
    return net, opt


def snapshot(net: PolicyValueNet, opt: torch.optim.Optimizer, iteration: int, buffer: Buffer) -> dict[str, Any]:
    return {
        "iteration": iteration,
        "model": {k: v.detach().clone() for k, v in net.state_dict().items()},
        "optimizer": opt.state_dict(),
        "buffer": [dict(d) for d in buffer],
    }


def restore(net: PolicyValueNet, opt: torch.optim.Optimizer, payload: dict[str, Any]) -> Buffer:
    net.load_state_dict(payload["model"])
    opt.load_state_dict(payload["optimizer"])
    return [dict(d) for d in payload["buffer"]]


def run_iteration(
    spec: AlphaZeroSpec, net: PolicyValueNet, opt: torch.optim.Optimizer, buffer: Buffer, iteration: int
) -> tuple[Buffer, IterationStats]:
    """Self-play with the current network, then train on the replay window; returns the new window."""
    rng = np.random.default_rng(derived_seed(spec.seed, "self-play", iteration))
    games = self_play(net, spec.games_per_iteration, spec.search, rng, spec.train.value_target == "mixed")
    buffer = [*buffer, games][-spec.replay_iterations :]
    planes = torch.cat([d["planes"] for d in buffer]).float()
    policy = torch.cat([d["policy"] for d in buffer])
    value = torch.cat([d["value"] for d in buffer])
    gen = torch.Generator().manual_seed(derived_seed(spec.seed, "batches", iteration))
    net.train()
    p_loss = v_loss = float("nan")
    for _ in range(spec.train_steps_per_iteration):
        idx = torch.randint(len(value), (spec.train.batch_size,), generator=gen)
        logits, v = net(planes[idx])
        policy_loss = -(policy[idx] * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
        value_loss = F.mse_loss(v, value[idx])
        opt.zero_grad(set_to_none=True)
        (policy_loss + value_loss).backward()  # type: ignore[no-untyped-call]
        opt.step()
        p_loss, v_loss = float(policy_loss.detach()), float(value_loss.detach())
    net.eval()
    return buffer, IterationStats(iteration, int(games["value"].numel()), p_loss, v_loss)


def manifest_spec_hash(workdir: Path) -> str | None:
    path = Path(workdir) / MANIFEST
    if not path.exists():
        return None
    value = json.loads(path.read_text()).get("spec_hash")
    return str(value) if value is not None else None


def train(spec: AlphaZeroSpec, workdir: Path, stop_after: int | None = None) -> list[IterationStats]:
    """Run (or resume) the iterations of ``spec`` in ``workdir``; returns the stats of those run.

    Args:
        stop_after: stop once this iteration is checkpointed (a planned stop, as a node's
            shutdown or timeout would cause one).

    Raises:
        WorkloadCheckpointError: ``workdir`` holds checkpoints of another spec.
    """
    with deterministic_torch():
        return _train(spec, Path(workdir), stop_after)


def _train(spec: AlphaZeroSpec, workdir: Path, stop_after: int | None) -> list[IterationStats]:
    workdir.mkdir(parents=True, exist_ok=True)
    spec_hash = spec.spec_hash()
    found = manifest_spec_hash(workdir)
    if found is not None and found != spec_hash:
        raise WorkloadCheckpointError(f"{workdir} holds checkpoints of spec {found}, not of this spec {spec_hash}")
    net, opt = build(spec)
    buffer: Buffer = []
    start = 0
    last = latest_valid(workdir)
    if last is None:
        write_checkpoint(workdir, spec_hash, 0, snapshot(net, opt, 0, buffer))
    else:
        entry, payload = last
        buffer = restore(net, opt, payload)
        start = entry.step
    history: list[IterationStats] = []
    end = spec.iterations if stop_after is None else min(spec.iterations, stop_after)
    for i in range(start + 1, end + 1):
        buffer, stats = run_iteration(spec, net, opt, buffer, i)
        write_checkpoint(workdir, spec_hash, i, snapshot(net, opt, i, buffer))
        history.append(stats)
    return history
