"""Saving and loading a network's whole state, atomically and bit-exactly."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from contracts.errors import NashnetError
from node.training.checkpoint import atomic_write_bytes

from .network import SpikingNetwork
from .spec import NetworkConfig


class SpikingStateError(NashnetError, ValueError):
    """A saved state is unreadable, corrupt, or belongs to a different network config."""


def save_state(net: SpikingNetwork, path: Path) -> str:
    """Write the network to ``path`` (temp file + fsync + rename) and return the file's sha256.

    The sha256 is also written next to it as ``<path>.sha256`` so a load can check it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save({"config": net.cfg.model_dump_json(), "state": net.state_dict()}, buf)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    atomic_write_bytes(path, data)
    atomic_write_bytes(path.with_name(path.name + ".sha256"), digest.encode())
    return digest


def load_state(path: Path, expect: NetworkConfig | None = None) -> SpikingNetwork:
    """Rebuild a network from ``path``; with ``expect`` the saved config must equal it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpikingStateError(f"state file {path} cannot be read: {exc}") from exc
    side = path.with_name(path.name + ".sha256")
    if side.exists() and side.read_text().strip() != hashlib.sha256(data).hexdigest():
        raise SpikingStateError(f"state file {path} does not match its sha256 in {side}")
    blob = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    cfg = NetworkConfig.model_validate_json(blob["config"])
    if expect is not None and cfg != expect:
        raise SpikingStateError(f"state file {path} holds config {cfg}, expected {expect}")
    net = SpikingNetwork(cfg)
    net.load_state_dict(blob["state"])
    return net
