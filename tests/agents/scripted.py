"""A scripted language model for unit tests of agent control flow.

It is a real DSPy engine behind a real ``dspy.LM``, so the tests go through the same
LM layer as production; only the text is canned. Every agent also has a test against
the real embedded model (tests marked ``slow``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from agents.lm import ChatModel, ensure_offline


class ScriptedEngine:
    """Answers each request with the next scripted reply (a string, or a function of the request)."""

    def __init__(self, replies: Iterable[str | Callable[[Any], str]]) -> None:
        self.replies = list(replies)
        self.requests: list[Any] = []

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        self.requests.append(request)
        if not self.replies:
            raise RuntimeError("scripted LM ran out of replies")
        reply = self.replies.pop(0)
        text = reply(request) if callable(reply) else reply
        prompt = (request.system or "") + "".join(m.text or "" for m in request.messages)
        return Response(
            id=None,
            model=request.model,
            message=Message.assistant([TextPart(text)]),
            finish_reason="stop",
            usage=Usage(input_tokens=len(prompt) // 4, output_tokens=len(text) // 4),
        )

    def stream(self, request: Any) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


def scripted_lm(*replies: str | Callable[[Any], str]) -> tuple[ChatModel, ScriptedEngine]:
    ensure_offline()
    import dspy

    engine = ScriptedEngine(replies)
    return ChatModel(dspy.LM("local/scripted", engine=engine, cache=False)), engine
