"""The record of one agent run, and its hash.

The hash covers what determines the answer (thoughts, tool calls, observations, model
outputs and token counts) and nothing that varies between honest runs (wall-clock
times), so redundant nodes that ran the same input on the same model agree on it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["Trace", "canonical_json"]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and no NaN: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)


class Trace:
    """An append-only list of events, each a JSON-able dict with a ``type``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, **data: Any) -> dict[str, Any]:
        event = {"type": type_, **data}
        # Round-trip now, so a later mutation of a caller's object cannot change the record.
        event = json.loads(canonical_json(event))
        self.events.append(event)
        return event

    def thought(self, text: str) -> None:
        self.add("thought", text=text)

    def tool_call(self, tool: str, args: Any, ref: str | None = None) -> None:
        self.add("tool_call", tool=tool, args=args, **({"ref": ref} if ref else {}))

    def observation(self, text: str, *, error: bool = False, ref: str | None = None) -> None:
        self.add("observation", text=text, error=error, **({"ref": ref} if ref else {}))

    def lm_call(
        self, purpose: str, prompt_sha256: str, output: str, prompt_tokens: int, completion_tokens: int
    ) -> None:
        self.add(
            "lm_call",
            purpose=purpose,
            prompt_sha256=prompt_sha256,
            output=output,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )

    def hash(self) -> str:
        """sha256 (hex) of the canonical JSON of all events."""
        return hashlib.sha256(canonical_json(self.events).encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.events)
