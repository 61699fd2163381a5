"""The entry point the node daemon calls for a spiking task, and its canonical result."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field

from .codec import TextCodec
from .network import SpikingNetwork
from .spec import SpikingTaskSpec
from .state import load_state, save_state

#: The raster a result carries for pictures: the spikes of the first neurons, and at most this many.
RASTER_NEURONS = 64
RASTER_SPIKES = 20_000


class SpikingResult(BaseModel):
    """What a node reports for a spiking task.

    ``result_hash`` covers the spec, the starting state, the output text and a digest of every
    spike (step by step, neuron by neuron), so two runs agree on it exactly when they produced
    the same spike train. Runs are deterministic per device type; CPU and CUDA draw different
    random streams, so redundant nodes must share the spec's ``network.device``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    spec_hash: str
    start_step: int
    start_state_sha256: str | None
    steps: int
    output_text: str
    spike_digest: str
    mean_rate: float
    min_rate: float
    max_rate: float
    active_synapses: int
    ms_per_step: float
    device: str
    state_sha256: str | None
    result_hash: str
    rates: list[float] = Field(default_factory=list, description="fraction of neurons that fired, step by step")
    target_rate: float | None = Field(default=None, description="the rate homeostasis pulls each neuron towards")
    raster: list[tuple[int, int]] = Field(
        default_factory=list,
        description=f"(step, neuron) of every spike of neurons below {RASTER_NEURONS}, at most {RASTER_SPIKES}",
    )


def run_spiking_task(
    spec: SpikingTaskSpec, state_in: Path | None = None, state_out: Path | None = None
) -> SpikingResult:
    """Present ``spec.text`` to a network and decode its reply.

    Args:
        state_in: continue from a state saved by an earlier task (its config must match).
        state_out: save the final state here so a later task continues where this one stopped.
    """
    start_sha = None
    if state_in is not None:
        start_sha = hashlib.sha256(Path(state_in).read_bytes()).hexdigest()
        net = load_state(Path(state_in), expect=spec.network)
    else:
        net = SpikingNetwork(spec.network)
    codec = TextCodec(spec.network.neurons, spec.group_size, spec.network.seed, net.device)
    counts = torch.zeros(spec.network.neurons, device=net.device)
    digest = hashlib.sha256()
    rates: list[float] = []
    raster: list[tuple[int, int]] = []
    start_step = net.t

    def advance(stim: torch.Tensor | None) -> None:
        fired = net.step(stim, spec.stimulus)
        idx = fired.to(torch.int32).cpu().numpy()
        digest.update(len(idx).to_bytes(4, "little") + idx.tobytes())
        counts.index_add_(0, fired, torch.ones(fired.shape, device=net.device))
        rates.append(len(idx) / spec.network.neurons)
        if len(raster) < RASTER_SPIKES:
            step = net.t - 1 - start_step
            raster.extend((step, int(n)) for n in idx[idx < RASTER_NEURONS][: RASTER_SPIKES - len(raster)])

    t0 = time.perf_counter()
    for _ in range(spec.warmup_steps):
        advance(None)
    reply = []
    for ch in [*spec.text, *([None] * spec.reply_chars)]:
        counts.zero_()
        stim = codec.stimulus(ch) if ch is not None else None
        for _ in range(spec.steps_per_char):
            advance(stim)
        reply.append(codec.read(counts))
    elapsed = time.perf_counter() - t0

    steps = net.t - start_step
    text = "".join(reply)
    body = {
        "v": 1,
        "spec": spec.spec_hash(),
        "start_step": start_step,
        "start_state": start_sha,
        "steps": steps,
        "text": text,
        "spikes": digest.hexdigest(),
    }
    settled = rates[spec.warmup_steps :] or rates
    return SpikingResult(
        spec_hash=spec.spec_hash(),
        start_step=start_step,
        start_state_sha256=start_sha,
        steps=steps,
        output_text=text,
        spike_digest=digest.hexdigest(),
        mean_rate=sum(settled) / max(len(settled), 1),
        min_rate=min(settled, default=0.0),
        max_rate=max(settled, default=0.0),
        active_synapses=net.active_synapses(),
        ms_per_step=1000 * elapsed / max(steps, 1),
        device=str(net.device),
        state_sha256=save_state(net, Path(state_out)) if state_out is not None else None,
        result_hash=hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest(),
        rates=[round(r, 6) for r in rates],
        target_rate=spec.network.target_rate,
        raster=raster,
    )
