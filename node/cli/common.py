"""What every command shares: options, settings, passwords, the chain, the deployment, output.

This module is imported by ``nashnet --help``: it must stay light. Anything that pulls web3,
pydantic or the contracts package is imported inside the function that needs it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from rich.console import Console
    from web3 import Web3

    from contracts import Deployment, Sender
    from node.settings import Settings

RpcOpt = typer.Option(None, "--rpc-url", help="JSON-RPC URL of the chain (falls back to ETH_RPC_URL).")
ManifestOpt = typer.Option(None, "--manifest", help="Deployment manifest (default: $NASHNET_HOME/manifest.json).")
AccountOpt = typer.Option(None, "--account", help="Keystore account name (password from NASHNET_PASSWORD or a prompt).")
DevOpt = typer.Option(None, "--dev", min=0, help="Use anvil's public dev account N (local chains only).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")

_consoles: dict[str, Console] = {}


def _console(name: str) -> Console:
    if name not in _consoles:
        from rich.console import Console

        _consoles[name] = Console(stderr=name == "err")
    return _consoles[name]


def __getattr__(name: str) -> Any:
    # ``c.err`` (logs and progress, on stderr) and ``c.out`` (data, on stdout), made on first use
    # so that a command that prints nothing does not import rich.
    if name in ("err", "out"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def settings(rpc_url: str | None = None, manifest: Any = None) -> Settings:
    """Settings with the given flags on top."""
    from node.settings import load_settings

    return load_settings(rpc_url=rpc_url, manifest=manifest)


def password(prompt: str = "Keystore password", *, confirm: bool = False) -> str:
    """The keystore password: ``NASHNET_PASSWORD`` or a hidden prompt on a terminal."""
    env = os.environ.get("NASHNET_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        from contracts.errors import KeystoreError

        raise KeystoreError("no password: set NASHNET_PASSWORD (stdin is not a terminal, so no prompt)")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def web3_for(s: Settings) -> Web3:
    """A connection to ``s.rpc_url``."""
    from contracts import connect
    from contracts.errors import ConfigError

    if not s.rpc_url:
        raise ConfigError("no chain given: pass --rpc-url URL or set ETH_RPC_URL")
    return connect(s.rpc_url, timeout=s.rpc_timeout)


def account_for(s: Settings, w3: Web3, account: str | None, dev: int | None) -> LocalAccount:
    """The signing account from ``--account`` or ``--dev``."""
    from contracts.errors import ConfigError
    from node.keys import Keystore, dev_account

    if account and dev is not None:
        raise ConfigError("pass either --account or --dev, not both")
    if dev is not None:
        return dev_account(dev, int(w3.eth.chain_id))
    if not account:
        raise ConfigError(
            "no signing account: pass --account NAME (see `nashnet account list`) or --dev N on a local chain"
        )
    return Keystore(s.keystore_path).load(account, password(f"Password for {account}"))


def deployment(s: Settings, w3: Web3) -> Deployment:
    """The deployment recorded in the manifest, checked against the chain and the build."""
    from contracts import Deployment, Manifest, compile_contracts

    manifest = Manifest.load(s.manifest_path)
    return Deployment.attach(w3, manifest, compile_contracts())


def sender_for(s: Settings, w3: Web3, acct: LocalAccount) -> Sender:
    """A transaction sender for ``acct`` decoding the project's custom errors."""
    from contracts import ErrorDecoder, Sender, compile_contracts

    artifacts = compile_contracts()
    return Sender(w3, acct, ErrorDecoder.from_artifacts(artifacts.contracts.values()), timeout=s.tx_timeout)


def confirm(question: str, yes: bool) -> None:
    """Ask before moving value; ``--yes`` skips; no terminal and no ``--yes`` refuses."""
    if yes:
        return
    if not sys.stdin.isatty():
        from contracts.errors import ConfigError

        raise ConfigError(f"{question} — refusing without a terminal; pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    print(json.dumps(data, indent=2, default=str))
