"""`nashnet task submit|status|result|audit|list`: the requester's side of the market."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from eth_abi import decode
from eth_utils import to_checksum_address
from rich.table import Table

from consensus.clients.audit import verify_audit
from consensus.clients.errors import AuditMismatch
from contracts.errors import ConfigError
from contracts.kinds import TaskKind
from contracts.market import TaskStatus, Transition, submit_task, transitions

from . import common as c

app = typer.Typer(help="Submit tasks and follow them to settlement.", no_args_is_help=True)

#: Largest task input accepted: the spec travels in calldata and in an event, paid per byte.
MAX_INPUT_BYTES = 64 * 1024

# ABI layout of each transition's data, as the market encodes it.
_LAYOUT: dict[int, tuple[list[str], list[str]]] = {
    Transition.SUBMITTED: (
        ["address", "bytes32", "uint8", "uint256", "uint256", "uint256", "uint64"],
        ["requester", "spec_hash", "kind", "reward", "redundancy", "min_redundancy", "deadline"],
    ),
    Transition.ALLOCATED: (["uint256"] * 4, ["round", "nodes", "commit_deadline", "reveal_deadline"]),
    Transition.REVEALED: (["address", "bytes32", "bytes"], ["node", "result_hash", "result"]),
    Transition.SETTLED: (
        ["bytes32", "uint256", "uint256", "uint256", "uint256"],
        ["winner", "winners", "share", "fee", "refund"],
    ),
    Transition.REFUNDED: (["uint256"], ["amount"]),
    Transition.EXPIRED: (["uint256"], ["amount"]),
}


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return v


def _decode(kind: int, data: bytes) -> dict[str, Any]:
    types, names = _LAYOUT[kind]
    values = decode(types, data)
    return {
        n: to_checksum_address(v) if t == "address" else _plain(v) for t, n, v in zip(types, names, values, strict=True)
    }


def _kind_label(k: int) -> str:
    return TaskKind(k).label if k in TaskKind._value2member_map_ else str(k)


def validate_input(kind: TaskKind, raw: bytes) -> bytes:
    """Check ``raw`` against ``kind``'s input schema; returns the canonical spec bytes.

    Raises:
        ConfigError: oversized or malformed input (training/spiking: not valid for their spec).
        agents.TaskSpecError: a reasoning input whose field does not validate.
    """
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(f"input: {len(raw)} bytes is over the limit of {MAX_INPUT_BYTES} bytes")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"input: not valid JSON ({exc})") from None
    if kind in (TaskKind.TRAINING, TaskKind.SPIKING):
        from pydantic import ValidationError

        if kind is TaskKind.TRAINING:
            from node.training import TrainingJobSpec as model
        else:
            from node.spiking import SpikingTaskSpec as model  # type: ignore[assignment]
        try:
            model.model_validate_json(raw)
        except ValidationError as exc:
            e = exc.errors()[0]
            field = ".".join(str(p) for p in e["loc"]) or "(input)"
            raise ConfigError(f"{kind.label} input: field {field!r}: {e['msg']}") from None
        return raw
    from agents import parse_spec

    parse_spec(kind.label, raw)
    return raw


@app.command("submit")
def submit_cmd(
    kind: str = typer.Argument(..., help="Task kind: react, rewoo, mcts, neuro-symbolic, training, spiking."),
    input_file: Path | None = typer.Option(None, "--input", help="JSON file with the task input."),
    text: str | None = typer.Option(None, "--text", help="The task input as inline JSON."),
    reward: str = typer.Option(..., "--reward", help="Tokens escrowed for the task."),
    redundancy: int = typer.Option(0, "--redundancy", min=0, max=255, help="Nodes to run it (0: the default)."),
    min_redundancy: int = typer.Option(0, "--min-redundancy", min=0, max=255, help="Fewest nodes to start."),
    deadline: int = typer.Option(3600, "--deadline", help="Seconds from now until the task expires."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt,
    dev: int | None = c.DevOpt,
    yes: bool = c.YesOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Validate a task input, escrow its reward and submit it; prints the task id.

    Example: nashnet task submit mcts --text '{"problem": "game24", "numbers": [4, 7, 8, 8]}' --reward 5 --account me
    """
    k = TaskKind.parse(kind)
    if (input_file is None) == (text is None):
        raise ConfigError("give the task input with exactly one of --input FILE or --text JSON")
    if input_file is not None:
        if not input_file.is_file():
            raise ConfigError(f"--input: {str(input_file)!r} is not a file")
        if input_file.stat().st_size > MAX_INPUT_BYTES:
            raise ConfigError(f"input: {input_file.stat().st_size} bytes is over the limit of {MAX_INPUT_BYTES} bytes")
        raw = input_file.read_bytes()
    else:
        raw = str(text).encode()
    spec = validate_input(k, raw)
    value = c.parse_amount(reward, "--reward")
    if value == 0:
        raise ConfigError("--reward: must be more than 0 tokens")
    if min_redundancy and redundancy and min_redundancy > redundancy:
        raise ConfigError(f"--min-redundancy {min_redundancy} is more than --redundancy {redundancy}")
    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    p = d.params.functions
    shortest = int(p.challengeWindow().call()) + int(p.commitWindow().call()) + int(p.revealWindow().call())
    if deadline < shortest:
        raise ConfigError(
            f"--deadline: {deadline} s is too short; a round needs at least {shortest} s "
            "(challenge + commit + reveal windows)"
        )
    acct = c.account_for(s, w3, account, dev)
    balance = int(d.token.functions.balanceOf(acct.address).call())
    if balance < value:
        raise ConfigError(
            f"--reward: {c.fmt_amount(value)} tokens is more than the balance {c.fmt_amount(balance)} of {acct.address}"
        )
    c.confirm(f"Escrow {c.fmt_amount(value)} tokens for a {k.label} task from {acct.address}?", yes)
    now = int(w3.eth.get_block("latest")["timestamp"])
    tid = submit_task(
        d,
        c.sender_for(s, w3, acct),
        spec=spec,
        kind=int(k),
        reward=value,
        deadline=now + deadline,
        redundancy=redundancy,
        min_redundancy=min_redundancy,
    )
    if as_json:
        c.emit_json({"id": tid, "kind": k.label, "reward": value, "deadline": now + deadline})
    else:
        print(tid)
    c.err.print(f"submitted task {tid}")


