"""Start and stop a local anvil chain on 127.0.0.1.

anvil ships as a native binary inside the npm package ``@foundry-rs/anvil-linux-amd64``;
``find_anvil`` looks for it there (and on PATH).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .compiler import find_node_modules
from .errors import ChainError, ToolchainError

#: anvil's deterministic development keys are derived from this public test mnemonic.
DEV_MNEMONIC = "test test test test test test test test test test test junk"


def find_anvil() -> Path:
    """Path to the anvil binary (``NASHNET_ANVIL``, the npm package, or PATH)."""
    env = os.environ.get("NASHNET_ANVIL")
    if env:
        if not os.access(env, os.X_OK):
            raise ToolchainError(f"NASHNET_ANVIL={env} is not an executable anvil binary")
        return Path(env)
    try:
        candidate = find_node_modules() / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
        if candidate.is_file():
            return candidate
    except ToolchainError:
        pass
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise ToolchainError(
        "anvil is not installed: run `npm ci` in the project root (package @foundry-rs/anvil-linux-amd64)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Anvil:
    """A running anvil process."""

    process: subprocess.Popen[bytes]
    port: int
    chain_id: int

    @property
    def url(self) -> str:
        """Its JSON-RPC URL."""
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        port: int | None = None,
        *,
        chain_id: int = 31337,
        accounts: int = 10,
        block_time: float | None = None,
        state_file: Path | None = None,
        log_file: Path | None = None,
        timeout: float = 20.0,
    ) -> Anvil:
        """Start anvil and wait until it answers."""
        port = port or free_port()
        args = [
            str(find_anvil()),
            "--host", "127.0.0.1",
            "--port", str(port),
            "--chain-id", str(chain_id),
            "--accounts", str(accounts),
            "--mnemonic", DEV_MNEMONIC,
            "--silent",
        ]
        if block_time:
            args += ["--block-time", str(block_time)]
        if state_file:
            args += ["--state", str(state_file)]
        out = open(log_file, "ab") if log_file else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            raise ToolchainError(f"cannot start anvil ({args[0]}): {exc.strerror}") from None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ChainError(f"anvil exited at start (code {proc.returncode}); is port {port} taken?")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return cls(process=proc, port=port, chain_id=chain_id)
            except OSError:
                time.sleep(0.05)
        proc.kill()
        raise ChainError(f"anvil did not open port {port} within {timeout:g} s")

    def stop(self) -> None:
        """Stop anvil (SIGTERM, then SIGKILL)."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def dev_accounts(count: int = 10) -> list[str]:
    """Private keys of anvil's development accounts (public test keys; local chains only)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.hex()
        for i in range(count)
    ]
