"""`nashnet devnet up|down|status|report`: a local network of anvil and node processes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import common as c

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer(help="A local development network: anvil, the contracts and node processes.",
                  no_args_is_help=True)

FolderOpt = typer.Option(None, "--folder", help="Where the devnet keeps its state (default $NASHNET_HOME/devnet).")
PlotOpt = typer.Option(None, "--plot", help="Also draw the run's charts (PNG) into this folder.")
_KINDS = ("react", "rewoo", "mcts", "neuro-symbolic", "training", "spiking")


def _folder(folder: Path | None) -> Path:
    from node.settings import nashnet_home

    return folder or nashnet_home() / "devnet"


def _progress_table(ids: list[int], kinds: dict[int, str], st: dict[int, str], t0: float) -> Table:
    from rich.table import Table

    cols = ["open", "allocated", "settled", "refunded", "expired", "cancelled"]
    table = Table("kind", *cols, title=f"tasks after {time.monotonic() - t0:.0f} s")
    for kind in dict.fromkeys(kinds.values()):
        counts = {k: 0 for k in cols}
        for t in ids:
            if kinds[t] == kind:
                counts[st[t]] = counts.get(st[t], 0) + 1
        table.add_row(kind, *(str(counts[k]) for k in cols))
    return table


@app.command("up")
def up_cmd(
    nodes: int = typer.Option(3, "--nodes", min=1, max=8, help="Node processes to start."),
    per_kind: int = typer.Option(1, "--samples", min=0, max=200, help="Sample tasks of each kind to submit."),
    kinds: str = typer.Option(",".join(_KINDS), "--kinds", help="Comma-separated kinds of the samples."),
    port: int | None = typer.Option(None, "--port", min=1, max=65_535, help="anvil port (default: a free one)."),
    detach: bool = typer.Option(False, "--detach", "--keep", help="Leave the devnet running; stop it with `down`."),
    timeout: float = typer.Option(900, "--timeout", min=1, help="Seconds to wait for the samples to settle."),
    challenge_window: int = typer.Option(5, "--challenge-window", min=2, help="Seconds to challenge a proposal."),
    commit_window: int = typer.Option(
        180, "--commit-window", min=2, help="Seconds to commit results (room for a language-model task)."
    ),
    reveal_window: int = typer.Option(15, "--reveal-window", min=2, help="Seconds to reveal results."),
    folder: Path | None = FolderOpt,
    plot: Path | None = PlotOpt,
    as_json: bool = c.JsonOpt,
) -> None:
    """Start anvil, deploy, start node processes, submit sample tasks and follow them to payment.

    Example: nashnet devnet up --nodes 3 --samples 2
    """
    from rich.live import Live

    from contracts.kinds import TaskKind
    from node.devnet import Devnet, devnet_params, expected_answer
    from node.devnet_report import save_report
    from node.samples import samples

    wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
    for k in wanted:
        TaskKind.parse(k)
    _check_plot_folder(plot)
    target = _folder(folder)

    def say(m: str) -> None:
        c.err.print(f"[dim]•[/dim] {m}")

    params = devnet_params(challenge=challenge_window, commit=commit_window, reveal=reveal_window)
    net = Devnet.up(target, nodes=nodes, port=port, params=params, say=say)
    try:
        c.err.print(f"devnet up: anvil {net.rpc_url}, manifest {net.manifest_path}, {nodes} nodes")
        items = samples(per_kind, kinds=tuple(TaskKind.parse(k).label for k in wanted)) if per_kind else []
        ids = net.submit(items) if items else []
        kind_of = {t: s.kind for t, s in zip(ids, items, strict=True)}
        summary: dict[str, Any] = {"rpc_url": net.rpc_url, "manifest": str(net.manifest_path),
                                   "folder": str(target), "nodes": [n.address for n in net.nodes],
                                   "node_names": {n.address: n.name for n in net.nodes},
                                   "governance": net.scenario, "problems": [], "passed": True}
        if ids:
            c.err.print(f"submitted {len(ids)} sample tasks: {ids[0]}..{ids[-1]}")
            t0 = time.monotonic()
            with Live(_progress_table(ids, kind_of, net.statuses(ids), t0), console=c.err,
                      refresh_per_second=2, transient=as_json) as live:
                net.wait(ids, timeout=timeout, progress=lambda st: live.update(_progress_table(ids, kind_of, st, t0)))
            summary["seconds"] = round(time.monotonic() - t0, 1)
            expected = {t: a for t, s in zip(ids, items, strict=True) if (a := expected_answer(s)) is not None}
            summary |= net.report(ids, expected)
        summary["problems"] += _run_problems(summary)
        summary["passed"] = bool(summary["passed"]) and not summary["problems"]
        save_report(target, summary)
        if not as_json:
            _print_summary(summary)
        print(json.dumps(summary))
        if plot is not None:
            _plot(summary, plot)
        _print_verdict(summary)
        if detach:
            c.err.print(f"devnet left running; stop it with: nashnet devnet down --folder {target}")
    finally:
        if not detach:
            net.down()
            c.err.print("devnet stopped")
    if not summary["passed"]:
        raise typer.Exit(1)


def _check_plot_folder(plot: Path | None) -> None:
    from node.plots import check_plot_folder

    check_plot_folder(plot)


def _plot(summary: dict[str, Any], folder: Path) -> None:
    from node.plots import plot_report

    for path in plot_report(summary, folder):
        c.err.print(f"wrote {path}")


@app.command("report")
def report_cmd(folder: Path | None = FolderOpt, plot: Path | None = PlotOpt, as_json: bool = c.JsonOpt) -> None:
    """Show the report of the last `devnet up` again, and draw its charts with --plot (exit 1 if it failed).

    Example: nashnet devnet report --plot charts/
    """
    from node.devnet_report import load_report

    _check_plot_folder(plot)
    summary = load_report(_folder(folder))
    if as_json:
        c.emit_json(summary)
    else:
        _print_summary(summary)
    if plot is not None:
        _plot(summary, plot)
    _print_verdict(summary)
    if not summary["passed"]:
        raise typer.Exit(1)


def _run_problems(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """What fails the run besides the tasks: the governance scenario, audits, token conservation."""
    out: list[dict[str, Any]] = []
    gov = summary.get("governance") or {}
    if not gov.get("passed"):
        p = gov.get("proposal", {})
        out.append({"reason": "governance", "line": f"governance scenario: proposal {p.get('state', 'not run')}"})
    if "conserved" in summary and not summary["conserved"]:
        out.append({"reason": "not-conserved", "line": f"tokens not conserved: {summary.get('market')}"})
    if "audits_verified" in summary and summary["audits_verified"] != summary["tasks"]:
        out.append({"reason": "audit", "line": f"audit heads verified for {summary['audits_verified']} of "
                                               f"{summary['tasks']} tasks"})
    return out


def _print_verdict(summary: dict[str, Any]) -> None:
    """The verdict on stderr: every problem on its own line (task, node, reason), then one last line."""
    problems = summary.get("problems") or []
    c.err.print()  # after the live table's last frame
    for p in problems:
        # One line each, however narrow the terminal, so that a log can be searched by task or node.
        c.err.print(f"[red]✗[/red] {p['line']}", highlight=False, soft_wrap=True)
    if summary["passed"]:
        c.err.print(f"devnet: passed — {summary.get('tasks', 0)} sample tasks settled, no node slashed",
                    soft_wrap=True)
    else:
        c.err.print(f"devnet: FAILED — {len(problems)} problem{'s' if len(problems) != 1 else ''} (see above)",
                    soft_wrap=True)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    from node.amounts import fmt_amount

    table = Table("kind", "settled", "refunded", "expired", "open", "allocated", title="sample tasks")
    for kind, counts in summary.get("by_kind", {}).items():
        table.add_row(kind, *(str(counts.get(k, 0)) for k in ("settled", "refunded", "expired", "open", "allocated")))
    c.out.print(table)
    names = summary.get("node_names") or {}
    outcomes = summary.get("outcomes") or []
    if outcomes:
        tasks = Table("task", "kind", "status", "answer", "expected", "revealed", "slashed", "refund",
                      title="tasks (answer: what the nodes agreed on; revealed: nodes that revealed / assigned)")
        for o in outcomes:
            answer = o.get("answer")
            text = "—" if answer is None else (answer if len(answer) <= 30 else answer[:27] + "...")
            expected = o.get("expected")
            check = "" if expected is None else f"{expected} {'✓' if o.get('answer_ok') else '✗'}"
            lost = ", ".join(f"{names.get(n, n[:10])} {fmt_amount(a)}" for n, a in o["slashed"].items()) or "—"
            refund = fmt_amount(o["refund"]) if o["status"] in ("refunded", "expired") else "—"
            tasks.add_row(str(o["id"]), o["kind"], o["status"], text, check,
                          f"{len(o['reveals'])}/{len(o['assigned'])}", lost, refund)
        c.out.print(tasks)
    slashed = summary.get("slashed") or {}
    if slashed:
        by_node = Table("node", "address", "tokens slashed", title="slashes")
        for node, amount in slashed.items():
            by_node.add_row(names.get(node, "?"), node, fmt_amount(amount))
        c.out.print(by_node)
    if "audits_verified" in summary:
        c.out.print(f"audit heads verified: {summary['audits_verified']} of {summary['tasks']}; "
                    f"tokens conserved: {summary['conserved']}")
    gov = summary.get("governance", {})
    if gov:
        p = gov.get("proposal", {})
        c.out.print(f"governance: {p.get('param')} {p.get('old')} → {p.get('new')} ({p.get('state')})")


@app.command("down")
def down_cmd(folder: Path | None = FolderOpt) -> None:
    """Stop every node process and anvil that `devnet up --detach` left running.

    Example: nashnet devnet down
    """
    from node.devnet import Devnet

    net = Devnet.load(_folder(folder))
    net.down()
    c.err.print(f"devnet in {_folder(folder)} stopped")


@app.command("status")
def status_cmd(folder: Path | None = FolderOpt, as_json: bool = c.JsonOpt) -> None:
    """Show the devnet's processes, chain and task counts.

    Example: nashnet devnet status --json
    """
    import urllib.request

    from rich.table import Table

    from contracts.errors import ConfigError
    from node.devnet import Devnet

    net = Devnet.load(_folder(folder))
    info: dict[str, Any] = {"rpc_url": net.rpc_url, "anvil_alive": net.running() and _anvil_up(net),
                            "manifest": str(net.manifest_path), "nodes": []}
    for n in net.nodes:
        row: dict[str, Any] = {"name": n.name, "address": n.address, "pid": n.pid, "alive": n.alive()}
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{n.port}/status", timeout=2) as r:
                row["status"] = json.loads(r.read())
        except OSError:
            row["status"] = None
        info["nodes"].append(row)
    if not info["anvil_alive"]:
        if as_json:
            c.emit_json(info)
            return
        raise ConfigError(f"the devnet's anvil at {net.rpc_url} is not running; clean up with `nashnet devnet down`")
    d = net.deployment()
    total = int(d.market.functions.nextTaskId().call()) - 1
    info["block"] = int(d.w3.eth.block_number)
    info["tasks"] = total
    info["round"] = int(d.market.functions.currentRound().call())
    if as_json:
        c.emit_json(info)
        return
    table = Table("node", "address", "pid", "alive", "round", "outcomes", title=f"devnet at {net.rpc_url}")
    for row in info["nodes"]:
        st = row["status"] or {}
        table.add_row(row["name"], row["address"], str(row["pid"]), str(row["alive"]), str(st.get("round", "-")),
                      str((st.get("store") or {}).get("outcomes", "-")))
    c.out.print(table)
    c.out.print(f"block {info['block']}, round {info['round']}, {total} tasks submitted")


def _anvil_up(net: Any) -> bool:
    import socket
    from urllib.parse import urlparse

    u = urlparse(net.rpc_url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 8545), timeout=1):
            return True
    except OSError:
        return False
