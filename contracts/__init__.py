"""Solidity sources of nashnet and the Python that compiles, deploys and binds them."""

from .bindings import Deployment
from .chain import InProcessChain, advance_time, connect, is_local_chain, mine
from .compiler import Artifacts, ContractArtifact, compile_contracts, find_solc
from .deploy import DeployConfig, ParamsConfig, deploy
from .errors import (
    ChainError,
    ChainIdMismatch,
    CompileError,
    ConfigError,
    KeystoreError,
    ManifestError,
    NashnetError,
    RpcUnreachable,
    ToolchainError,
    TransactionReverted,
    TransactionTimeout,
)
from .manifest import Manifest
from .tx import ErrorDecoder, Sender

__all__ = [
    "Artifacts",
    "ChainError",
    "ChainIdMismatch",
    "CompileError",
    "ConfigError",
    "ContractArtifact",
    "DeployConfig",
    "Deployment",
    "ErrorDecoder",
    "InProcessChain",
    "KeystoreError",
    "Manifest",
    "ManifestError",
    "NashnetError",
    "ParamsConfig",
    "RpcUnreachable",
    "Sender",
    "ToolchainError",
    "TransactionReverted",
    "TransactionTimeout",
    "advance_time",
    "compile_contracts",
    "connect",
    "deploy",
    "find_solc",
    "is_local_chain",
    "mine",
]
