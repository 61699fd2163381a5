"""Atomic file writes: a reader sees the old file or the whole new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, fsync and publish it.

    Args:
        mode: Permissions of the new file (e.g. ``0o600`` for a key), set before any byte is written.
        exclusive: Publish with a hard link instead of a rename, so an existing ``path`` is never
            replaced — not even one created meanwhile by another writer.

    Raises:
        FileExistsError: ``exclusive`` and ``path`` exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
