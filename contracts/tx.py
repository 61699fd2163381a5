"""The one place that sends transactions.

``Sender`` signs with a local account (keys come from encrypted keystores), keeps
its own nonce, estimates gas, waits for the receipt with a timeout, and turns any
revert — from eth-tester's ``TransactionFailed``, web3's ``ContractCustomError``
or a receipt with status 0 — into :class:`TransactionReverted` carrying the decoded
custom error name and arguments.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterable
from typing import Any

from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted

from .compiler import ContractArtifact
from .errors import ChainError, TransactionReverted, TransactionTimeout

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


class ErrorDecoder:
    """Decodes revert data against the custom errors of a set of ABIs."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = [_abi_type(i) for i in item["inputs"]]
                names = [i.get("name") or f"arg{n}" for n, i in enumerate(item["inputs"])]
                selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
                self._errors[selector] = (item["name"], types, names)

    @classmethod
    def from_artifacts(cls, artifacts: Iterable[ContractArtifact]) -> ErrorDecoder:
        """A decoder over every contract of a compilation."""
        return cls(a.abi for a in artifacts)

    def decode(self, data: bytes) -> tuple[str | None, dict[str, Any]]:
        """(error name, arguments) of revert ``data``; (None, {}) when empty or unknown."""
        if len(data) < 4:
            return None, {}
        selector, body = data[:4], data[4:]
        try:
            if selector == _ERROR_STRING:
                return "Error", {"message": abi_decode(["string"], body)[0]}
            if selector == _PANIC:
                return "Panic", {"code": abi_decode(["uint256"], body)[0]}
            if selector in self._errors:
                name, types, names = self._errors[selector]
                values = abi_decode(types, body)
                return name, {n: _plain(t, v) for n, t, v in zip(names, types, values, strict=True)}
        except Exception:  # malformed data: report it raw rather than fail while failing
            return None, {}
        return None, {}

    def reverted(
        self, exc: BaseException, *, function: str = "", tx_hash: str | None = None
    ) -> TransactionReverted | None:
        """The :class:`TransactionReverted` for ``exc`` if it is a revert, else None."""
        data = revert_data(exc)
        if data is None:
            return None
        name, args = self.decode(data)
        return TransactionReverted(name, args, function=function, tx_hash=tx_hash, raw=data)


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert bytes carried by an exception from either chain, or None."""
    cls = type(exc).__name__
    if isinstance(exc, ContractLogicError):
        data = exc.data
        if isinstance(data, str):
            return bytes.fromhex(data.removeprefix("0x"))
        if isinstance(data, bytes):
            return data
        return b""
    if cls == "TransactionFailed":  # eth-tester
        for arg in exc.args:
            if isinstance(arg, bytes):
                return arg
            if isinstance(arg, str):
                text = arg.removeprefix("execution reverted: ").strip()
                if text.startswith(("b'", 'b"')):
                    try:
                        value = ast.literal_eval(text)
                    except (ValueError, SyntaxError):
                        return text.encode()
                    return value if isinstance(value, bytes) else b""
                if text.startswith("0x"):
                    try:
                        return bytes.fromhex(text[2:])
                    except ValueError:
                        pass
                return _ERROR_STRING + _encode_string(text) if text else b""
        return b""
    return None


def _encode_string(text: str) -> bytes:
    from eth_abi import encode

    return encode(["string"], [text])


def _abi_type(item: dict[str, Any]) -> str:
    t: str = item["type"]
    if t.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){t[5:]}"
    return t


def _plain(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return str(Web3.to_checksum_address(value))
    if isinstance(value, tuple):
        return list(value)
    return value


class Sender:
    """Signs and sends transactions for one account.

    Args:
        w3: The chain.
        account: The signing account (from a keystore).
        decoder: Decodes custom errors of the project's contracts.
        timeout: Seconds to wait for a receipt.
        gas_margin: Estimated gas is multiplied by this.
    """

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        decoder: ErrorDecoder,
        *,
        timeout: float = 120.0,
        gas_margin: float = 1.25,
    ) -> None:
        self.w3 = w3
        self.account = account
        self.decoder = decoder
        self.timeout = timeout
        self.gas_margin = gas_margin
        self._nonce: int | None = None
        self._lock = threading.Lock()
        self._chain_id: int | None = None

    @property
    def address(self) -> str:
        """The sending address (checksummed)."""
        return str(self.account.address)

    def transact(self, fn: Any, *, value: int = 0, gas: int | None = None) -> Any:
        """Send the contract call ``fn`` (a bound ``ContractFunction``) and return its receipt.

        Raises:
            TransactionReverted: the call reverts (at estimation or on chain).
            TransactionTimeout: no receipt within the timeout.
        """
        label = getattr(fn, "fn_name", "transaction")
        tx: dict[str, Any] = {"from": self.address, "value": value}
        if gas is None:
            gas = self._estimate(lambda: fn.estimate_gas(tx), label)
        built = fn.build_transaction({**tx, **self._fees(), "gas": gas, "nonce": 0, "chainId": self.chain_id})
        return self._send(built, label)

    def deploy(self, artifact: ContractArtifact, *args: Any) -> tuple[str, Any]:
        """Deploy ``artifact`` with constructor ``args``; returns (address, receipt)."""
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        ctor = factory.constructor(*args)
        label = f"deploy {artifact.name}"
        gas = self._estimate(lambda: ctor.estimate_gas({"from": self.address}), label)
        built = ctor.build_transaction(
            {"from": self.address, **self._fees(), "gas": gas, "nonce": 0, "chainId": self.chain_id}
        )
        receipt = self._send(built, label)
        return str(receipt["contractAddress"]), receipt

    def call(self, fn: Any, *, block: Any = "latest") -> Any:
        """Call a view function, decoding a revert into :class:`TransactionReverted`."""
        try:
            return fn.call({"from": self.address}, block_identifier=block)
        except Exception as exc:
            err = self.decoder.reverted(exc, function=getattr(fn, "fn_name", ""))
            if err is None:
                raise
            raise err from None

    @property
    def chain_id(self) -> int:
        """The chain id, read once."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def reset_nonce(self) -> None:
        """Forget the cached nonce (after a chain revert or an external send)."""
        with self._lock:
            self._nonce = None

    def _estimate(self, estimate: Any, label: str) -> int:
        try:
            return int(int(estimate()) * self.gas_margin) + 10_000
        except Exception as exc:
            err = self.decoder.reverted(exc, function=label)
            if err is None:
                raise
            raise err from None

    def _fees(self) -> dict[str, int]:
        base = self.w3.eth.get_block("latest").get("baseFeePerGas")
        if base is None:
            return {"gasPrice": int(self.w3.eth.gas_price)}
        tip = 10**9
        return {"maxFeePerGas": int(base) * 2 + tip, "maxPriorityFeePerGas": tip}

    def _send(self, tx: dict[str, Any], label: str) -> Any:
        with self._lock:
            chain_nonce = self.w3.eth.get_transaction_count(self.account.address, "pending")
            nonce = chain_nonce if self._nonce is None else max(self._nonce, chain_nonce)
            tx["nonce"] = nonce
            signed = self.account.sign_transaction(tx)
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception as exc:
                self._nonce = None
                err = self.decoder.reverted(exc, function=label)
                if err is None:
                    raise ChainError(f"{label}: the node refused the transaction: {exc}") from None
                raise err from None
            self._nonce = nonce + 1
        hex_hash = "0x" + bytes(tx_hash).hex()
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.timeout, poll_latency=0.05)
        except TimeExhausted:
            raise TransactionTimeout(hex_hash, self.timeout) from None
        if receipt["status"] != 1:
            raise self._replay_revert(tx, receipt, label, hex_hash)
        return receipt

    def _replay_revert(self, tx: dict[str, Any], receipt: Any, label: str, tx_hash: str) -> TransactionReverted:
        call: Any = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        try:
            self.w3.eth.call(call, block_identifier=receipt["blockNumber"] - 1)
        except Exception as exc:
            err = self.decoder.reverted(exc, function=label, tx_hash=tx_hash)
            if err is not None:
                return err
        return TransactionReverted(None, function=label, tx_hash=tx_hash)
