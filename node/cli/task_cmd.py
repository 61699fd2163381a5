"""`nashnet task submit|status|result|audit|list`: the requester's side of the market."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import common as c

if TYPE_CHECKING:
    from contracts.kinds import TaskKind

app = typer.Typer(help="Submit tasks and follow them to settlement.", no_args_is_help=True)

#: Largest task input accepted: the spec travels in calldata and in an event, paid per byte.
MAX_INPUT_BYTES = 64 * 1024


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return v


def _kind_label(k: int) -> str:
    from contracts.kinds import TaskKind

    return TaskKind(k).label if k in TaskKind._value2member_map_ else str(k)


def validate_input(kind: TaskKind, raw: bytes) -> bytes:
    """Check ``raw`` against ``kind``'s input schema; returns the canonical spec bytes.

    Raises:
        ConfigError: oversized or malformed input (training/spiking: not valid for their spec).
        agents.TaskSpecError: a reasoning input whose field does not validate.
    """
    from contracts.errors import ConfigError
    from contracts.kinds import TaskKind

    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(f"input: {len(raw)} bytes is over the limit of {MAX_INPUT_BYTES} bytes")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"input: not valid JSON ({exc})") from None
    from node.daemon.outcome import TaskInputError, split_envelope

    try:
        inner, envelope = split_envelope(raw)
    except TaskInputError as exc:
        raise ConfigError(f"input: {exc}") from None
    if envelope:
        _check_reply_to(envelope)
        validate_input(kind, inner)
        return raw
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


def _check_reply_to(envelope: dict[str, Any]) -> None:
    from contracts.errors import ConfigError

    reply = envelope.get("reply_to")
    key = reply.get("x25519") if isinstance(reply, dict) else None
    if not isinstance(key, str) or len(key.removeprefix("0x")) != 64:
        raise ConfigError("input: reply_to.x25519 must be a 64-hex-digit X25519 public key")
    try:
        bytes.fromhex(key.removeprefix("0x"))
    except ValueError:
        raise ConfigError("input: reply_to.x25519 must be a 64-hex-digit X25519 public key") from None


def reply_key_path(s: Any, account: str) -> Path:
    """Where the X25519 key that private results are sealed to lives for ``account``."""
    return Path(s.keystore_path) / f"{account}.x25519.pem"


def _reply_key(s: Any, account: str, *, create: bool) -> Any:
    from node import privacy

    path = reply_key_path(s, account)
    password = c.password(f"Password for the reply key of {account}")
    if path.exists() or not create:
        return privacy.load_reply_key(path, password)
    key = privacy.new_reply_key()
    privacy.save_reply_key(key, path, password)
    c.err.print(f"created the reply key {path}")
    return key


def _with_reply_to(raw: bytes, public_hex: str) -> bytes:
    from contracts.errors import ConfigError

    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ConfigError("input: a private task's input must be a JSON object")
    doc["reply_to"] = {"x25519": public_hex}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


@app.command("submit")
def submit_cmd(
    kind: str = typer.Argument(..., help="Task kind: react, rewoo, mcts, neuro-symbolic, training, spiking."),
    input_file: Path | None = typer.Option(None, "--input", help="JSON file with the task input."),
    text: str | None = typer.Option(None, "--text", help="The task input as inline JSON."),
    reward: str = typer.Option(..., "--reward", help="Tokens escrowed for the task."),
    redundancy: int = typer.Option(0, "--redundancy", min=0, max=255, help="Nodes to run it (0: the default)."),
    min_redundancy: int = typer.Option(0, "--min-redundancy", min=0, max=255, help="Fewest nodes to start."),
    deadline: int = typer.Option(3600, "--deadline", min=1, help="Seconds from now until the task expires."),
    private: bool = typer.Option(
        False, "--private", help="Seal results and traces to your X25519 reply key (needs --account)."
    ),
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
    from contracts.errors import ConfigError
    from contracts.kinds import TaskKind
    from node.amounts import fmt_amount, parse_amount

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
    if private:
        if not account:
            raise ConfigError("--private needs --account: the reply key is kept beside that account's keystore")
        from node.privacy import reply_public_hex

        s0 = c.settings(rpc_url, manifest)
        spec = _with_reply_to(spec, reply_public_hex(_reply_key(s0, account, create=True)))
        if len(spec) > MAX_INPUT_BYTES:
            raise ConfigError(f"input: {len(spec)} bytes with the reply key is over the limit of {MAX_INPUT_BYTES}")
    value = parse_amount(reward, "--reward")
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
            f"--reward: {fmt_amount(value)} tokens is more than the balance {fmt_amount(balance)} of {acct.address}"
        )
    c.confirm(f"Escrow {fmt_amount(value)} tokens for a {k.label} task from {acct.address}?", yes)
    now = int(w3.eth.get_block("latest")["timestamp"])
    from consensus.clients.market_v2 import TaskInput

    sender = c.sender_for(s, w3, acct)
    sender.transact(d.token.functions.approve(d.market.address, value))
    [tid] = d.client().submit(sender, [TaskInput(spec, int(k), value, now + deadline, redundancy, min_redundancy)])
    if as_json:
        c.emit_json({"id": tid, "kind": k.label, "reward": value, "deadline": now + deadline})
    else:
        print(tid)
    c.err.print(f"submitted task {tid}")


def _read_ctx(rpc_url: str | None, manifest: Path | None) -> Any:
    s = c.settings(rpc_url, manifest)
    return c.deployment(s, c.web3_for(s))


def _no_such_task(d: Any, tid: int) -> Exception:
    from contracts.errors import ConfigError

    return ConfigError(f"task {tid}: no such task (ids run 1..{int(d.market.functions.nextTaskId().call()) - 1})")


def _history(d: Any, tid: int) -> Any:
    """The v2 history of ``tid``; a clear error for an unknown id."""
    from consensus.clients.history import UnknownTask, history

    try:
        return history(d.client(), tid)
    except UnknownTask:
        raise _no_such_task(d, tid) from None


def _task(d: Any, tid: int) -> dict[str, Any]:
    return _task_row(_history(d, tid))


def _task_row(h: Any) -> dict[str, Any]:
    r = h.record
    return {
        "id": h.id,
        "requester": r.requester,
        "status": h.status,
        "kind": _kind_label(r.kind),
        "redundancy": r.redundancy,
        "min_redundancy": r.min_redundancy,
        "round": h.round or 0,
        "reward": r.reward,
        "deadline": r.deadline,
        "nodes": list(h.nodes),
    }


def _steps(d: Any, tid: int) -> list[dict[str, Any]]:
    """The task's audit steps in order, each with its decoded fields and the head it recorded."""
    return _steps_of(_history(d, tid))


