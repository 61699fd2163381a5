"""`nashnet contracts compile|deploy|info`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import common as c

if TYPE_CHECKING:
    from contracts import DeployConfig, Manifest

app = typer.Typer(help="Compile, deploy and inspect the nashnet contracts.", no_args_is_help=True)


@app.command("compile")
def compile_cmd(force: bool = typer.Option(False, "--force", help="Ignore the artifact cache."),
                as_json: bool = c.JsonOpt) -> None:
    """Compile the Solidity sources (cached by content).

    Example: nashnet contracts compile --json
    """
    from rich.table import Table

    from contracts import compile_contracts, find_solc
    from contracts.compiler import default_cache_dir

    t0 = time.perf_counter()
    artifacts = compile_contracts(force=force)
    seconds = time.perf_counter() - t0
    rows = {
        name: {"abi_hash": a.abi_hash, "runtime_bytes": (len(a.deployed_bytecode) - 2) // 2}
        for name, a in sorted(artifacts.contracts.items())
    }
    if as_json:
        c.emit_json({"compiler": artifacts.compiler, "seconds": round(seconds, 3), "contracts": rows,
                     "cache": str(default_cache_dir())})
        return
    table = Table("contract", "runtime bytes", "ABI hash")
    for name, row in rows.items():
        table.add_row(name, str(row["runtime_bytes"]), str(row["abi_hash"])[:18] + "…")
    c.out.print(table)
    solc = find_solc()
    c.err.print(f"compiler {artifacts.compiler} ({'native' if solc.native else 'npm wasm via shim'}), {seconds:.2f} s")


@app.command("deploy")
def deploy_cmd(
    rpc_url: str | None = c.RpcOpt,
    account: str | None = c.AccountOpt,
    dev: int | None = c.DevOpt,
    manifest: Path | None = c.ManifestOpt,
    config: Path | None = typer.Option(None, "--config", help="TOML file with DeployConfig fields."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing manifest for another deployment."),
    yes: bool = c.YesOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Deploy and wire every contract, then write the manifest.

    Example: nashnet contracts deploy --rpc-url http://127.0.0.1:8545 --account deployer
    """
    from contracts import compile_contracts, deploy
    from contracts.errors import ConfigError

    s = c.settings(rpc_url, manifest)
    cfg = _load_config(config)
    w3 = c.web3_for(s)
    acct = c.account_for(s, w3, account, dev)
    target = s.manifest_path
    if target.exists() and not force:
        raise ConfigError(f"a manifest already exists at {target}; pass --manifest elsewhere or --force")
    c.confirm(f"Deploy nashnet to chain {w3.eth.chain_id} from {acct.address}?", yes)
    artifacts = compile_contracts()
    sender = c.sender_for(s, w3, acct)
    result = deploy(w3, sender, artifacts, cfg, progress=lambda m: c.err.print(f"[dim]{m}[/dim]"))
    result.save(target)
    if as_json:
        c.emit_json(result.model_dump())
    else:
        _print_manifest(result)
        c.err.print(f"manifest written to {target}")


@app.command("info")
def info_cmd(rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
             as_json: bool = c.JsonOpt) -> None:
    """Show the deployment in the manifest, checked against the chain, with live parameters.

    Example: nashnet contracts info --rpc-url http://127.0.0.1:8545 --json
    """
    from rich.table import Table

    from node.amounts import fmt_amount

    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    from contracts.governance import ParamKey

    params = {k.name.lower(): int(d.params.functions.get(int(k)).call()) for k in ParamKey}
    data: dict[str, Any] = {
        "chain_id": d.manifest.chain_id,
        "block": int(w3.eth.block_number),
        "contracts": {k: v.address for k, v in d.manifest.contracts.items()},
        "params": params,
        "nodes": int(d.registry.functions.operatorCount().call()),
        "total_staked": int(d.registry.functions.totalStaked().call()),
    }
    if as_json:
        c.emit_json(data)
        return
    _print_manifest(d.manifest)
    table = Table("parameter", "value")
    for k, v in params.items():
        table.add_row(k, str(v))
    c.out.print(table)
    c.out.print(f"nodes registered: {data['nodes']}, total staked: {fmt_amount(data['total_staked'])}")


def _print_manifest(m: Manifest) -> None:
    from rich.table import Table

    table = Table("contract", "address", "block", title=f"nashnet on chain {m.chain_id}")
    for key, entry in m.contracts.items():
        table.add_row(f"{key} ({entry.name})", entry.address, str(entry.block))
    c.out.print(table)


def _load_config(path: Path | None) -> DeployConfig:
    from contracts import DeployConfig
    from contracts.errors import ConfigError

    if path is None:
        return DeployConfig()
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"--config: no file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: not valid TOML: {exc}") from None
    try:
        return DeployConfig.model_validate(data)
    except Exception as exc:
        raise ConfigError(f"--config {path}: {exc}") from None
