"""The policy/value network: a convolutional stem, residual blocks, and two heads."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .game import HEIGHT, WIDTH, Board
from .spec import NetworkSpec


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(F.relu(self.conv1(x))))


class PolicyValueNet(nn.Module):
    """Maps (B, 2, 6, 7) boards (mover's stones, opponent's) to move logits (B, 7) and a value
    in [-1, 1] for the player to move (B,)."""

    def __init__(self, spec: NetworkSpec) -> None:
        super().__init__()
        c = spec.channels
        self.stem = nn.Conv2d(2, c, 3, padding=1)
        self.blocks = nn.Sequential(*[_Residual(c) for _ in range(spec.blocks)])
        self.policy_conv = nn.Conv2d(c, 2, 1)
        self.policy_fc = nn.Linear(2 * HEIGHT * WIDTH, WIDTH)
        self.value_conv = nn.Conv2d(c, 1, 1)
        self.value_fc1 = nn.Linear(HEIGHT * WIDTH, 64)
        self.value_fc2 = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.blocks(F.relu(self.stem(x)))
        logits = self.policy_fc(F.relu(self.policy_conv(h)).flatten(1))
        v = F.relu(self.value_fc1(F.relu(self.value_conv(h)).flatten(1)))
        return logits, torch.tanh(self.value_fc2(v)).squeeze(1)


def evaluate_boards(net: PolicyValueNet, boards: list[Board]) -> tuple[np.ndarray, np.ndarray]:
    """Move probabilities over legal columns (zero elsewhere) and values, one row per board."""
    x = torch.from_numpy(np.stack([b.planes() for b in boards]))
    with torch.inference_mode():
        logits, values = net(x)
    logits_np = logits.numpy().astype(np.float64)
    legal = np.zeros_like(logits_np, dtype=bool)
    for i, b in enumerate(boards):
        legal[i, b.legal()] = True
    logits_np = np.where(legal, logits_np, -np.inf)
    logits_np -= logits_np.max(axis=1, keepdims=True)
    probs = np.exp(logits_np)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs, values.numpy().astype(np.float64)
