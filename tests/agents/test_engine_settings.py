"""Engine settings that need no model file: threads."""

from __future__ import annotations

import pytest

from agents.lm.llama_engine import DEFAULT_THREADS, LlamaEngine, default_threads


def test_one_thread_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two threads spin-wait for each other on a busy 2-core machine (docs/agents.md).
    monkeypatch.delenv("NASHNET_LM_THREADS", raising=False)
    monkeypatch.delenv("NASHNET_LM_BATCH_THREADS", raising=False)
    assert DEFAULT_THREADS == 1 and default_threads() == (1, 1)
    engine = LlamaEngine("unused.gguf")
    assert (engine.n_threads, engine.n_threads_batch) == (1, 1)


def test_threads_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NASHNET_LM_THREADS", "2")
    assert default_threads() == (2, 2)
    monkeypatch.setenv("NASHNET_LM_BATCH_THREADS", "4")
    assert default_threads() == (2, 4)
    assert LlamaEngine("unused.gguf", n_threads=3, n_threads_batch=1).n_threads == 3
    monkeypatch.setenv("NASHNET_LM_THREADS", "0")
    with pytest.raises(ValueError, match="NASHNET_LM_THREADS"):
        default_threads()