def _read_ctx(rpc_url: str | None, manifest: Path | None) -> Any:
    s = c.settings(rpc_url, manifest)
    return c.deployment(s, c.web3_for(s))


def _task(d: Any, tid: int) -> dict[str, Any]:
    t = d.market.functions.getTask(tid).call()
    if TaskStatus(int(t[1])) is TaskStatus.NONE:
        raise ConfigError(f"task {tid}: no such task (ids run 1..{int(d.market.functions.nextTaskId().call()) - 1})")
    return {
        "id": tid,
        "requester": t[0],
        "status": TaskStatus(int(t[1])).name.lower(),
        "kind": _kind_label(t[2]),
        "redundancy": int(t[3]),
        "min_redundancy": int(t[4]),
        "round": int(t[7]),
        "reward": int(t[8]),
        "deadline": int(t[9]),
    }


def _steps(d: Any, tid: int) -> list[dict[str, Any]]:
    return [
        {"step": Transition(k).name.lower(), **_decode(k, data), "head": _plain(head)}
        for k, data, head in transitions(d, tid)
    ]


@app.command("status")
def status_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Show a task's state and the transitions it went through.

    Example: nashnet task status 7 --json
    """
    d = _read_ctx(rpc_url, manifest)
    info = {**_task(d, task_id), "transitions": _steps(d, task_id)}
    if as_json:
        c.emit_json(info)
        return
    c.out.print(
        f"task {task_id}: {info['status']} · {info['kind']} · reward {c.fmt_amount(info['reward'])} · "
        f"redundancy {info['redundancy']} (min {info['min_redundancy']}) · deadline {info['deadline']}"
    )
    for st in info["transitions"]:
        c.out.print(f"  {st['step']}")


@app.command("result")
def result_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Show a settled task's winning result, every reveal, and who was paid.

    Example: nashnet task result 7 --json
    """
    d = _read_ctx(rpc_url, manifest)
    info = _task(d, task_id)
    if info["status"] not in ("settled", "refunded", "expired"):
        raise ConfigError(
            f"task {task_id} is not settled yet (status: {info['status']}); see `nashnet task status {task_id}`"
        )
    steps = _steps(d, task_id)
    reveals = [s for s in steps if s["step"] == "revealed"]
    final = steps[-1]
    winner = final.get("winner")
    paid = [r["node"] for r in reveals if r["result_hash"] == winner]
    res = {
        "id": task_id,
        "status": info["status"],
        "winner": winner,
        "share": final.get("share"),
        "fee": final.get("fee"),
        "refund": final.get("refund", final.get("amount")),
        "paid": paid,
        "reveals": [{k: r[k] for k in ("node", "result_hash", "result")} for r in reveals],
    }
    if as_json:
        c.emit_json(res)
        return
    if winner is None:
        c.out.print(f"task {task_id}: {info['status']}; {c.fmt_amount(res['refund'])} tokens returned, nobody paid")
        return
    c.out.print(
        f"task {task_id}: settled · result {winner} · {len(paid)} paid "
        f"{c.fmt_amount(int(res['share']) - int(res['fee']))} each"
    )
    for node in paid:
        c.out.print(f"  {node}")


@app.command("audit")
def audit_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Rebuild a task's audit head from its events and check it against the chain (exit 1 on mismatch).

    Example: nashnet task audit 7
    """
    d = _read_ctx(rpc_url, manifest)
    _task(d, task_id)
    try:
        rep = verify_audit(d, task_id)
    except AuditMismatch as exc:
        if as_json:
            c.emit_json(
                {
                    "id": task_id,
                    "ok": False,
                    "step": exc.step,
                    "expected": _plain(exc.expected),
                    "actual": _plain(exc.actual),
                }
            )
        # The error itself goes to stderr with exit code 1, like every other refusal.
        raise
    if as_json:
        c.emit_json({"id": task_id, "ok": True, "steps": rep.steps, "head": _plain(rep.head)})
    else:
        print(f"OK: task {task_id}, {rep.steps} steps, head 0x{rep.head.hex()}")


@app.command("list")
def list_cmd(
    mine: bool = typer.Option(False, "--mine", help="Only tasks submitted by --account/--dev."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt,
    dev: int | None = c.DevOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """List tasks with their kind, status and reward.

    Example: nashnet task list --mine --dev 2 --json
    """
    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    me = c.account_for(s, w3, account, dev).address if mine else None
    rows = [_task(d, tid) for tid in range(1, int(d.market.functions.nextTaskId().call()))]
    if me is not None:
        rows = [r for r in rows if r["requester"] == me]
    if as_json:
        c.emit_json(rows)
        return
    table = Table("id", "kind", "status", "reward", "requester")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], c.fmt_amount(r["reward"]), r["requester"])
    c.out.print(table)
