"""A DSPy engine that runs a GGUF model in-process with llama-cpp-python.

Implements DSPy 3.4's engine contract (``complete(Request) -> Response``), so the
embedded model is an ordinary ``dspy.LM`` and every agent talks to it the same way it
talks to a remote endpoint.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agents.errors import LMError

__all__ = ["LlamaEngine"]


class LlamaEngine:
    """Greedy, seeded generation from a local GGUF file.

    Args:
        model_path: GGUF file to load (loaded lazily on the first request).
        n_ctx: Context window in tokens.
        n_threads: CPU threads; defaults to the number of cores.
        seed: Sampling seed; with temperature 0 decoding is greedy anyway.
    """

    def __init__(self, model_path: str | Path, n_ctx: int = 4096, n_threads: int | None = None, seed: int = 0) -> None:
        self.model_path = str(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.seed = seed
        self._llm: Any = None
        # llama.cpp contexts are not thread-safe; one request at a time.
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LMError(
                    "llama-cpp-python is not installed; install the pinned llama-cpp-python "
                    "or configure an LM endpoint (see docs/agents.md)"
                ) from exc
            if not os.path.exists(self.model_path):
                raise LMError(f"model file {self.model_path!r} does not exist")
            self._llm = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                seed=self.seed,
                verbose=False,
            )
        return self._llm

    def reset(self) -> None:
        """Forget the prompt cache, so a run's numerics do not depend on earlier runs."""
        if self._llm is not None:
            with self._lock:
                self._llm.reset()

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        messages: list[dict[str, str]] = []
        system = request.system
        if system is not None:
            text = system if isinstance(system, str) else "".join(getattr(p, "text", "") for p in system)
            messages.append({"role": "system", "content": text})
        messages.extend({"role": m.role, "content": m.text or ""} for m in request.messages)
        cfg = request.config
        kwargs: dict[str, Any] = {
            "temperature": cfg.temperature if cfg.temperature is not None else 0.0,
            "max_tokens": cfg.max_tokens or 256,
            "seed": cfg.seed if cfg.seed is not None else self.seed,
        }
        if cfg.temperature in (None, 0, 0.0):
            kwargs["top_k"] = 1
        if cfg.stop:
            kwargs["stop"] = list(cfg.stop)
        fmt = cfg.response_format
        if fmt and fmt.get("schema") is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": fmt["schema"]}
        elif fmt and fmt.get("type") == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        with self._lock:
            llm = self._load()
            try:
                out = llm.create_chat_completion(messages=messages, **kwargs)
            except ValueError as exc:  # llama.cpp reports context overflow as ValueError
                raise LMError(f"embedded model failed: {exc}") from exc
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Response(
            id=None,
            model=request.model,
            message=Message.assistant([TextPart(choice["message"].get("content") or "")]),
            finish_reason=finish,
            usage=Usage(input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")),
        )

    def stream(self, request: Any) -> Iterator[Any]:
        from dspy.lm15 import response_to_events

        return iter(response_to_events(self.complete(request)))

    def close(self) -> None:
        """Free the model now (llama.cpp's own finalizer fails during interpreter shutdown)."""
        with self._lock:
            llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()
