"""The exception hierarchy of nashnet.

``NashnetError`` is the root of every error the chain side of the project raises
(``consensus`` and ``node`` derive theirs from it too). Each subclass is a failure
a caller can act on, and its message says what went wrong, which value, and what
to do next.
"""

from __future__ import annotations

from typing import Any


class NashnetError(Exception):
    """Root of nashnet's errors."""


class ToolchainError(NashnetError):
    """The Solidity compiler or a chain binary is missing or failed."""


class CompileError(ToolchainError):
    """Solidity sources did not compile; the message holds the compiler's errors."""


class ChainError(NashnetError):
    """Talking to the chain failed."""


class RpcUnreachable(ChainError, ConnectionError):
    """The JSON-RPC endpoint did not answer."""

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        detail = f": {reason}" if reason else ""
        super().__init__(
            f"cannot reach the chain at {url}{detail} "
            "(is the node running? check --rpc-url or ETH_RPC_URL)"
        )


class ChainIdMismatch(ChainError):
    """The manifest was written for another chain than the RPC serves."""

    def __init__(self, expected: int, actual: int, where: str = "manifest") -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{where} is for chain id {expected} but the RPC serves chain id {actual}; "
            "point --rpc-url at the right chain or deploy again"
        )


class TransactionTimeout(ChainError, TimeoutError):
    """A sent transaction was not mined in time."""

    def __init__(self, tx_hash: str, seconds: float) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"transaction {tx_hash} was not mined within {seconds:g} s")


class TransactionReverted(ChainError):
    """A transaction or call reverted.

    Attributes:
        error: The decoded custom error name (``"RegistryZeroAmount"``), a
            ``"Error"`` for ``require`` strings, ``"Panic"``, or ``None`` when the
            revert carried no data.
        args: The decoded arguments, by name.
        tx_hash: The transaction hash when the revert happened on chain.
    """

    def __init__(
        self,
        error: str | None,
        args: dict[str, Any] | None = None,
        *,
        function: str = "",
        tx_hash: str | None = None,
        raw: bytes = b"",
    ) -> None:
        self.error = error
        self.args_ = dict(args or {})
        self.function = function
        self.tx_hash = tx_hash
        self.raw = raw
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_.items())
        where = f"{function}: " if function else ""
        what = f"{error}({shown})" if error else f"reverted without a reason (data 0x{raw.hex()})"
        tx = f" [tx {tx_hash}]" if tx_hash else ""
        super().__init__(f"{where}{what}{tx}")


class ManifestError(NashnetError, ValueError):
    """The deployment manifest is missing, malformed or does not match the chain."""


class KeystoreError(NashnetError):
    """A keystore is missing, unreadable, or its password is wrong."""


class ConfigError(NashnetError, ValueError):
    """A setting is missing or has a value out of range."""


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
