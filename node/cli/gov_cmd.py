"""`nashnet gov propose|vote|queue|execute|list`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from . import common as c


class Vote(StrEnum):
    """How a vote is cast (the Governor's ``Support``, by name)."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


app = typer.Typer(help="Token-holder governance of protocol parameters.", no_args_is_help=True)


def _ctx(rpc_url: str | None, manifest: Path | None, account: str | None, dev: int | None) -> Any:
    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    sender = c.sender_for(s, w3, c.account_for(s, w3, account, dev))
    return d, sender


def _find(d: Any, proposal_id: int) -> dict[str, Any]:
    from contracts import governance as g
    from contracts.errors import ConfigError

    for p in g.proposals(d):
        if p["id"] == proposal_id:
            return p
    raise ConfigError(f"no proposal with id {proposal_id} on this deployment (see `nashnet gov list`)")


def _parse_id(text: str) -> int:
    """A proposal id in decimal or ``0x`` hex; anything else is a usage error."""
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if value < 0:
        raise typer.BadParameter(f"{text!r} is not a proposal id (a number, decimal or 0x hex)",
                                 param_hint="'PROPOSAL_ID'")
    return value


@app.command("propose")
def propose_cmd(
    param: str = typer.Argument(..., help="Parameter name, e.g. slash_bps."),
    value: int = typer.Argument(..., help="New value (base units / seconds / basis points)."),
    description: str | None = typer.Option(None, "--description", help="Proposal text."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt, as_json: bool = c.JsonOpt,
) -> None:
    """Propose changing one protocol parameter.

    Example: nashnet gov propose slash_bps 2000 --account alice
    """
    from contracts import governance as g

    d, sender = _ctx(rpc_url, manifest, account, dev)
    proposal = g.param_change(d, g.ParamKey.parse(param), value, description)
    pid = g.propose(d, sender, proposal)
    if as_json:
        c.emit_json({"id": str(pid), "description": proposal.description})
    else:
        c.out.print(str(pid))
        c.err.print(f"proposed: {proposal.description}")


@app.command("vote")
def vote_cmd(
    proposal_id: str = typer.Argument(..., help="Proposal id."),
    support: Vote = typer.Argument(..., help="for | against | abstain", case_sensitive=False),
    reason: str = typer.Option("", "--reason"),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Vote on a proposal with the account's delegated votes.

    Example: nashnet gov vote 1234… for --account alice
    """
    from contracts import governance as g

    pid = _parse_id(proposal_id)
    d, sender = _ctx(rpc_url, manifest, account, dev)
    g.vote(d, sender, pid, g.Support.parse(support.value), reason)
    c.err.print("vote cast")


@app.command("queue")
def queue_cmd(
    proposal_id: str = typer.Argument(..., help="Proposal id."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Queue a succeeded proposal in the timelock.

    Example: nashnet gov queue 1234… --account alice
    """
    from contracts import governance as g

    pid = _parse_id(proposal_id)
    d, sender = _ctx(rpc_url, manifest, account, dev)
    g.queue(d, sender, g.proposal_from_event(_find(d, pid)))
    c.err.print("queued")


@app.command("execute")
def execute_cmd(
    proposal_id: str = typer.Argument(..., help="Proposal id."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Execute a queued proposal after the timelock delay.

    Example: nashnet gov execute 1234… --account alice
    """
    from contracts import governance as g

    pid = _parse_id(proposal_id)
    d, sender = _ctx(rpc_url, manifest, account, dev)
    g.execute(d, sender, g.proposal_from_event(_find(d, pid)))
    c.err.print("executed")


@app.command("delegate")
def delegate_cmd(
    to: str | None = typer.Argument(None, help="Delegate address (default: yourself)."),
    rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt, dev: int | None = c.DevOpt,
) -> None:
    """Delegate your token votes (to yourself by default); votes count only once delegated.

    Example: nashnet gov delegate --account alice
    """
    from contracts.errors import ConfigError

    d, sender = _ctx(rpc_url, manifest, account, dev)
    target = to or sender.address
    if not d.w3.is_address(target):
        raise ConfigError(f"delegate: {target!r} is not an address")
    sender.transact(d.token.functions.delegate(d.w3.to_checksum_address(target)))
    c.err.print(f"votes delegated to {target}")


@app.command("list")
def list_cmd(rpc_url: str | None = c.RpcOpt, manifest: Path | None = c.ManifestOpt,
             as_json: bool = c.JsonOpt) -> None:
    """List proposals and their states.

    Example: nashnet gov list --json
    """
    from rich.table import Table

    from contracts import governance as g

    s = c.settings(rpc_url, manifest)
    d = c.deployment(s, c.web3_for(s))
    rows = g.proposals(d)
    if as_json:
        c.emit_json([{**r, "id": str(r["id"])} for r in rows])
        return
    table = Table("id", "state", "description", "votes end (block)")
    for r in rows:
        table.add_row(str(r["id"]), r["state"], r["description"], str(r["vote_end"]))
    c.out.print(table)
