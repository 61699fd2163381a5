"""Template decoding against a toy model whose vocabulary has merged tokens like ' "-'."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.lm.template import Choice, Free, Literal, Program, TemplateDecoder, TemplateError

_MERGED = ['{"', "action", '":', ' "', ' "-', "calc", "ulator", "finish", '",', " *", '"}}', "input", "expression"]
PIECES = [*_MERGED, *sorted(set("".join(chr(c) for c in range(32, 127))) - set(_MERGED)), ""]
PROMPT = END = len(PIECES) - 1  # '' stands for the prompt and for end-of-turn


class ToyModel:
    """Writes ``target`` greedily: the longest token that keeps the text a prefix of it."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.written = ""
        self.passes: list[list[str]] = []

    @property
    def pieces(self) -> list[str]:
        return PIECES

    def tokenize(self, text: str) -> list[int]:
        out = []
        while text:
            token = max((i for i, p in enumerate(PIECES) if p and text.startswith(p)), key=lambda i: len(PIECES[i]))
            out.append(token)
            text = text[len(PIECES[token]) :]
        return out

    def forward(self, tokens: list[int]) -> np.ndarray:
        self.passes.append([PIECES[t] for t in tokens])
        self.written += "".join(PIECES[t] for t in tokens if t != PROMPT)
        logits = np.full(len(PIECES), -10.0)
        for i, piece in enumerate(PIECES):
            if piece and self.target.startswith(self.written + piece):
                logits[i] = len(piece)
        if self.written == self.target:
            logits[END] = 1.0
        return logits

    def is_end(self, token: int) -> bool:
        return token == END


def step(names: tuple[str, ...]) -> Program:
    yield Literal('{"action": "')
    name = yield Choice(tuple(f'{n}"' for n in names))
    assert name is not None
    yield Literal(', "input": {"expression": "')
    value = yield Free(stop='"', close='"}}')
    yield Literal('"}}')
    return name[:-1], value


def run(target: str, names: tuple[str, ...] = ("calculator", "finish")) -> tuple[ToyModel, object, str]:
    model = ToyModel(target)
    reply = TemplateDecoder(model, [PROMPT]).run(step(names))
    return model, reply.value, reply.text


def test_forced_tokens_share_the_pass_of_the_next_free_token() -> None:
    model, value, text = run('{"action": "calculator", "input": {"expression": "4 * 2"}}')
    assert value == ("calculator", "4 * 2")
    assert json.loads(text) == {"action": "calculator", "input": {"expression": "4 * 2"}}
    # the prompt and the forced '{"action":' go in one pass; no pass is spent on skeleton alone
    assert model.passes[0][:4] == ["", '{"', "action", '":']
    assert all(len(p) == 1 for p in model.passes[1:3])  # the choice, one token at a time


def test_healing_lets_the_model_take_the_merged_token() -> None:
    # ' "' is forced last; taken back, the model may write the merged ' "-' and keeps the sign
    model, value, _ = run('{"action": "calculator", "input": {"expression": "-4"}}')
    assert value == ("calculator", "-4")
    assert ' "-' in [p for ps in model.passes for p in ps]


def test_choice_is_limited_to_the_options() -> None:
    # the model would write "finish"; only calculator is allowed on this step
    _, value, _ = run('{"action": "finish", "input": {"expression": "4"}}', names=("calculator",))
    assert value is not None and value[0] == "calculator"  # type: ignore[index]


def test_free_text_ends_at_an_unescaped_quote() -> None:
    _, value, _ = run('{"action": "finish", "input": {"expression": "x\\"x"}}')
    assert value == ("finish", 'x\\"x')


def test_a_template_no_token_can_fit_is_an_error() -> None:
    def impossible() -> Program:
        yield Literal('{"')
        yield Choice(("\u00e9",))  # no token of the toy vocabulary writes it

    with pytest.raises(TemplateError):
        TemplateDecoder(ToyModel("{}"), [PROMPT]).run(impossible())
