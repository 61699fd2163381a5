"""Keep DSPy and litellm offline and their caches inside the project's cache folder.

Must run before the first ``import dspy``: litellm fetches a model cost map at import
time unless told to read its bundled copy, and DSPy picks its cache folder at import.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "ensure_offline"]

_DONE = False


def cache_dir() -> Path:
    """Return the project's cache folder (``NASHNET_CACHE_DIR`` or the user cache)."""
    explicit = os.environ.get("NASHNET_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nashnet"


def ensure_offline() -> None:
    """Set the environment so that importing and using DSPy reaches no network by itself.

    Values an operator already set are kept (``setdefault``), so a deliberate choice wins.
    """
    global _DONE
    if _DONE:
        return
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    os.environ.setdefault("DSPY_CACHEDIR", str(cache_dir() / "dspy"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    _DONE = True
