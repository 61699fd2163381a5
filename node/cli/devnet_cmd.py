"""`nashnet devnet up`: a local anvil chain with the system deployed, nodes and governance."""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.table import Table

from contracts import connect
from contracts.anvil import Anvil
from node.identity import public_bytes
from node.keys import dev_account
from node.scenario import run_scenario

from . import common as c

app = typer.Typer(help="A local development network on anvil.", no_args_is_help=True)


@app.command("up")
def up_cmd(
    nodes: int = typer.Option(3, "--nodes", min=1, max=8, help="Number of nodes to register."),
    port: int | None = typer.Option(None, "--port", help="anvil port (default: a free one)."),
    keep: bool = typer.Option(False, "--keep", help="Keep anvil running until Ctrl-C."),
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Start anvil on 127.0.0.1, deploy, register nodes with stake and pass a governance proposal.

    Example: nashnet devnet up --nodes 3
    """
    s = c.settings(None, manifest)
    with Anvil.start(port) as chain:
        c.err.print(f"anvil on {chain.url} (chain id {chain.chain_id})")
        w3 = connect(chain.url)
        deployer = dev_account(0, chain.chain_id)
        ops = [(dev_account(i + 1, chain.chain_id), public_bytes(Ed25519PrivateKey.generate())) for i in range(nodes)]
        result = run_scenario(w3, deployer, ops, say=lambda m: c.err.print(f"[dim]•[/dim] {m}"))
        target = s.manifest_path if manifest else Path(tempfile.gettempdir()) / f"nashnet-devnet-{chain.port}.json"
        result.manifest.save(target)
        summary = result.summary() | {"rpc_url": chain.url, "manifest": str(target)}
        if not as_json:
            c.out.print(result.manifest.model_dump_json(indent=2))
            table = Table("node", "stake (NASH)", "active", title="registered nodes")
            for n in result.nodes:
                table.add_row(n["operator"], c.fmt_amount(n["stake"]), str(n["active"]))
            c.out.print(table)
            c.out.print(f"governance: {result.param} {result.old_value} → {result.new_value} "
                        f"(proposal {result.proposal_state}) — {'PASSED' if result.passed else 'FAILED'}")
        print(json.dumps(summary))
        if not result.passed:
            raise typer.Exit(1)
        if keep:
            c.err.print(f"devnet running at {chain.url}; manifest {target}; Ctrl-C to stop")
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
