"""`nashnet task submit|status|result|audit|plot|list|cancel|claim`: the requester's side of the market.

Each command parses its options, calls :mod:`node.requester` and prints; the checks and the
reading of a task's history live there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from . import common as c

app = typer.Typer(help="Submit tasks and follow them to settlement.", no_args_is_help=True)

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


def _requester(rpc_url: str | None, manifest: Path | None, account: str | None = None,
               dev: int | None = None) -> Any:
    """A :class:`node.requester.Requester` on the configured deployment; with the account when given."""
    from node.requester import Requester

    s = c.settings(rpc_url, manifest)
    w3 = c.web3_for(s)
    d = c.deployment(s, w3)
    sender = None
    if account is not None or dev is not None:
        sender = c.sender_for(s, w3, c.account_for(s, w3, account, dev))
    return Requester(d, sender)


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
    from node.requester import MAX_INPUT_BYTES, check_terms, validate_input, with_reply_to

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

        spec = with_reply_to(spec, reply_public_hex(_reply_key(c.settings(rpc_url, manifest), account, create=True)))
    value = parse_amount(reward, "--reward")
    check_terms(reward=value, redundancy=redundancy, min_redundancy=min_redundancy)
    r = _requester(rpc_url, manifest, account, dev)
    r.check_submission(reward=value, deadline_s=deadline, redundancy=redundancy, min_redundancy=min_redundancy)
    c.confirm(f"Escrow {fmt_amount(value)} tokens for a {k.label} task from {r.sender.address}?", yes)
    tid, due = r.submit(k, spec, reward=value, deadline_s=deadline, redundancy=redundancy,
                        min_redundancy=min_redundancy)
    if as_json:
        c.emit_json({"id": tid, "kind": k.label, "reward": value, "deadline": due})
    else:
        print(tid)
    c.err.print(f"submitted task {tid}")


def _watch(r: Any, task_id: int, timeout: float) -> None:
    """Follow ``task_id`` until it is settled, refunded or expired, showing each state as it comes."""
    import time

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from contracts.errors import ConfigError

    order = ["open", "allocated", "settled"]
    deadline = time.monotonic() + timeout
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=c.err) as bar:
        job = bar.add_task(f"task {task_id}: …", total=len(order))
        while True:
            h = r.history(task_id)
            steps = 1 + len(h.steps)
            st = h.status
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
    from node.requester import steps, task_row

    r = _requester(rpc_url, manifest)
    if watch:
        _watch(r, task_id, timeout)
    h = r.history(task_id)
    info = {**task_row(h), "transitions": steps(h)}
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
    from node.amounts import fmt_amount

    r = _requester(rpc_url, manifest, account, dev)
    h = r.history(task_id)
    c.confirm(f"Cancel task {task_id} and get {fmt_amount(h.record.reward)} tokens credited back?", yes)
    refund = r.cancel(task_id)
    credit = r.credit()
    if as_json:
        c.emit_json({"id": task_id, "status": "cancelled", "refund": refund, "credit": credit})
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

    r = _requester(rpc_url, manifest, account, dev)
    credit = r.claim()
    me = r.sender.address
    if as_json:
        c.emit_json({"account": me, "claimed": credit})
    elif credit:
        print(f"claimed {fmt_amount(credit)} tokens to {me}")
    else:
        print(f"nothing to claim for {me}")


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
    from node.amounts import fmt_amount
    from node.requester import result

    r = _requester(rpc_url, manifest)
    h = r.history(task_id)
    key = None
    if account and h.final:
        key = _reply_key(c.settings(rpc_url, manifest), account, create=False)
    res = result(h, key)
    winner, paid, reveals = res["winner"], res["paid"], res["reveals"]
    if as_json:
        c.emit_json(res)
        return
    if winner is None:
        c.out.print(f"task {task_id}: {res['status']}; {fmt_amount(res['refund'])} tokens returned, nobody paid")
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


@app.command("audit")
def audit_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    with_traces: bool = typer.Option(
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
    from consensus.clients.audit import verify_history
    from consensus.clients.errors import AuditMismatch
    from contracts.errors import ConfigError
    from node.requester import check_traces

    r = _requester(rpc_url, manifest)
    h = r.history(task_id)
    try:
        rep = verify_history(r.m, h)
    except AuditMismatch as exc:
        if as_json:
            c.emit_json(
                {
                    "id": task_id,
                    "ok": False,
                    "step": exc.step,
                    "expected": "0x" + exc.expected.hex(),
                    "actual": "0x" + exc.actual.hex(),
                }
            )
        # The error itself goes to stderr with exit code 1, like every other refusal.
        raise
    key = _reply_key(c.settings(rpc_url, manifest), account, create=False) if account else None
    traces = check_traces(r.d, h, key) if with_traces else []
    bad = [t for t in traces if t["ok"] is False]
    if as_json:
        c.emit_json(
            {"id": task_id, "ok": not bad, "steps": rep.steps, "head": "0x" + rep.head.hex(), "traces": traces}
        )
    else:
        print(f"OK: task {task_id}, {rep.steps} steps, head 0x{rep.head.hex()}")
        for t in traces:
            verdict = {True: "OK", False: "FAILED: ", None: "not checked: "}[t["ok"]]
            print(f"  trace of {t['node']}: {verdict}{t['error']}")
    if bad:
        raise ConfigError(f"task {task_id}: {len(bad)} of {len(traces)} revealed traces failed their check")


@app.command("plot")
def plot_cmd(
    task_id: int = typer.Argument(..., help="Task id."),
    output: Path = typer.Option(..., "-o", "--output", help="The PNG file to write."),
    account: str | None = typer.Option(None, "--account", help="Open results sealed to this account's reply key."),
    rpc_url: str | None = c.RpcOpt,
    manifest: Path | None = c.ManifestOpt,
) -> None:
    """Draw a settled task's run: a training job's loss curve, a spiking run's raster and firing rate.

    The run record is fetched from a node paid for the task and checked against what it revealed.

    Example: nashnet task plot 7 -o loss.png
    """
    from contracts.kinds import TaskKind
    from node.plots import check_plottable, plot_run
    from node.requester import winning_record

    r = _requester(rpc_url, manifest)
    h = r.history(task_id)
    kind = TaskKind(h.record.kind).label
    check_plottable(kind, output)
    key = _reply_key(c.settings(rpc_url, manifest), account, create=False) if account else None
    record = winning_record(r.d, h, key)
    print(plot_run(kind, record, output, title=f"task {task_id} ({kind})"))


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

    req = _requester(rpc_url, manifest, account, dev) if mine else _requester(rpc_url, manifest)
    me = req.sender.address if mine else None
    rows = req.rows()
    if me is not None:
        rows = [r for r in rows if r["requester"] == me]
    if as_json:
        c.emit_json(rows)
        return
    table = Table("id", "kind", "status", "reward", "requester")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], fmt_amount(r["reward"]), r["requester"])
    c.out.print(table)
