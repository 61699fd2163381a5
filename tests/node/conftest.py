"""Fixtures for node and CLI tests: an anvil chain and an isolated NASHNET_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.anvil import Anvil


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty NASHNET_HOME; no RPC URL leaks in from the environment."""
    monkeypatch.setenv("NASHNET_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NASHNET_PASSWORD", "correct horse battery staple")
    for var in ("ETH_RPC_URL", "NASHNET_RPC_URL", "NASHNET_MANIFEST", "NASHNET_KEYSTORE_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


@pytest.fixture()
def anvil() -> Iterator[Anvil]:
    """anvil on a free port of 127.0.0.1, stopped after the test."""
    chain = Anvil.start()
    try:
        yield chain
    finally:
        chain.stop()
