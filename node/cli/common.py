"""What every command shares: settings, passwords, the chain, the deployment, output."""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from eth_account.signers.local import LocalAccount
from rich.console import Console
from web3 import Web3

from contracts import Deployment, ErrorDecoder, Manifest, Sender, compile_contracts, connect
from contracts.errors import ConfigError, KeystoreError
from node.keys import Keystore, dev_account
from node.settings import Settings, load_settings

#: Logs and progress go to stderr; stdout carries data only.
err = Console(stderr=True)
out = Console()

DECIMALS = 18

RpcOpt = typer.Option(None, "--rpc-url", help="JSON-RPC URL of the chain (falls back to ETH_RPC_URL).")
ManifestOpt = typer.Option(None, "--manifest", help="Deployment manifest (default: $NASHNET_HOME/manifest.json).")
AccountOpt = typer.Option(None, "--account", help="Keystore account name (password from NASHNET_PASSWORD or a prompt).")
DevOpt = typer.Option(None, "--dev", help="Use anvil's public dev account N (local chains only).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def settings(rpc_url: str | None = None, manifest: Any = None) -> Settings:
    """Settings with the given flags on top."""
    return load_settings(rpc_url=rpc_url, manifest=manifest)


def password(prompt: str = "Keystore password", *, confirm: bool = False) -> str:
    """The keystore password: ``NASHNET_PASSWORD`` or a hidden prompt on a terminal."""
    env = os.environ.get("NASHNET_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise KeystoreError("no password: set NASHNET_PASSWORD (stdin is not a terminal, so no prompt)")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def web3_for(s: Settings) -> Web3:
    """A connection to ``s.rpc_url``."""
    if not s.rpc_url:
        raise ConfigError("no chain given: pass --rpc-url URL or set ETH_RPC_URL")
    return connect(s.rpc_url, timeout=s.rpc_timeout)


def account_for(s: Settings, w3: Web3, account: str | None, dev: int | None) -> LocalAccount:
    """The signing account from ``--account`` or ``--dev``."""
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
    manifest = Manifest.load(s.manifest_path)
    return Deployment.attach(w3, manifest, compile_contracts())


def sender_for(s: Settings, w3: Web3, acct: LocalAccount) -> Sender:
    """A transaction sender for ``acct`` decoding the project's custom errors."""
    artifacts = compile_contracts()
    return Sender(w3, acct, ErrorDecoder.from_artifacts(artifacts.contracts.values()), timeout=s.tx_timeout)


def parse_amount(text: str, field: str = "amount") -> int:
    """Token amount in whole tokens (``"12.5"``) → base units; ``"123wei"`` is taken as base units."""
    t = text.strip().lower().replace("_", "")
    try:
        if t.endswith("wei"):
            value = int(t[:-3])
        else:
            d = Decimal(t) * (Decimal(10) ** DECIMALS)
            if d != d.to_integral_value():
                raise ConfigError(f"{field}: {text!r} has more than {DECIMALS} decimals")
            value = int(d)
    except (InvalidOperation, ValueError):
        raise ConfigError(f"{field}: {text!r} is not a number of tokens (e.g. 1000 or 0.5 or 123wei)") from None
    if value < 0:
        raise ConfigError(f"{field}: {text!r} is negative")
    return value


def fmt_amount(value: int) -> str:
    """Base units → a token amount for people."""
    whole, frac = divmod(int(value), 10**DECIMALS)
    if frac == 0:
        return f"{whole:,}"
    return f"{whole:,}.{str(frac).rjust(DECIMALS, '0').rstrip('0')}"


def confirm(question: str, yes: bool) -> None:
    """Ask before moving value; ``--yes`` skips; no terminal and no ``--yes`` refuses."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError(f"{question} — refusing without a terminal; pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    print(json.dumps(data, indent=2, default=str))
