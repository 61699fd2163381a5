"""The result of one executed task in the form nodes commit to, reveal and keep.

An :class:`Outcome` holds the canonical answer and the full record of the run (the
"trace": the agent's result with every event, or the training/spiking result). What
redundant honest nodes must agree on is :func:`result_digest`, which covers only the
task, its kind, success and the canonical answer, so timings and other per-node details
in the trace never split a majority. :func:`reveal_payload` is the small document a node
reveals on chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts.codec import canonical_json, result_digest
from contracts.errors import NashnetError

__all__ = [
    "ENVELOPE_KEYS",
    "MAX_REVEALED_ANSWER_CHARS",
    "Outcome",
    "TaskInputError",
    "canonical_bytes",
    "outcome_from_failure",
    "result_digest",
    "reveal_payload",
    "split_envelope",
]

MAX_REVEALED_ANSWER_CHARS = 2_000
ENVELOPE_KEYS: tuple[str, ...] = ("reply_to",)


class TaskInputError(NashnetError, ValueError):
    """A task input cannot be read at all (not JSON, or a malformed envelope field)."""


#: Canonical JSON bytes (sorted keys, no spaces, UTF-8); defined with every other on-chain byte.
canonical_bytes = canonical_json


class Outcome(BaseModel):
    """One finished task, successful or not.

    Attributes:
        task_id: The market's task id.
        kind: Kind label (``mcts``, ``training``...), or the unrecognised kind as given.
        ok: True when ``answer`` is a real answer.
        answer: Canonical answer; for training and spiking the hex ``result_hash``; None when not ok.
        error: What went wrong, naming the field or cause; None when ok.
        error_type: Class name of the failure (``TaskSpecError``, ``TaskTimeout``...).
        trace: Canonical JSON of the full record of the run (see :func:`canonical_bytes`).
        trace_hash: sha256 hex of ``trace``.
        seconds: Wall time of the run as seen by the executor.
        worker: Where it ran (``host/pid``), if known.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: int
    kind: str
    ok: bool
    answer: str | None = None
    error: str | None = None
    error_type: str | None = None
    trace: bytes
    trace_hash: str
    seconds: float
    worker: str | None = None

    @classmethod
    def build(
        cls,
        task_id: int,
        kind: str,
        record: dict[str, Any],
        *,
        ok: bool,
        answer: str | None,
        error: str | None = None,
        error_type: str | None = None,
        seconds: float = 0.0,
        worker: str | None = None,
    ) -> Outcome:
        """An outcome whose trace is ``record`` plus the task id and kind, canonically encoded."""
        trace = canonical_bytes({"v": 1, "task": task_id, "kind": kind, "record": record})
        return cls(
            task_id=task_id,
            kind=kind,
            ok=ok,
            answer=answer if ok else None,
            error=error,
            error_type=error_type,
            trace=trace,
            trace_hash=hashlib.sha256(trace).hexdigest(),
            seconds=seconds,
            worker=worker,
        )

    @property
    def digest(self) -> bytes:
        """This outcome's :func:`result_digest`."""
        return result_digest(self.task_id, self.kind, self.ok, self.answer)


def reveal_payload(outcome: Outcome, trace_uri: str | None) -> bytes:
    """The document revealed on chain: success, answer (capped), trace hash and where to fetch the trace.

    The answer is cut to :data:`MAX_REVEALED_ANSWER_CHARS` characters to keep the reveal small;
    the digest committed before covers the full answer, which the trace holds.
    """
    answer = outcome.answer
    if answer is not None and len(answer) > MAX_REVEALED_ANSWER_CHARS:
        answer = answer[:MAX_REVEALED_ANSWER_CHARS]
    body = {"v": 1, "ok": outcome.ok, "answer": answer, "trace": f"sha256:{outcome.trace_hash}", "uri": trace_uri}
    return canonical_bytes(body)


def outcome_from_failure(
    task_id: int,
    kind: str | int,
    exc_or_message: BaseException | str,
    seconds: float,
    *,
    worker: str | None = None,
    error_type: str | None = None,
) -> Outcome:
    """An ok=False outcome for a task that did not produce a result of its own.

    For inputs that do not parse, unknown kinds, crashed workers and timeouts.

    Args:
        exc_or_message: The exception (its class name becomes ``error_type``) or a message.
        error_type: Overrides the type name (default: the exception's class, else ``TaskFailed``).
    """
    if isinstance(exc_or_message, BaseException):
        message = str(exc_or_message) or type(exc_or_message).__name__
        etype = error_type or type(exc_or_message).__name__
    else:
        message = exc_or_message
        etype = error_type or "TaskFailed"
    label = kind if isinstance(kind, str) else str(kind)
    record = {"error_type": etype, "error": message}
    return Outcome.build(
        task_id, label, record, ok=False, answer=None, error=message, error_type=etype, seconds=seconds, worker=worker
    )


def split_envelope(raw: bytes) -> tuple[bytes, dict[str, Any]]:
    """Take the envelope fields (``reply_to``) off the top level of a task input.

    Returns:
        The input without them, and the fields taken off. An input without envelope fields
        comes back byte for byte, so its results are exactly those of the bare input.

    Raises:
        TaskInputError: the input is not UTF-8 JSON, or ``reply_to`` is present but not an object.
    """
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaskInputError(f"input: expected a JSON document, got invalid JSON ({exc})") from None
    if not isinstance(value, dict) or not any(key in value for key in ENVELOPE_KEYS):
        return bytes(raw), {}
    envelope = {key: value.pop(key) for key in ENVELOPE_KEYS if key in value}
    reply_to = envelope.get("reply_to")
    if not isinstance(reply_to, dict):
        raise TaskInputError(f"input: field 'reply_to': expected an object, got {type(reply_to).__name__}")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), envelope
