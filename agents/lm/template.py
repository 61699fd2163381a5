"""Jump-forward template decoding: the model writes only the free parts of a reply.

A reply such as ``{"action": "calculator", "input": {"expression": "3 * 4"}}`` is mostly
skeleton. A *template program* — a generator that yields :class:`Literal`, :class:`Choice`
and :class:`Free` segments and receives what the model chose — says which parts are fixed.
The decoder then

* never samples skeleton text: forced tokens are evaluated in the same forward pass as
  the next free token;
* reads a choice (a tool name) as a choice among the allowed options, token by token;
* heals tokens at every forced/free boundary: the last forced token is taken back and
  the next token must start with its text, so the model may pick the merged token it
  would have written itself (``' "-'`` rather than ``' "'`` then ``'-'``, which made it
  drop minus signs);
* checks only the best-scoring tokens against a segment's rule instead of masking the
  whole vocabulary at every step.

Decoding is greedy, so a program's reply is a function of the prompt and the model file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = [
    "Choice",
    "DecodeBackend",
    "Free",
    "Literal",
    "Program",
    "TemplateDecoder",
    "TemplateError",
    "TemplateReply",
    "json_string",
]


@dataclass(frozen=True)
class Literal:
    """Text the reply must contain here; never sampled."""

    text: str


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (a prefix-free set, e.g. tool names each followed by ``"``)."""

    options: tuple[str, ...]
    max_tokens: int = 16


@dataclass(frozen=True)
class Free:
    """Free text up to the first unescaped ``stop``.

    Args:
        stop: Character that ends the text (it belongs to what follows).
        close: Literal that will follow, starting with ``stop``; a token that runs past
            ``stop`` is accepted only if it agrees with it. ``""`` accepts any overrun
            (the reply ends here).
        max_tokens: Cap on the tokens of this part.
    """

    stop: str = '"'
    close: str = ""
    max_tokens: int = 64


Segment = Literal | Choice | Free
Program = Generator[Segment, str | None, Any]


class TemplateError(ValueError):
    """The model could not produce a reply that fits the template."""


class DecodeBackend(Protocol):
    """What the decoder needs from a model: token texts, a tokenizer and a forward pass."""

    @property
    def pieces(self) -> Sequence[str]:
        """Text of every token id ('' for special tokens)."""
        ...

    def tokenize(self, text: str) -> list[int]: ...

    def forward(self, tokens: list[int]) -> np.ndarray:
        """Evaluate ``tokens`` after everything evaluated so far; the logits after the last one."""
        ...

    def is_end(self, token: int) -> bool: ...


@dataclass
class TemplateReply:
    """What one templated reply produced."""

    text: str
    value: Any
    forced_tokens: int = 0
    generated_tokens: int = 0
    forward_passes: int = 0


def _unescaped(text: str, stop: str) -> int:
    """Index of the first ``stop`` in ``text`` not preceded by an odd run of backslashes, or -1."""
    i = text.find(stop)
    while i != -1:
        slashes = len(text[:i]) - len(text[:i].rstrip("\\"))
        if slashes % 2 == 0:
            return i
        i = text.find(stop, i + 1)
    return -1


