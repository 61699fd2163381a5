"""Connections to a chain: any JSON-RPC URL, or the in-process py-evm chain.

Two chains are first-class: the embedded EVM (web3's EthereumTesterProvider on
py-evm) for unit tests, and anvil (or any node) over JSON-RPC. The helpers here
hide the few ways they differ: how to mine blocks and move time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint

from .errors import ChainError, RpcUnreachable

#: Chain ids treated as local development chains (anvil/hardhat, eth-tester).
LOCAL_CHAIN_IDS = frozenset({31337, 1337, 131277322940537})


def connect(url: str, *, timeout: float = 10.0) -> Web3:
    """A Web3 connected to the JSON-RPC endpoint at ``url``.

    Raises:
        RpcUnreachable: nothing answers at ``url``.
    """
    if not url:
        raise RpcUnreachable("(empty)", "no RPC URL given")
    if url.startswith(("ws://", "wss://")):
        raise ChainError(f"websocket RPC URLs are not supported ({url}); use the node's http(s) URL")
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        _ = w3.eth.chain_id
    except Exception as exc:  # requests' connection errors, timeouts, bad JSON
        raise RpcUnreachable(url, type(exc).__name__) from None
    return w3


@dataclass
class InProcessChain:
    """An EVM in this process (py-evm), with funded accounts whose keys are known."""

    w3: Web3
    tester: Any
    accounts: list[LocalAccount] = field(default_factory=list)

    @classmethod
    def start(cls) -> InProcessChain:
        """A fresh chain with eth-tester's ten funded accounts."""
        from eth_tester import EthereumTester, PyEVMBackend

        tester = EthereumTester(PyEVMBackend())
        w3 = Web3(EthereumTesterProvider(tester))
        keys = tester.backend.account_keys
        accounts = [Account.from_key(k.to_hex() if hasattr(k, "to_hex") else k) for k in keys]
        return cls(w3=w3, tester=tester, accounts=accounts)

    def snapshot(self) -> int:
        """Snapshot of the chain state; see :meth:`revert`."""
        return int(self.tester.take_snapshot())

    def revert(self, snapshot_id: int) -> None:
        """Go back to a snapshot."""
        self.tester.revert_to_snapshot(snapshot_id)


def is_in_process(w3: Web3) -> bool:
    """Whether ``w3`` talks to the in-process chain."""
    return isinstance(w3.provider, EthereumTesterProvider)


def mine(w3: Web3, blocks: int = 1) -> None:
    """Mine ``blocks`` empty blocks (dev chains only)."""
    if blocks <= 0:
        return
    if is_in_process(w3):
        w3.provider.ethereum_tester.mine_blocks(blocks)  # type: ignore[attr-defined]
    else:
        # anvil reads `evm_mine [n]` as a timestamp; anvil_mine takes a count.
        w3.provider.make_request(RPCEndpoint("anvil_mine"), [hex(blocks)])


def advance_time(w3: Web3, seconds: int) -> None:
    """Move the chain clock forward by ``seconds`` and mine a block (dev chains only)."""
    if is_in_process(w3):
        tester = w3.provider.ethereum_tester  # type: ignore[attr-defined]
        now = w3.eth.get_block("latest")["timestamp"]
        # time_travel mines a block at T-1 so the next transaction lands at T.
        tester.time_travel(int(now) + int(seconds) + 1)
    else:
        w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [int(seconds)])
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def is_local_chain(chain_id: int) -> bool:
    """Whether ``chain_id`` is a local development chain."""
    return chain_id in LOCAL_CHAIN_IDS
