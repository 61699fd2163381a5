"""The training loop: one function, read top to bottom.

``train`` resumes from the newest intact checkpoint in ``workdir`` (or writes the initial
weights as checkpoint 0), runs optimizer steps up to ``stop_at``, and writes a checkpoint
every ``spec.checkpoint_interval`` steps. Under torch.distributed (Ray Train) each rank runs
the same loop on its rows of every batch and rank 0 writes the checkpoints.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from . import fsdp
from .checkpoint import latest_valid, rng_state, set_rng_state, write_checkpoint
from .data import TokenData
from .metrics import mfu
from .model import GPT
from .spec import TrainingJobSpec


@dataclass(frozen=True)
class StepMetrics:
    step: int
    loss: float
    lr: float
    tokens_per_s: float
    mfu: float | None


def pick_device(spec: TrainingJobSpec) -> torch.device:
    return torch.device("cuda" if spec.scale.use_gpu and torch.cuda.is_available() else "cpu")


def autocast_for(spec: TrainingJobSpec, device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16 autocast on CUDA ("auto" or "bf16"), or on CPU when bf16 is asked for; else fp32."""
    bf16 = spec.precision == "bf16" or (spec.precision == "auto" and device.type == "cuda")
    if not bf16:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def lr_at(spec: TrainingJobSpec, step: int) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio * lr`` at the final step."""
    peak, warm = spec.optimizer.lr, spec.schedule.warmup_steps
    floor = peak * spec.schedule.min_lr_ratio
    if step < warm:
        return peak * (step + 1) / warm
    span = max(spec.steps - warm, 1)
    progress = min((step - warm) / span, 1.0)
    return floor + 0.5 * (1.0 + math.cos(math.pi * progress)) * (peak - floor)


def build(spec: TrainingJobSpec, device: torch.device) -> tuple[GPT, torch.optim.AdamW]:
    """The model, initialised on CPU from the job seed (identical on every device), and AdamW."""
    # Every RNG a step could touch is seeded, so checkpoint content (RNG states included)
    # is a function of the spec alone and honest nodes' checkpoint hashes coincide.
    torch.manual_seed(spec.seed)
    np.random.seed(spec.seed)
    random.seed(spec.seed)
    model = GPT(spec.model).to(device)
    return model, make_optimizer(model, spec)


def make_optimizer(model: torch.nn.Module, spec: TrainingJobSpec) -> torch.optim.AdamW:
    # Weight decay on matrices only; norms and biases are left alone (as in nanoGPT).
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    o = spec.optimizer
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": o.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=o.lr, betas=o.betas, eps=o.eps, foreach=False,
    )
    return opt


def snapshot(
    model: GPT, opt: torch.optim.Optimizer, spec: TrainingJobSpec, step: int, sharded: bool = False
) -> dict[str, Any]:
    """Everything a resumed run or a verifier needs to continue exactly from ``step``.

    With ``sharded`` (FSDP) the full state is gathered, which every rank must take part in.
    """
    if sharded:
        model_sd, opt_sd = fsdp.full_state(model, opt)
    else:
        model_sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        opt_sd = opt.state_dict()
    return {
        "spec_hash": spec.spec_hash(),
        "step": step,
        "model": model_sd,
        "optimizer": opt_sd,
        "scheduler": {"next_step": step, "lr": lr_at(spec, step)},
        "rng": rng_state(),
    }


def restore(model: GPT, opt: torch.optim.Optimizer, payload: dict[str, Any]) -> int:
    model.load_state_dict(payload["model"])
    opt.load_state_dict(payload["optimizer"])
    set_rng_state(payload["rng"])
    return int(payload["step"])


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: TokenData, spec: TrainingJobSpec, device: torch.device) -> float:
    """Mean loss over the job's fixed eval batches."""
    was_training = model.training
    model.eval()
    losses = []
    for i in range(spec.eval_batches):
        x, y = data.eval_batch(i)
        with autocast_for(spec, device):
            _, loss = model(x.to(device), y.to(device))
        losses.append(float(loss))
    model.train(was_training)
    return sum(losses) / len(losses)


