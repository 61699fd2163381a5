"""Build the language model an operator asked for, or the embedded default.

Selection, first match wins:

* ``NASHNET_LM_MODEL`` (e.g. ``hosted_vllm/qwen`` or ``openai/gpt-4o-mini``) with
  ``NASHNET_LM_API_BASE`` / ``NASHNET_LM_API_KEY``: any endpoint DSPy can reach;
* ``NASHNET_LM_GGUF``: any local GGUF file, run in-process;
* otherwise the embedded default (Qwen2.5-Coder-1.5B-Instruct Q4_K_M), assembled from
  its pinned PyPI parts and checked against its sha256.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

from agents.lm.client import ChatModel
from agents.lm.llama_engine import LlamaEngine
from agents.lm.model_file import QWEN_CODER_0_5B, QWEN_CODER_1_5B, ModelRecipe, assemble_model
from agents.lm.offline import ensure_offline

__all__ = ["EMBEDDED_MODELS", "default_lm", "embedded_lm", "endpoint_lm", "gguf_lm"]

EMBEDDED_MODELS: dict[str, ModelRecipe] = {"qwen-1.5b": QWEN_CODER_1_5B, "qwen-0.5b": QWEN_CODER_0_5B}

_cache: dict[tuple[str, int, int], ChatModel] = {}
_engines: list[LlamaEngine] = []
_cache_lock = threading.Lock()


@atexit.register
def _close_engines() -> None:
    for engine in _engines:
        engine.close()


def gguf_lm(path: str | Path, *, n_ctx: int = 4096, n_threads: int | None = None, seed: int = 0) -> ChatModel:
    """A :class:`ChatModel` over a local GGUF file (one instance per file per process)."""
    ensure_offline()
    import dspy

    key = (str(path), n_ctx, seed)
    with _cache_lock:
        if key not in _cache:
            engine = LlamaEngine(path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
            _engines.append(engine)
            lm = dspy.LM(f"local/{Path(path).stem}", engine=engine, cache=False)
            _cache[key] = ChatModel(lm, json_schema=True, seed=seed)
        return _cache[key]


def embedded_lm(name: str = "qwen-1.5b", *, seed: int = 0) -> ChatModel:
    """The embedded model ``name`` (see :data:`EMBEDDED_MODELS`)."""
    try:
        recipe = EMBEDDED_MODELS[name]
    except KeyError:
        raise ValueError(f"embedded model {name!r}: expected one of {sorted(EMBEDDED_MODELS)}") from None
    return gguf_lm(assemble_model(recipe), seed=seed)


def endpoint_lm(
    model: str, api_base: str | None = None, api_key: str | None = None, *, json_schema: bool = False, seed: int = 0
) -> ChatModel:
    """A :class:`ChatModel` over a remote or local-server model that DSPy can call."""
    ensure_offline()
    import dspy

    kwargs: dict[str, object] = {"cache": False}
    if api_base:
        kwargs["api_base"] = api_base
    if api_key:
        kwargs["api_key"] = api_key
    return ChatModel(dspy.LM(model, **kwargs), json_schema=json_schema, seed=seed)


def default_lm(seed: int = 0) -> ChatModel:
    """The model chosen by the environment (see the module docstring)."""
    model = os.environ.get("NASHNET_LM_MODEL")
    if model:
        return endpoint_lm(
            model,
            os.environ.get("NASHNET_LM_API_BASE"),
            os.environ.get("NASHNET_LM_API_KEY"),
            json_schema=os.environ.get("NASHNET_LM_JSON_SCHEMA", "0") == "1",
            seed=seed,
        )
    gguf = os.environ.get("NASHNET_LM_GGUF")
    if gguf:
        return gguf_lm(gguf, seed=seed)
    return embedded_lm(os.environ.get("NASHNET_LM_EMBEDDED", "qwen-1.5b"), seed=seed)
