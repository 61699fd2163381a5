"""The requester library's checks that need no chain (the chain side runs in test_cli_task.py)."""

from __future__ import annotations

import json

import pytest

from contracts.errors import ConfigError
from contracts.kinds import TaskKind
from node import privacy
from node.requester import MAX_INPUT_BYTES, check_terms, reveal_document, validate_input, with_reply_to

GAME = b'{"problem": "game24", "numbers": [4, 7, 8, 8]}'


def test_terms_are_refused_before_any_chain_call() -> None:
    check_terms(reward=1, redundancy=3, min_redundancy=2)
    with pytest.raises(ConfigError, match="--reward: must be more than 0 tokens"):
        check_terms(reward=0)
    with pytest.raises(ConfigError, match="--min-redundancy 3 is more than --redundancy 2"):
        check_terms(reward=1, redundancy=2, min_redundancy=3)


def test_a_private_input_carries_the_reply_key_and_still_validates() -> None:
    key = "ab" * 32
    sealed = with_reply_to(validate_input(TaskKind.MCTS, GAME), key)
    assert json.loads(sealed)["reply_to"] == {"x25519": key}
    assert validate_input(TaskKind.MCTS, sealed) == sealed
    with pytest.raises(ConfigError, match="reply_to.x25519 must be a 64-hex-digit"):
        validate_input(TaskKind.MCTS, with_reply_to(GAME, "zz"))
    with pytest.raises(ConfigError, match="must be a JSON object"):
        with_reply_to(b"[1, 2]", key)
    big = json.dumps({"problem": "game24", "numbers": [4, 7, 8, 8], "pad": "x" * (MAX_INPUT_BYTES - 120)})
    with pytest.raises(ConfigError, match="with the reply key is over the limit"):
        with_reply_to(big.encode(), key)


def test_reveal_documents_open_only_with_the_right_key() -> None:
    key, other = privacy.new_reply_key(), privacy.new_reply_key()
    doc = {"v": 1, "ok": True, "answer": "24"}
    sealed = privacy.seal(json.dumps(doc).encode(), bytes.fromhex(privacy.reply_public_hex(key)),
                          context=privacy.task_context(7))
    assert reveal_document(json.dumps(doc).encode(), 7) == doc
    assert reveal_document(sealed, 7) == {"sealed": True}
    assert reveal_document(sealed, 7, key) == doc
    assert reveal_document(sealed, 8, key)["sealed"] is True  # another task's context
    assert reveal_document(sealed, 7, other)["sealed"] is True
