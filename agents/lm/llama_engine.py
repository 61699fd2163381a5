"""A DSPy engine that runs a GGUF model in-process with llama-cpp-python.

Implements DSPy 3.4's engine contract (``complete(Request) -> Response``), so the
embedded model is an ordinary ``dspy.LM`` and every agent talks to it the same way it
talks to a remote endpoint. Two things a remote endpoint cannot do are added:

* **Warm system prompts.** A system prompt is evaluated as its own batch and stays in
  llama.cpp's KV cache across requests and runs, and a copy of its KV cells is kept for
  the next time it comes back after another (up to ``max_prompts``); a request whose
  prompt starts with a warm system prompt evaluates only the rest. Because a fresh prompt is evaluated in
  exactly the same two batches (system, then the rest), a cached run and a fresh one
  compute the same numbers and give byte-identical replies — a longer reuse (into the
  question) would not, since llama.cpp's results depend on how a prompt is batched.
* **Template decoding** (:meth:`LlamaEngine.fill`, see :mod:`agents.lm.template`).
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.errors import LMError
from agents.lm.template import Program, TemplateDecoder, TemplateError

__all__ = ["DEFAULT_THREADS", "LlamaEngine", "PromptStats", "default_threads"]

#: Threads unless ``NASHNET_LM_THREADS`` / ``NASHNET_LM_BATCH_THREADS`` or an argument say
#: otherwise. One: llama.cpp's threads spin-wait at every barrier, and on a shared 2-core
#: machine a second thread mostly waits for a core. Measured at a load of 2.5-4: one
#: thread 92-120 ms a single-token pass and 18-19 prompt tokens/s, two threads 361-436 ms
#: and 10-11 tokens/s (docs/agents.md). An operator with idle cores can raise both.
DEFAULT_THREADS = 1


def default_threads() -> tuple[int, int]:
    """``(generation, prompt)`` threads from ``NASHNET_LM_THREADS`` / ``NASHNET_LM_BATCH_THREADS``."""
    threads = int(os.environ.get("NASHNET_LM_THREADS") or DEFAULT_THREADS)
    batch = int(os.environ.get("NASHNET_LM_BATCH_THREADS") or threads)
    if threads < 1 or batch < 1:
        raise ValueError(f"NASHNET_LM_THREADS / NASHNET_LM_BATCH_THREADS must be >= 1, got {threads}, {batch}")
    return threads, batch


@dataclass(frozen=True)
class PromptStats:
    """How a prompt was evaluated: its tokens and how many came from the warm system prompt."""

    prompt_tokens: int
    cached_tokens: int


class _Backend:
    """The template decoder's view of a loaded model."""

    def __init__(self, engine: LlamaEngine) -> None:
        self.engine = engine
        self.pieces = engine._pieces()
        self._ends = {engine._llm.token_eos(), *engine._end_tokens}

    def tokenize(self, text: str) -> list[int]:
        return list(self.engine._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def forward(self, tokens: list[int]) -> np.ndarray:
        llm = self.engine._llm
        llm.eval(tokens)
        import llama_cpp

        ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),)).copy()

    def is_end(self, token: int) -> bool:
        return token in self._ends


