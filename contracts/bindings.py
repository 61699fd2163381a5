"""Typed access to a deployed system: contracts bound to a chain and a manifest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3

from .compiler import Artifacts
from .manifest import Manifest
from .tx import ErrorDecoder


@dataclass
class Deployment:
    """A deployment on a live chain: the manifest, the ABIs and the web3 contracts."""

    w3: Web3
    manifest: Manifest
    artifacts: Artifacts

    @classmethod
    def attach(cls, w3: Web3, manifest: Manifest, artifacts: Artifacts, *, check: bool = True) -> Deployment:
        """Bind ``manifest`` on ``w3``; with ``check``, refuse another chain or other ABIs."""
        if check:
            manifest.check_chain(w3)
            manifest.check_abis(artifacts)
        return cls(w3=w3, manifest=manifest, artifacts=artifacts)

    def contract(self, key: str) -> Any:
        """The web3 contract stored under ``key`` in the manifest."""
        entry = self.manifest.contracts[key]
        return self.w3.eth.contract(address=Web3.to_checksum_address(entry.address), abi=self.artifacts[entry.name].abi)

    @property
    def token(self) -> Any:
        """The NashToken contract."""
        return self.contract("token")

    @property
    def registry(self) -> Any:
        """The NodeRegistry contract."""
        return self.contract("registry")

    @property
    def params(self) -> Any:
        """The Params contract."""
        return self.contract("params")

    @property
    def governor(self) -> Any:
        """The NashGovernor contract."""
        return self.contract("governor")

    @property
    def market(self) -> Any:
        """The task market, ``TaskMarketV2``."""
        return self.contract("market")

    def client(self) -> Any:
        """The protocol client of the market (:class:`consensus.clients.market_v2.MarketV2`),
        reading events from the market's deployment block."""
        from consensus.clients.market_v2 import MarketV2

        return MarketV2(self.w3, self.market, self.registry, self.params,
                        from_block=self.manifest.contracts["market"].block)

    @property
    def timelock(self) -> Any:
        """The NashTimelock contract."""
        return self.contract("timelock")

    def decoder(self) -> ErrorDecoder:
        """A revert decoder over every compiled contract."""
        return ErrorDecoder.from_artifacts(self.artifacts.contracts.values())
