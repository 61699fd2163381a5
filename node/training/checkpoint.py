"""Atomic checkpoints with a sha256 each, and the manifest that chains their hashes.

Each checkpoint's sha256 is over its content (``content_hash``), recorded in the manifest.
A checkpoint is written to a temporary file in the same folder, fsynced, and moved into place
with ``os.replace``; only then is the manifest (written the same way) extended. A write that
dies at any point leaves the manifest naming only complete checkpoints whose hashes match.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from .errors import CheckpointError

MANIFEST = "checkpoints.json"


@dataclass(frozen=True)
class CheckpointEntry:
    step: int
    file: str
    sha256: str
    chain: str


def chain_link(prev: str, step: int, sha256: str) -> str:
    """Next link of the hash chain; the first link uses the spec hash as ``prev``."""
    return hashlib.sha256(f"nashnet-ckpt|{prev}|{step}|{sha256}".encode()).hexdigest()


def rng_state() -> dict[str, Any]:
    """Every RNG a step may touch, as tensors and plain numbers.

    Plain types keep checkpoints loadable with ``weights_only=True``: a verifier opens
    checkpoints written by other nodes and must never unpickle arbitrary objects.
    """
    _, np_key, np_pos, np_has_gauss, np_gauss = cast(tuple[str, np.ndarray, int, int, float], np.random.get_state())
    py_version, py_internal, py_gauss = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": [torch.from_numpy(np_key.astype(np.int64)), int(np_pos), int(np_has_gauss), float(np_gauss)],
        "python": [int(py_version), torch.tensor(py_internal, dtype=torch.int64), py_gauss],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    key, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state(("MT19937", key.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, py_gauss = state["python"]
    random.setstate((version, tuple(internal.tolist()), py_gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def content_hash(payload: Any) -> str:
    """sha256 of a checkpoint's content: every tensor's dtype, shape and bytes, every number,
    in key order.

    Hashing content rather than file bytes matters: ``torch.save`` writes a per-process
    serialization id and pickles shared objects differently after a resume, so identical
    states would otherwise get different hashes on different (honest) nodes.
    """
    h = hashlib.sha256()

    def walk(x: Any) -> None:
        if isinstance(x, torch.Tensor):
            t = x.detach().cpu().contiguous().reshape(-1)
            h.update(f"T{t.dtype}{tuple(x.shape)}".encode())
            h.update(t.view(torch.uint8).numpy().tobytes())
        elif isinstance(x, dict):
            h.update(b"D%d" % len(x))
            for k in sorted(x, key=str):
                h.update(f"K{k!s}".encode())
                walk(x[k])
        elif isinstance(x, (list, tuple)):
            h.update(b"L%d" % len(x))
            for item in x:
                walk(item)
        elif x is None or isinstance(x, (bool, int, float, str)):
            h.update(f"S{type(x).__name__}:{x!r}".encode())
        else:
            raise TypeError(f"checkpoint holds a {type(x).__name__}; only tensors and plain values hash")

    walk(payload)
    return h.hexdigest()


def serialize(payload: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    torch.save(payload, buf)
    return buf.getvalue()


def read_manifest(workdir: Path) -> list[CheckpointEntry]:
    path = Path(workdir) / MANIFEST
    if not path.exists():
        return []
    return [CheckpointEntry(**e) for e in json.loads(path.read_text())["checkpoints"]]


def write_checkpoint(workdir: Path, spec_hash: str, step: int, payload: dict[str, Any]) -> CheckpointEntry:
    """Write one checkpoint and append it to the manifest; returns its manifest entry."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    entries = [e for e in read_manifest(workdir) if e.step < step]
    data = serialize(payload)
    sha = content_hash(payload)
    name = f"ckpt_{step:08d}.pt"
    atomic_write_bytes(workdir / name, data)
    prev = entries[-1].chain if entries else spec_hash
    entry = CheckpointEntry(step=step, file=name, sha256=sha, chain=chain_link(prev, step, sha))
    entries.append(entry)
    body = {"spec_hash": spec_hash, "checkpoints": [e.__dict__ for e in entries]}
    atomic_write_bytes(workdir / MANIFEST, json.dumps(body, indent=1).encode())
    return entry


def load_checkpoint(workdir: Path, entry: CheckpointEntry) -> dict[str, Any]:
    """Read a checkpoint, refusing it unless its content hashes to ``entry.sha256``."""
    path = Path(workdir) / entry.file
    try:
        payload: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, bad pickle, missing file: all mean "not valid"
        raise CheckpointError(f"checkpoint {path} (step {entry.step}) cannot be read: {exc}") from exc
    sha = content_hash(payload)
    if sha != entry.sha256:
        raise CheckpointError(
            f"checkpoint {path} (step {entry.step}) has sha256 {sha}, manifest says {entry.sha256}"
        )
    return payload


def latest_valid(workdir: Path) -> tuple[CheckpointEntry, dict[str, Any]] | None:
    """The newest manifest entry whose file is intact, with its payload, or None."""
    for entry in reversed(read_manifest(workdir)):
        try:
            return entry, load_checkpoint(workdir, entry)
        except CheckpointError:
            continue
    return None