def train(
    spec: TrainingJobSpec,
    workdir: Path,
    *,
    stop_at: int | None = None,
    start_from: dict[str, Any] | None = None,
    on_step: Callable[[StepMetrics], None] | None = None,
) -> list[StepMetrics]:
    """Train ``spec`` in ``workdir`` up to ``stop_at`` (default: all steps).

    Args:
        start_from: a checkpoint payload to start from instead of ``workdir``'s newest one
            (a verifier re-running one interval).
        on_step: called with each step's metrics on rank 0.
    """
    workdir = Path(workdir)
    stop = spec.steps if stop_at is None else min(stop_at, spec.steps)
    distributed = dist.is_available() and dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = pick_device(spec)
    if device.type == "cuda" and distributed:
        device = torch.device("cuda", torch.cuda.current_device())
    data = TokenData(spec)
    model, opt = build(spec, device)

    # Resume: the given payload, else the newest intact checkpoint, else write step 0.
    found = latest_valid(workdir) if start_from is None else (None, start_from)
    if distributed:
        # Every rank decides from the same files: without this, a slow rank could find the step-0
        # checkpoint rank 0 writes next, take the resume path alone and run collectives the
        # others do not (loading a sharded optimizer state is one).
        dist.barrier()
    sharded = distributed and spec.scale.strategy == "fsdp"
    if found is not None:
        step = restore(model, opt, found[1])
    else:
        step = 0
        if rank == 0:
            write_checkpoint(workdir, spec.spec_hash(), 0, snapshot(model, opt, spec, 0))

    net: torch.nn.Module = model
    if sharded:
        # Shard the (restored) weights, then rebuild AdamW over the shards and reload its state.
        fsdp.shard(model)
        opt = make_optimizer(model, spec)
        if found is not None:
            fsdp.load_optimizer(model, opt, found[1]["optimizer"])
    elif distributed:
        net = torch.nn.parallel.DistributedDataParallel(model)
    history: list[StepMetrics] = []
    tokens_per_step = spec.batch_size * spec.grad_accum * spec.model.block_size
    model.train()
    while step < stop:
        t0 = time.perf_counter()
        lr = lr_at(spec, step)
        for group in opt.param_groups:
            group["lr"] = lr
        total = 0.0
        for micro in range(spec.grad_accum):
            x, y = data.train_batch(step, micro, rank, world)
            last = micro == spec.grad_accum - 1
            # Gradients are all-reduced once per optimizer step, on the last micro-step.
            sync: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
            if sharded:
                model.set_requires_gradient_sync(last)  # type: ignore[operator]
            elif distributed and not last:
                sync = net.no_sync()  # type: ignore[operator]
            with sync:
                with autocast_for(spec, device):
                    _, loss = net(x.to(device), y.to(device))
                    loss = loss / spec.grad_accum
                loss.backward()
            total += float(loss.detach())
        if spec.grad_clip > 0 and sharded:
            fsdp.clip_grad_norm(model, spec.grad_clip)
        elif spec.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), spec.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1

        if distributed:
            # Report the loss of the whole global batch, not of this rank's rows.
            t = torch.tensor([total], device=device)
            dist.all_reduce(t)
            total = float(t) / world
        dt = time.perf_counter() - t0
        m = StepMetrics(step, total, lr, tokens_per_step / dt, mfu(spec.model, tokens_per_step / dt, device, world))
        history.append(m)
        if rank == 0:
            if on_step is not None:
                on_step(m)
            with open(workdir / "metrics.jsonl", "a") as f:
                f.write(json.dumps(asdict(m)) + "\n")
        if step % spec.checkpoint_interval == 0 or step == spec.steps:
            payload = snapshot(model, opt, spec, step, sharded) if (rank == 0 or sharded) else None
            if rank == 0 and payload is not None:
                write_checkpoint(workdir, spec.spec_hash(), step, payload)
            if distributed:
                dist.barrier()
    return history
