"""The result of one agent run: what the node commits to (answer + trace hash) and keeps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agents.budget import Counters, Meter
from agents.trace import Trace

__all__ = ["AgentResult"]


class AgentResult(BaseModel):
    """Outcome of a run.

    Attributes:
        kind: Agent kind (``react``, ``rewoo``, ``mcts``, ``neuro-symbolic``).
        ok: True when ``answer`` holds a real answer; False for every failure.
        answer: Canonical answer (see :mod:`agents.answer`); None when not ok.
        error: What went wrong and, where it helps, what to change; None when ok.
        error_type: Class name of the failure (``BudgetExceeded``, ``TaskSpecError``...).
        trace: Every event of the run, in order.
        trace_hash: sha256 of the canonical JSON of ``trace``.
        counters: Costs of the run.
        model: Name of the language model used, if any.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    kind: str
    ok: bool
    answer: str | None = None
    error: str | None = None
    error_type: str | None = None
    trace: list[dict[str, Any]]
    trace_hash: str
    counters: Counters
    model: str | None = None

    @classmethod
    def success(cls, kind: str, answer: str, trace: Trace, meter: Meter) -> AgentResult:
        trace.add("answer", answer=answer)
        return cls._build(kind, trace, meter, answer=answer)

    @classmethod
    def failure(cls, kind: str, exc: BaseException | str, trace: Trace, meter: Meter | None) -> AgentResult:
        message = str(exc)
        error_type = type(exc).__name__ if isinstance(exc, BaseException) else "AgentError"
        trace.add("error", error_type=error_type, message=message)
        return cls._build(kind, trace, meter, error=message, error_type=error_type)

    @classmethod
    def _build(
        cls,
        kind: str,
        trace: Trace,
        meter: Meter | None,
        *,
        answer: str | None = None,
        error: str | None = None,
        error_type: str | None = None,
    ) -> AgentResult:
        counters = meter.finish() if meter is not None else Counters()
        model = meter.lm.name if meter is not None and meter.lm is not None and counters.lm_calls else None
        return cls(
            kind=kind,
            ok=error is None,
            answer=answer,
            error=error,
            error_type=error_type,
            trace=list(trace.events),
            trace_hash=trace.hash(),
            counters=counters,
            model=model,
        )

    def summary(self) -> dict[str, Any]:
        """Answer, hash and counters, without the trace (what the CLI prints)."""
        return self.model_dump(exclude={"trace"})