def _steps_of(h: Any) -> list[dict[str, Any]]:
    from contracts.codec import Transition, transition_data

    r = h.record
    submitted = {"step": "submitted", "requester": r.requester, "spec_hash": _plain(r.spec_hash), "kind": r.kind,
                 "reward": r.reward, "redundancy": r.redundancy, "min_redundancy": r.min_redundancy,
                 "deadline": r.deadline, "head": _plain(h.head0)}
    rest = [{"step": Transition(s.kind).name.lower(),
             **{k: _plain(v) for k, v in transition_data(s.kind, s.data).items()}, "head": _plain(s.head)}
            for s in h.steps]
    return [submitted, *rest]


def _reveals(d: Any, tid: int) -> list[dict[str, Any]]:
    """Every node's reveal for ``tid``: node, result hash and payload (hex)."""
    h = _history(d, tid)
    return [{"node": n, "result_hash": _plain(r.digest), "result": _plain(r.payload)} for n, r in h.reveals.items()]


def _outcome(d: Any, tid: int) -> dict[str, Any]:
    """How ``tid`` closed: winner (None when nobody was paid), per-winner share and fee, refund."""
    h = _history(d, tid)
    return {"winner": _plain(h.winner) if h.winner is not None else None, "share": h.price, "fee": h.fee,
            "refund": h.refund}


def _watch(d: Any, task_id: int, timeout: float) -> None:
    """Follow ``task_id`` until it is settled, refunded or expired, showing each state as it comes."""
    import time

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from contracts.errors import ConfigError

    order = ["open", "allocated", "settled"]
    deadline = time.monotonic() + timeout
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=c.err) as bar:
        job = bar.add_task(f"task {task_id}: …", total=len(order))
        while True:
            info = _task(d, task_id)
            steps = len(_steps(d, task_id))
            st = info["status"]
            done = order.index(st) + 1 if st in order else len(order)
            bar.update(job, completed=done, description=f"task {task_id}: {st} ({steps} audit steps)")
            if st in ("settled", "refunded", "expired", "cancelled"):
                return
            if time.monotonic() > deadline:
                raise ConfigError(f"task {task_id} still {st} after {timeout:g} s (--timeout)")
            time.sleep(1.0)