class TemplateDecoder:
    """Runs one template program over a backend whose prompt is already pending.

    Args:
        backend: The model.
        pending: Prompt tokens not yet evaluated; they go into the first forward pass
            together with the first forced tokens.
        max_tokens: Cap on generated (not forced) tokens of the whole reply.
        top: How many best-scoring tokens are checked before the whole vocabulary is sorted.
    """

    def __init__(self, backend: DecodeBackend, pending: list[int], *, max_tokens: int = 256, top: int = 64) -> None:
        self.backend = backend
        self.pending = list(pending)
        self.text = ""  # forced text not yet tokenized
        self.out: list[str] = []
        self.consumed = ""  # text a free part's last token ran past its stop (already evaluated)
        self.max_tokens = max_tokens
        self.top = top
        self.reply = TemplateReply(text="", value=None)

    # -- the model ---------------------------------------------------------------------

    def _flush(self) -> str:
        """Tokenize the forced text, keep its last token back for healing, return that token's text."""
        if not self.text:
            return ""
        tokens = self.backend.tokenize(self.text)
        self.text = ""
        if not tokens:
            return ""
        heal = self.backend.pieces[tokens[-1]]
        self.pending += tokens[:-1]
        self.reply.forced_tokens += len(tokens) - 1
        return heal

    def _logits(self) -> np.ndarray:
        if not self.pending:
            raise TemplateError("nothing to evaluate: a template must start with the prompt")
        logits = self.backend.forward(self.pending)
        self.reply.forward_passes += 1
        self.pending = []
        return logits

    def _pick(self, logits: np.ndarray, accept: Callable[[int, str], bool]) -> int:
        """The best-scoring token that ``accept`` takes (the top few first, then all of them)."""
        n = min(self.top, logits.shape[0])
        head = np.argpartition(-logits, n - 1)[:n]
        head = head[np.argsort(-logits[head], kind="stable")]
        for token in head.tolist():
            if accept(token, self.backend.pieces[token]):
                return int(token)
        for token in np.argsort(-logits, kind="stable")[n:].tolist():
            if accept(token, self.backend.pieces[token]):
                return int(token)
        raise TemplateError("no token fits the template here")

    def _take(self, token: int) -> None:
        self.pending.append(token)
        self.reply.generated_tokens += 1
        if self.reply.generated_tokens > self.max_tokens:
            raise TemplateError(f"the reply is longer than {self.max_tokens} tokens")

    # -- segments ----------------------------------------------------------------------

    def _literal(self, seg: Literal) -> None:
        text = seg.text
        if self.consumed:
            if not text.startswith(self.consumed):
                raise TemplateError(f"template literal {text!r} does not continue {self.consumed!r}")
            text, self.consumed = text[len(self.consumed) :], ""
        self.text += text
        self.out.append(seg.text)

    def _choice(self, seg: Choice) -> str:
        need = self._flush()
        got = ""
        for _ in range(seg.max_tokens):
            logits = self._logits()

            def accept(token: int, piece: str, need: str = need, got: str = got) -> bool:
                if not piece.startswith(need) or self.backend.is_end(token):
                    return False
                if not need and not piece:
                    return False  # no progress
                rest = got + piece[len(need) :]
                return any(o.startswith(rest) for o in seg.options)

            token = self._pick(logits, accept)
            self._take(token)
            got += self.backend.pieces[token][len(need) :]
            need = ""
            if got in seg.options:
                self.out.append(got)
                return got
        raise TemplateError(f"no choice among {seg.options!r} within {seg.max_tokens} tokens")

    def _free(self, seg: Free) -> str:
        need = self._flush()
        got = ""
        for _ in range(seg.max_tokens):
            logits = self._logits()

            def accept(token: int, piece: str, need: str = need, got: str = got) -> bool:
                if self.backend.is_end(token):
                    return not need
                if not piece or not piece.startswith(need):
                    return False
                text = got + piece[len(need) :]
                end = _unescaped(text, seg.stop)
                if end == -1 or not seg.close:
                    return True
                return seg.close.startswith(text[end:])

            token = self._pick(logits, accept)
            if self.backend.is_end(token):
                break
            self._take(token)
            got += self.backend.pieces[token][len(need) :]
            need = ""
            end = _unescaped(got, seg.stop)
            if end != -1:
                self.consumed = got[end:]
                got = got[:end]
                break
        self.out.append(got)
        return got

    # -- a whole program ---------------------------------------------------------------

    def run(self, program: Program) -> TemplateReply:
        """Drive ``program`` to its end; the reply's ``value`` is what the program returned."""
        sent: str | None = None
        try:
            while True:
                seg = program.send(sent)
                if isinstance(seg, Literal):
                    self._literal(seg)
                    sent = None
                elif isinstance(seg, Choice):
                    sent = self._choice(seg)
                elif isinstance(seg, Free):
                    sent = self._free(seg)
                    if not seg.close:
                        self.consumed = ""
                else:
                    raise TypeError(f"not a template segment: {seg!r}")
        except StopIteration as stop:
            self.reply.value = stop.value
        self.reply.text = "".join(self.out)
        return self.reply


def json_string(raw: str) -> str:
    """Read the text of a JSON string body as written by the model (escapes decoded when valid)."""
    try:
        value = json.loads('"' + raw + '"')
    except json.JSONDecodeError:
        return raw
    return value if isinstance(value, str) else raw