class LlamaEngine:
    """Greedy, seeded generation from a local GGUF file.

    Args:
        model_path: GGUF file to load (loaded lazily on the first request, then kept).
        n_ctx: Context window in tokens.
        n_threads: Generation threads; default from :func:`default_threads`.
        n_threads_batch: Prompt-evaluation threads; default from :func:`default_threads`.
        seed: Sampling seed; with temperature 0 decoding is greedy anyway.
        max_prompts: System prompts whose KV cells are kept (least recently used dropped),
            so that agents that take turns each find their own warm.
    """

    def __init__(
        self,
        model_path: str | Path,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
        *,
        n_threads_batch: int | None = None,
        max_prompts: int = 8,
    ) -> None:
        env_threads, env_batch = default_threads()
        self.model_path = str(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or env_threads
        self.n_threads_batch = n_threads_batch or env_batch
        self.seed = seed
        self._llm: Any = None
        self._formatter: Any = None
        self._end_tokens: set[int] = set()
        self._piece_table: list[str] | None = None
        self._prefixes: dict[str, list[int]] = {}
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self.max_prompts = max_prompts
        self.last_stats = PromptStats(0, 0)
        # llama.cpp contexts are not thread-safe; one request at a time.
        self._lock = threading.Lock()

    # -- loading -----------------------------------------------------------------------

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
                from llama_cpp.llama_chat_format import Jinja2ChatFormatter
            except ImportError as exc:
                raise LMError(
                    "llama-cpp-python is not installed; install the pinned llama-cpp-python "
                    "or configure an LM endpoint (see docs/agents.md)"
                ) from exc
            if not os.path.exists(self.model_path):
                raise LMError(f"model file {self.model_path!r} does not exist")
            llm = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads_batch,
                seed=self.seed,
                verbose=False,
            )
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise LMError(f"model file {self.model_path!r} carries no chat template")
            eos = llm._model.token_get_text(llm.token_eos())
            bos_id = llm.token_bos()
            bos = llm._model.token_get_text(bos_id) if bos_id >= 0 else ""
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
            # the chat template's end-of-turn marker ends a reply, like end-of-sequence
            for text in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>"):
                ids = llm.tokenize(text.encode(), add_bos=False, special=True)
                if len(ids) == 1:
                    self._end_tokens.add(ids[0])
            self._llm = llm
        return self._llm

    def _pieces(self) -> list[str]:
        if self._piece_table is None:
            llm = self._llm
            table = []
            for token in range(llm.n_vocab()):
                special = token in self._end_tokens or token == llm.token_eos()
                table.append("" if special else llm.detokenize([token]).decode("utf-8", errors="replace"))
            self._piece_table = table
        return self._piece_table

    # -- prompts and the warm system prompt -----------------------------------------------

    def _render(self, messages: list[dict[str, str]]) -> str:
        return str(self._formatter(messages=messages).prompt)

    def _tokens(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=self._llm._model.add_bos_token(), special=True))

    def _system_prefix(self, system: str) -> list[int]:
        """The tokens every prompt with system prompt ``system`` starts with."""
        if system not in self._prefixes:
            a = self._tokens(self._render([{"role": "system", "content": system}, {"role": "user", "content": "A"}]))
            b = self._tokens(self._render([{"role": "system", "content": system}, {"role": "user", "content": "B"}]))
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            if len(self._prefixes) > 64:
                self._prefixes.clear()
            self._prefixes[system] = a[:n]
        return self._prefixes[system]

    def _prime(self, messages: list[dict[str, str]]) -> tuple[list[int], list[int]]:
        """Make the KV cache hold exactly the prompt's system prefix; return (prompt, tokens still to evaluate)."""
        llm = self._llm
        tokens = self._tokens(self._render(messages))
        prefix: list[int] = []
        if messages and messages[0]["role"] == "system":
            prefix = self._system_prefix(messages[0]["content"])
            if tokens[: len(prefix)] != prefix or len(prefix) >= len(tokens):
                prefix = []
        n = len(prefix)
        if n and llm.n_tokens >= n and llm.input_ids[:n].tolist() == prefix:
            llm.n_tokens = n  # the next eval removes everything after the prefix from the KV cache
            cached = n
        elif n and self._restore(prefix):
            cached = n
        else:
            llm.reset()
            if n:
                llm.eval(prefix)  # its own batch, cached or not: the numbers do not depend on history
                self._save(prefix)
            cached = 0
        if len(tokens) >= self.n_ctx:
            raise LMError(f"embedded model failed: prompt of {len(tokens)} tokens exceeds the context of {self.n_ctx}")
        self.last_stats = PromptStats(len(tokens), cached)
        return tokens, tokens[n:]

    def _save(self, prefix: list[int]) -> None:
        """Keep a copy of the KV cells of a just-evaluated system prompt (a few MB)."""
        import llama_cpp

        ctx = self._llm.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        if n <= 0:
            return
        key = tuple(prefix)
        self._states[key] = bytes(memoryview(buf)[:n])
        self._states.move_to_end(key)
        while len(self._states) > self.max_prompts:
            self._states.popitem(last=False)

    def _restore(self, prefix: list[int]) -> bool:
        """Load a saved system prompt's KV cells into an empty cache; False if none is saved."""
        import llama_cpp

        data = self._states.get(tuple(prefix))
        if data is None:
            return False
        llm = self._llm
        llm.reset()
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llm.ctx), True)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(llm.ctx, buf, len(data), 0) != len(data):
            llm.reset()
            return False
        llm.input_ids[: len(prefix)] = prefix
        llm.n_tokens = len(prefix)
        self._states.move_to_end(tuple(prefix))
        return True

    @staticmethod
    def _messages(request: Any) -> list[dict[str, str]]:
        messages: list[dict[str, str]] = []
        system = request.system
        if system is not None:
            text = system if isinstance(system, str) else "".join(getattr(p, "text", "") for p in system)
            messages.append({"role": "system", "content": text})
        messages.extend({"role": m.role, "content": m.text or ""} for m in request.messages)
        return messages

    # -- requests ----------------------------------------------------------------------

    def warm(self) -> None:
        """Load the model and its token table now rather than on the first request."""
        with self._lock:
            self._load()
            self._pieces()

    def reset(self) -> None:
        """Forget the KV cache and the saved system prompts (replies do not depend on them)."""
        if self._llm is not None:
            with self._lock:
                self._llm.reset()
                self._states.clear()

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        cfg = request.config
        temperature = cfg.temperature if cfg.temperature is not None else 0.0
        kwargs: dict[str, Any] = {
            "temperature": temperature,
            "max_tokens": cfg.max_tokens or 256,
            "seed": cfg.seed if cfg.seed is not None else self.seed,
        }
        if temperature == 0:
            kwargs["top_k"] = 1
        if cfg.stop:
            kwargs["stop"] = list(cfg.stop)
        with self._lock:
            llm = self._load()
            fmt = cfg.response_format
            schema = fmt.get("schema") if fmt else None
            if schema is not None or (fmt and fmt.get("type") == "json_object"):
                import json

                from llama_cpp import LlamaGrammar

                kwargs["grammar"] = LlamaGrammar.from_json_schema(
                    json.dumps(schema or {"type": "object"}), verbose=False
                )
            try:
                tokens, _ = self._prime(self._messages(request))
                stop = kwargs.pop("stop", [])
                out = llm.create_completion(prompt=tokens, stop=stop or None, **kwargs)
            except ValueError as exc:  # llama.cpp reports context overflow as ValueError
                raise LMError(f"embedded model failed: {exc}") from exc
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Response(
            id=None,
            model=request.model,
            message=Message.assistant([TextPart(choice.get("text") or "")]),
            finish_reason=finish,
            usage=Usage(input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")),
        )

    def fill(self, messages: list[dict[str, str]], program: Program, *, max_tokens: int = 256) -> Any:
        """Run a template program (see :mod:`agents.lm.template`) as the assistant's reply.

        Returns:
            The decoder's :class:`~agents.lm.template.TemplateReply`.

        Raises:
            LMError: the prompt does not fit, or no reply fits the template.
        """
        with self._lock:
            self._load()
            try:
                _, pending = self._prime(messages)
                backend = _Backend(self)
                return TemplateDecoder(backend, pending, max_tokens=max_tokens).run(program)
            except (TemplateError, ValueError) as exc:
                raise LMError(f"embedded model failed: {exc}") from exc

    def stream(self, request: Any) -> Iterator[Any]:
        from dspy.lm15 import response_to_events

        return iter(response_to_events(self.complete(request)))

    def close(self) -> None:
        """Free the model now (llama.cpp's own finalizer fails during interpreter shutdown)."""
        with self._lock:
            llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()
