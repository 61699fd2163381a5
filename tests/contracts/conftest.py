"""Fixtures for the in-process chain: one deployment per session, a snapshot per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from contracts import (
    Artifacts,
    DeployConfig,
    Deployment,
    ErrorDecoder,
    InProcessChain,
    Sender,
    TransactionReverted,
    compile_contracts,
    deploy,
)

TOKEN = 10**18


@dataclass
class System:
    """A deployed system on the in-process chain, with senders for every test account."""

    chain: InProcessChain
    d: Deployment
    config: DeployConfig
    decoder: ErrorDecoder

    def sender(self, index: int) -> Sender:
        return Sender(self.chain.w3, self.chain.accounts[index], self.decoder)

    @property
    def w3(self):  # noqa: ANN201 - web3 instance
        return self.chain.w3

    def address(self, index: int) -> str:
        return self.chain.accounts[index].address


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    return compile_contracts()


@pytest.fixture(scope="session")
def _system(artifacts: Artifacts) -> System:
    chain = InProcessChain.start()
    decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
    config = DeployConfig()
    manifest = deploy(chain.w3, Sender(chain.w3, chain.accounts[0], decoder), artifacts, config)
    d = Deployment.attach(chain.w3, manifest, artifacts)
    system = System(chain=chain, d=d, config=config, decoder=decoder)
    boss = system.sender(0)
    for i in range(1, 6):  # operators and voters get tokens
        boss.transact(d.token.functions.transfer(chain.accounts[i].address, 100_000 * TOKEN))
    return system


@pytest.fixture()
def system(_system: System) -> Iterator[System]:
    snap = _system.chain.snapshot()
    yield _system
    _system.chain.revert(snap)


def reverts(error: str, **args: object):  # noqa: ANN201 - context manager
    """Assert that the block raises TransactionReverted with exactly ``error`` and ``args``."""
    return _Reverts(error, args)


class _Reverts:
    def __init__(self, error: str, args: dict[str, object]) -> None:
        self.error = error
        self.args = args

    def __enter__(self) -> _Reverts:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:  # noqa: ANN001
        if exc is None:
            raise AssertionError(f"expected revert {self.error}, but nothing reverted")
        if not isinstance(exc, TransactionReverted):
            return False
        assert exc.error == self.error, f"expected {self.error}, got {exc}"
        if self.args:
            got = {k: exc.args_.get(k) for k in self.args}
            assert got == self.args, f"{self.error} arguments: expected {self.args}, got {exc.args_}"
        return True
