"""`nashnet node register|status|unstake|withdraw`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from . import common as c

app = typer.Typer(help="Register and manage a compute node.", no_args_is_help=True)


def _ctx(rpc_url: str | None, manifest: Path | None, account: str | None, dev: int | None) -> Any:
    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    acct = c.account_for(s, w3, account, dev)
    return s, d, c.sender_for(s, w3, acct)


@app.command("register")
def register_cmd(
    endpoint: str = typer.Option(..., "--endpoint", help="URL where this node serves traces."),
    capacity: int = typer.Option(4, "--capacity", min=0, max=10_000, help="Tasks per allocation round."),
    price: list[str] = typer.Option(..., "--price", help="KIND=PRICE in tokens; repeat per kind."),
    stake: str = typer.Option("0", "--stake", help="Tokens to stake now."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt, yes: bool = c.YesOpt,
) -> None:
    """Register this operator as a node, with prices per task kind, and stake.

    Example: nashnet node register --account op1 --endpoint http://127.0.0.1:9001 --price react=1 --stake 1000
    """
    from contracts.registry import register_node
    from node import identity
    from node.amounts import fmt_amount, parse_amount
    from node.operator import parse_prices

    prices = parse_prices(price)
    amount = parse_amount(stake, "--stake")
    s, d, sender = _ctx(rpc_url, manifest, account, dev)
    name = account or f"dev{dev}"
    key = identity.load_or_create(identity.identity_path(s.keystore_path, name), c.password())
    if amount:
        c.confirm(f"Stake {fmt_amount(amount)} tokens from {sender.address}?", yes)
    register_node(d, sender, signing_key=identity.public_bytes(key), endpoint=endpoint, capacity=capacity,
                  prices=prices, stake=amount)
    c.err.print(f"registered {sender.address}")


@app.command("stake")
def stake_cmd(
    amount: str = typer.Argument(..., help="Tokens to add to the stake."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt, yes: bool = c.YesOpt,
) -> None:
    """Add to this node's stake.

    Example: nashnet node stake 500 --account op1
    """
    from contracts.registry import add_stake
    from node.amounts import fmt_amount, parse_amount

    value = parse_amount(amount, "amount")
    _, d, sender = _ctx(rpc_url, manifest, account, dev)
    c.confirm(f"Stake {fmt_amount(value)} tokens from {sender.address}?", yes)
    add_stake(d, sender, value)
    c.err.print("staked")


@app.command("status")
def status_cmd(
    operator: str | None = typer.Argument(None, help="Operator address (default: every node)."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt, as_json: bool = c.JsonOpt,
) -> None:
    """Show registered nodes: stake, capacity, kinds and prices.

    Example: nashnet node status --json
    """
    from rich.table import Table

    from contracts.errors import ConfigError
    from contracts.kinds import TaskKind
    from contracts.registry import node_info
    from node.amounts import fmt_amount

    s = c.settings(rpc_url, manifest)
    d = c.deployment(s, c.web3_for(s))
    if operator is not None and not d.w3.is_address(operator):
        raise ConfigError(f"operator: {operator!r} is not an address")
    ops = [d.w3.to_checksum_address(operator)] if operator else list(d.registry.functions.operators().call())
    rows = [node_info(d, op) for op in ops]
    if as_json:
        c.emit_json(rows)
        return
    table = Table("operator", "active", "capacity", "stake", "unbonding", "prices")
    for r in rows:
        prices = ", ".join(f"{TaskKind(k).label if k in TaskKind._value2member_map_ else k}={fmt_amount(p)}"
                           for k, p in r["prices"].items())
        table.add_row(r["operator"], str(r["active"]), str(r["capacity"]), fmt_amount(r["stake"]),
                      fmt_amount(r["unbonding"]), prices)
    c.out.print(table)


@app.command("unstake")
def unstake_cmd(
    amount: str = typer.Argument(..., help="Tokens to start unbonding."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Start unbonding part of the stake; withdraw it after the unbonding delay.

    Example: nashnet node unstake 100 --account op1
    """
    from contracts.registry import node_info
    from node.amounts import fmt_amount, parse_amount

    value = parse_amount(amount, "amount")
    _, d, sender = _ctx(rpc_url, manifest, account, dev)
    sender.transact(d.registry.functions.requestUnstake(value))
    end = node_info(d, sender.address)["unbonding_end"]
    c.err.print(f"unbonding {fmt_amount(value)}; withdrawable at unix time {end}")


@app.command("withdraw")
def withdraw_cmd(
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Withdraw stake whose unbonding delay is over.

    Example: nashnet node withdraw --account op1
    """
    _, d, sender = _ctx(rpc_url, manifest, account, dev)
    sender.transact(d.registry.functions.withdraw())
    c.err.print("withdrawn")


@app.command("run")
def run_cmd(
    config: Path | None = typer.Option(None, "--config", help="Node settings (TOML); see docs/operators.md."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
    port: int | None = typer.Option(
        None, "--port", min=0, max=65_535, help="Trace server port (default from the config, else free)."
    ),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster address (default: embedded)."),
    state_dir: Path | None = typer.Option(None, "--state-dir", help="State folder (default $NASHNET_HOME/nodes/ADDR)."),
    yes: bool = c.YesOpt,
) -> None:
    """Run a compute node until SIGINT/SIGTERM: register if needed, play rounds, execute, commit, reveal, claim.

    Example: nashnet node run --config node.toml --account op1 --yes
    """
    import logging
    import signal
    import threading

    from node import identity
    from node.daemon.config import load_node_config

    cfg = load_node_config(config, account=account, dev=dev, port=port, ray_address=ray_address,
                           state_dir=state_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("ray").setLevel(logging.WARNING)
    s, d, sender = _ctx(rpc_url, manifest, cfg.account or None, cfg.dev)
    name = cfg.account or f"dev{cfg.dev}"
    key = identity.load_or_create(identity.identity_path(s.keystore_path, name), c.password())
    folder = cfg.state_dir or s.home / "nodes" / sender.address
    from node.daemon.node import NodeDaemon

    daemon = NodeDaemon(d, sender, key, cfg, folder)
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        c.err.print(f"signal {signum}: finishing the current step, then stopping")
        stop.set()

    try:
        daemon.start()
        # After start: starting Ray installs handlers of its own.
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        ensure_registered(d, sender, identity.public_bytes(key), daemon.endpoint, cfg, yes)
        daemon.approve_bonds()
        c.err.print(f"node {sender.address} running; traces at {daemon.endpoint}")
        daemon.run(stop)
    finally:
        daemon.close()
    c.err.print("stopped")


def ensure_registered(d: Any, sender: Any, signing_key: bytes, endpoint: str, cfg: Any, yes: bool) -> None:
    """Register ``sender`` from the config, or bring its registration in line with it (see :mod:`node.operator`)."""
    from node.operator import reconcile_registration

    changes = reconcile_registration(
        d, sender, signing_key=signing_key, endpoint=endpoint, capacity=cfg.capacity, prices=cfg.price_units(),
        stake=cfg.stake_units(), confirm=lambda question: c.confirm(question, yes),
    )
    for ch in changes:
        c.err.print(ch.line)
