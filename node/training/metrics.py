"""Throughput and model-FLOPs utilisation (MFU) of a training step."""

from __future__ import annotations

import torch

from .model import flops_per_token
from .spec import ModelConfig

# Dense bf16 tensor-core peaks (FLOP/s) from vendor data sheets; MFU is reported only for
# GPUs named here, because a guessed peak would make the figure meaningless.
PEAK_BF16_FLOPS: dict[str, float] = {
    "H200": 989e12,
    "H100": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "A10": 125e12,
    "L4": 121e12,
    "RTX 4090": 165e12,
    "RTX 3090": 71e12,
}


def gpu_peak_flops(device: torch.device) -> float | None:
    """Peak bf16 FLOP/s of ``device`` when it is a known GPU, else None."""
    if device.type != "cuda" or not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name(device)
    for key, peak in PEAK_BF16_FLOPS.items():
        if key in name:
            return peak
    return None


def mfu(cfg: ModelConfig, tokens_per_s: float, device: torch.device, world: int = 1) -> float | None:
    """Fraction of the devices' peak FLOP/s spent on the model's own arithmetic."""
    peak = gpu_peak_flops(device)
    if peak is None:
        return None
    return flops_per_token(cfg) * tokens_per_s / (peak * world)
