"""One narrow call shape over any ``dspy.LM``: system + turns in, text + token counts out.

Agents use DSPy's LM layer (caching, callbacks, any provider) but write their own
compact prompts: DSPy's stock ReAct prompts cost 1,000-1,600 tokens a step, which a
CPU-only model turns into 15-20 s per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.errors import LMError
from agents.lm.offline import ensure_offline
from agents.lm.template import Program

__all__ = ["ChatModel", "LMReply"]


@dataclass(frozen=True)
class LMReply:
    """What one model call returned."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    truncated: bool
    cached_tokens: int = 0
    """Prompt tokens read from the warm system prompt instead of being evaluated."""


class ChatModel:
    """Deterministic chat completions through a ``dspy.LM``.

    Args:
        lm: Any configured ``dspy.LM`` (embedded engine, OpenAI-compatible URL...).
        json_schema: Whether the backend honours a JSON schema in ``response_format``
            (grammar-constrained decoding); when False, schemas are only described in
            the prompt and the agents' tolerant parsers do the rest.
        seed: Seed sent with every request.
    """

    def __init__(self, lm: Any, *, json_schema: bool = False, seed: int = 0) -> None:
        ensure_offline()
        self.lm = lm
        self.json_schema = json_schema
        self.seed = seed

    @property
    def name(self) -> str:
        return str(getattr(self.lm, "model", "lm"))

    @property
    def engine(self) -> Any:
        """The in-process engine behind the LM, or None for a remote endpoint."""
        return getattr(self.lm, "engine", None)

    @property
    def templates(self) -> bool:
        """Whether the backend decodes template programs itself (the embedded engine does)."""
        return callable(getattr(self.engine, "fill", None))

    def warm(self) -> None:
        """Load the model now (an in-process engine loads lazily), so no run pays for it."""
        warm = getattr(self.engine, "warm", None)
        if callable(warm):
            warm()

    def reset(self) -> None:
        """Drop backend state (the embedded engine's KV cache); replies never depend on it."""
        reset = getattr(self.engine, "reset", None)
        if callable(reset):
            reset()

    def complete(
        self,
        system: str,
        turns: Sequence[tuple[str, str]],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        stop: Sequence[str] = (),
        template: Callable[[], Program] | None = None,
        temperature: float = 0.0,
        seed_offset: int = 0,
    ) -> LMReply:
        """Run one completion, greedy unless ``temperature`` is set (then seeded).

        Args:
            system: System prompt.
            turns: ``(role, text)`` pairs, role ``"user"`` or ``"assistant"``.
            max_tokens: Cap on generated tokens.
            schema: JSON schema of the reply, enforced when the backend can.
            stop: Stop sequences.
            template: A template program (see :mod:`agents.lm.template`) whose text is a
                reply that ``schema`` accepts; backends that decode templates use it
                (greedy), the others fall back to ``schema``.
            temperature: Sampling temperature; 0 is greedy.
            seed_offset: Added to the model's seed, so that redraws differ yet stay reproducible.

        Raises:
            LMError: the backend failed (unreachable, context overflow, ...).
        """
        if template is not None and temperature == 0 and self.templates:
            return self._fill(system, turns, template, max_tokens)
        from dspy.lm15 import Config, Message, Request

        messages = tuple(Message.user(t) if r == "user" else Message.assistant(t) for r, t in turns)
        fmt = None
        if schema is not None and self.json_schema:
            fmt = {"type": "json_schema", "name": "reply", "schema": schema}
        config = Config(
            max_tokens=max_tokens,
            temperature=temperature,
            seed=self.seed + seed_offset,
            stop=tuple(stop),
            response_format=fmt,
        )
        request = Request(model=self.name, system=system, messages=messages, config=config)
        try:
            response = self.lm(request)
        except LMError:
            raise
        except Exception as exc:  # any provider failure becomes one error type the agents handle
            raise LMError(f"language model {self.name!r} failed: {type(exc).__name__}: {exc}") from exc
        text = response.text if getattr(response, "text", None) is not None else ""
        usage = response.usage
        stats = getattr(self.engine, "last_stats", None)
        return LMReply(
            text=text,
            prompt_tokens=int(usage.input_tokens or 0),
            completion_tokens=int(usage.output_tokens or 0),
            truncated=response.finish_reason == "length",
            cached_tokens=int(getattr(stats, "cached_tokens", 0)),
        )

    def _fill(
        self, system: str, turns: Sequence[tuple[str, str]], template: Callable[[], Program], max_tokens: int
    ) -> LMReply:
        messages = [{"role": "system", "content": system}, *({"role": r, "content": t} for r, t in turns)]
        try:
            reply = self.engine.fill(messages, template(), max_tokens=max_tokens)
        except LMError:
            raise
        except Exception as exc:  # same contract as complete(): one error type
            raise LMError(f"language model {self.name!r} failed: {type(exc).__name__}: {exc}") from exc
        stats = self.engine.last_stats
        # Forced template tokens are evaluated like prompt tokens, so they count as prompt.
        return LMReply(
            text=reply.text,
            prompt_tokens=stats.prompt_tokens + reply.forced_tokens,
            completion_tokens=reply.generated_tokens,
            truncated=False,
            cached_tokens=stats.cached_tokens,
        )
