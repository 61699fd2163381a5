"""The deployment manifest: which contracts live where on which chain.

Every command after ``nashnet contracts deploy`` reads it. It records the chain id,
each contract's address, deploy block and ABI hash, and the compiler, so that a
command refuses a chain or a build that does not match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from web3 import Web3

from .compiler import Artifacts
from .errors import ChainIdMismatch, ManifestError
from .files import write_atomic

SCHEMA_VERSION = 1
#: The contracts a complete deployment holds, by manifest key → contract name.
CONTRACT_NAMES = {
    "token": "NashToken",
    "timelock": "NashTimelock",
    "params": "Params",
    "registry": "NodeRegistry",
    "library": "AllocationCheck",
    "market": "TaskMarketV2",
    "governor": "NashGovernor",
}


class DeployedContract(BaseModel):
    """One deployed contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    address: str
    block: int = Field(ge=0)
    tx_hash: str
    abi_hash: str

    @field_validator("address")
    @classmethod
    def _checksum(cls, value: str) -> str:
        if not Web3.is_address(value):
            raise ValueError(f"not an Ethereum address: {value!r}")
        return str(Web3.to_checksum_address(value))


class Manifest(BaseModel):
    """A deployment of nashnet on one chain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    chain_id: int = Field(gt=0)
    deployer: str
    compiler: str
    evm_version: str
    contracts: dict[str, DeployedContract]
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"schema_version {value} is not supported (expected {SCHEMA_VERSION})")
        return value

    def address(self, key: str) -> str:
        """Address of the contract stored under ``key`` (``"registry"``…)."""
        try:
            return self.contracts[key].address
        except KeyError:
            raise ManifestError(
                f"the manifest has no {key!r} contract (has: {', '.join(sorted(self.contracts))})"
            ) from None

    def check_chain(self, w3: Web3) -> None:
        """Raise :class:`ChainIdMismatch` unless ``w3`` serves this manifest's chain,
        and :class:`ManifestError` if a recorded contract has no code there."""
        actual = int(w3.eth.chain_id)
        if actual != self.chain_id:
            raise ChainIdMismatch(self.chain_id, actual)
        for key, c in self.contracts.items():
            if len(w3.eth.get_code(Web3.to_checksum_address(c.address))) == 0:
                raise ManifestError(
                    f"no contract code at {c.address} ({key}) on chain {actual}: "
                    "the chain was reset since the deployment; deploy again"
                )

    def check_abis(self, artifacts: Artifacts) -> None:
        """Raise :class:`ManifestError` if the compiled ABIs differ from the deployed ones."""
        for key, c in self.contracts.items():
            if c.name not in artifacts.contracts:
                raise ManifestError(
                    f"the {key} contract ({c.name}) at {c.address} is not part of this release (the v1 "
                    "TaskMarket was replaced by TaskMarketV2); deploy again or use the matching release"
                )
            compiled = artifacts[c.name].abi_hash
            if compiled != c.abi_hash:
                raise ManifestError(
                    f"the {key} contract ({c.name}) at {c.address} was deployed from other sources "
                    f"(ABI hash {c.abi_hash}, compiled {compiled}); deploy again or use the matching release"
                )

    def save(self, path: Path) -> None:
        """Write the manifest atomically (temp file + rename)."""
        write_atomic(Path(path), self.model_dump_json(indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read and validate a manifest file.

        Raises:
            ManifestError: missing file, not JSON, or a field with a bad value.
        """
        path = Path(path)
        try:
            raw = path.read_text()
        except FileNotFoundError:
            raise ManifestError(
                f"no deployment manifest at {path}; run `nashnet contracts deploy` or pass --manifest"
            ) from None
        except OSError as exc:
            raise ManifestError(f"cannot read the manifest {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"manifest {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(top level)"
            raise ManifestError(f"manifest {path}: field {field}: {first['msg']}") from None