@app.command("status")
def status_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    watch: bool = typer.Option(False, "--watch", help="Follow the task until it is settled, refunded or expired."),
    timeout: float = typer.Option(900, "--timeout", help="Seconds --watch waits at most."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Show a task's state and the transitions it went through.

    Example: nashnet task status 7 --json
    """
    from node.amounts import fmt_amount

    d = _read_ctx(rpc_url, manifest)
    if watch:
        _watch(d, task_id, timeout)
    info = {**_task(d, task_id), "transitions": _steps(d, task_id)}
    if as_json:
        c.emit_json(info)
        return
    c.out.print(
        f"task {task_id}: {info['status']} · {info['kind']} · reward {fmt_amount(info['reward'])} · "
        f"redundancy {info['redundancy']} (min {info['min_redundancy']}) · deadline {info['deadline']}"
    )
    if info.get("nodes"):
        c.out.print(f"  round {info['round']}: {', '.join(info['nodes'])}")
    for st in info["transitions"]:
        c.out.print(f"  {st['step']}")


@app.command("cancel")
def cancel_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt,
    dev: int | None = c.DevOpt,
    yes: bool = c.YesOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Take back an open task you submitted; its reward is credited to you (`task claim`).

    Example: nashnet task cancel 7 --account alice
    """
    from contracts.errors import ConfigError
    from node.amounts import fmt_amount

    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    h = _history(d, task_id)
    acct = c.account_for(s, w3, account, dev)
    if h.record.requester != acct.address:
        raise ConfigError(f"task {task_id}: submitted by {h.record.requester}, not by {acct.address}")
    if h.status != "open":
        raise ConfigError(f"task {task_id} is {h.status}; only an open task can be cancelled")
    c.confirm(f"Cancel task {task_id} and get {fmt_amount(h.record.reward)} tokens credited back?", yes)
    d.client().cancel(c.sender_for(s, w3, acct), task_id)
    credit = int(d.market.functions.creditOf(acct.address).call())
    if as_json:
        c.emit_json({"id": task_id, "status": "cancelled", "refund": h.record.reward, "credit": credit})
    else:
        print(f"task {task_id}: cancelled; {fmt_amount(credit)} tokens to claim with `nashnet task claim`")


@app.command("claim")
def claim_cmd(
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    account: str | None = c.AccountOpt,
    dev: int | None = c.DevOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Pay out what the market credited to you: refunds (no majority, expired, cancelled) and payments.

    Example: nashnet task claim --account alice
    """
    from node.amounts import fmt_amount

    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    acct = c.account_for(s, w3, account, dev)
    credit = int(d.market.functions.creditOf(acct.address).call())
    if credit:
        c.sender_for(s, w3, acct).transact(d.market.functions.claim())
    if as_json:
        c.emit_json({"account": acct.address, "claimed": credit})
    elif credit:
        print(f"claimed {fmt_amount(credit)} tokens to {acct.address}")
    else:
        print(f"nothing to claim for {acct.address}")


@app.command("result")
def result_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    account: str | None = typer.Option(None, "--account", help="Open results sealed to this account's reply key."),
    as_json: bool = c.JsonOpt,
) -> None:
    """Show a settled task's winning result, every reveal, and who was paid.

    Example: nashnet task result 7 --json
    """
    from contracts.errors import ConfigError
    from node.amounts import fmt_amount

    d = _read_ctx(rpc_url, manifest)
    info = _task(d, task_id)
    if info["status"] not in ("settled", "refunded", "expired", "cancelled"):
        raise ConfigError(
            f"task {task_id} is not settled yet (status: {info['status']}); see `nashnet task status {task_id}`"
        )
    reveals = _reveals(d, task_id)
    key = _reply_key(c.settings(rpc_url, manifest), account, create=False) if account else None
    for r in reveals:
        r["payload"] = reveal_document(bytes.fromhex(r["result"][2:]), task_id, key)
    outcome = _outcome(d, task_id)
    winner = outcome["winner"]
    paid = [r["node"] for r in reveals if winner is not None and r["result_hash"] == winner]
    res = {
        "id": task_id,
        "status": info["status"],
        **outcome,
        "paid": paid,
        "reveals": reveals,
    }
    answers = [r["payload"].get("answer") for r in reveals if r["node"] in paid and r["payload"]]
    res["answer"] = answers[0] if answers else None
    if as_json:
        c.emit_json(res)
        return
    if winner is None:
        c.out.print(f"task {task_id}: {info['status']}; {fmt_amount(res['refund'])} tokens returned, nobody paid")
        return
    c.out.print(
        f"task {task_id}: settled · result {winner} · {len(paid)} paid "
        f"{fmt_amount(int(res['share']) - int(res['fee']))} each"
    )
    sealed = any(r["payload"].get("sealed") for r in reveals)
    if res["answer"] is not None:
        c.out.print(f"answer: {res['answer']}")
    elif sealed:
        c.out.print("answer: sealed to the requester's reply key; pass --account to open it")
    for node in paid:
        c.out.print(f"  {node}")


def reveal_document(raw: bytes, task_id: int, key: Any = None) -> dict[str, Any]:
    """What a node revealed for ``task_id``: its JSON payload, opened with ``key`` when sealed.

    Returns ``{"sealed": True}`` for a sealed payload without (the right) key, and
    ``{"raw": hex}`` for bytes that are neither.
    """
    try:
        doc = json.loads(raw)
        if isinstance(doc, dict):
            return doc
    except (ValueError, UnicodeDecodeError):
        pass
    from node.privacy import PrivacyError, open_sealed, task_context

    if key is None:
        return {"sealed": True}
    try:
        doc = json.loads(open_sealed(raw, key, context=task_context(task_id)))
    except PrivacyError as exc:
        return {"sealed": True, "error": str(exc)}
    return doc if isinstance(doc, dict) else {"raw": "0x" + raw.hex()}


@app.command("audit")
def audit_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    check_traces: bool = typer.Option(
        True, "--traces/--no-traces", help="Also fetch each revealed trace from its node and check it."
    ),
    account: str | None = typer.Option(None, "--account", help="Open payloads sealed to this account's reply key."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Rebuild a task's audit head from its events and check it against the chain (exit 1 on mismatch).

    Example: nashnet task audit 7
    """
    from consensus.clients.audit import verify_audit
    from consensus.clients.errors import AuditMismatch
    from contracts.errors import ConfigError

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
    key = _reply_key(c.settings(rpc_url, manifest), account, create=False) if account else None
    traces = _check_traces(d, task_id, key) if check_traces else []
    bad = [t for t in traces if t["ok"] is False]
    if as_json:
        c.emit_json(
            {"id": task_id, "ok": not bad, "steps": rep.steps, "head": _plain(rep.head), "traces": traces}
        )
    else:
        print(f"OK: task {task_id}, {rep.steps} steps, head 0x{rep.head.hex()}")
        for t in traces:
            verdict = {True: "OK", False: "FAILED: ", None: "not checked: "}[t["ok"]]
            print(f"  trace of {t['node']}: {verdict}{t['error']}")
    if bad:
        raise ConfigError(f"task {task_id}: {len(bad)} of {len(traces)} revealed traces failed their check")


def _check_traces(d: Any, task_id: int, key: Any = None) -> list[dict[str, Any]]:
    """Fetch every revealed trace from its node and check signature and hash."""
    from node.daemon.traces import TraceError, fetch_trace

    out = []
    for st in _reveals(d, task_id):
        doc = reveal_document(bytes.fromhex(st["result"][2:]), task_id, key)
        # ok: True (checked), False (the node's trace failed a check), None (nothing to check).
        row: dict[str, Any] = {"node": st["node"], "ok": None, "error": ""}
        trace, uri = str(doc.get("trace", "")), str(doc.get("uri") or "")
        if doc.get("sealed"):
            row["error"] = "sealed payload: pass --account with the requester's reply key to check its trace"
        elif not trace.startswith("sha256:") or "/trace/" not in uri:
            row["error"] = "the reveal names no trace"
        else:
            row["ok"] = False
            signing = bytes(d.registry.functions.getNode(st["node"]).call()[3])
            try:
                fetch_trace(uri.rsplit("/trace/", 1)[0], trace.split(":", 1)[1], signing)
                row["ok"] = True
            except TraceError as exc:
                row["error"] = str(exc)
        out.append(row)
    return out


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
    from rich.table import Table

    from node.amounts import fmt_amount

    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    me = c.account_for(s, w3, account, dev).address if mine else None
    from consensus.clients.history import histories

    ids = range(1, int(d.market.functions.nextTaskId().call()))
    rows = [_task_row(h) for h in histories(d.client(), ids).values()]
    if me is not None:
        rows = [r for r in rows if r["requester"] == me]
    if as_json:
        c.emit_json(rows)
        return
    table = Table("id", "kind", "status", "reward", "requester")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], fmt_amount(r["reward"]), r["requester"])
    c.out.print(table)
