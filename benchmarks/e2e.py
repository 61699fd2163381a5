"""Tasks settled per second on a local devnet: 3 node processes, cheap neuro-symbolic lookups.

Starts anvil (a block a second) and the nodes with short protocol windows (challenge 3 s,
commit 5 s, reveal 3 s by default; the flags change them), submits the tasks (one transaction
by default), and times from the first submission to the last settlement. The time is split
into what the protocol's windows make everyone wait, the solver, and execution (summed over
the nodes' Ray workers).

    python benchmarks/e2e.py --tasks 200

The last line is one JSON object: ``{"tasks", "tasks_per_s", ...}``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path

from node.devnet import Devnet, devnet_params
from node.samples import samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=200)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--redundancy", type=int, default=0, help="0: the market default (3)")
    ap.add_argument("--challenge", type=int, default=3, help="challenge window, s")
    ap.add_argument("--commit", type=int, default=5, help="commit window, s")
    ap.add_argument("--reveal", type=int, default=3, help="reveal window, s")
    ap.add_argument("--batch", type=int, default=200, help="tasks per submitting transaction")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nashnet-e2e-"))
    params = devnet_params(challenge=args.challenge, commit=args.commit, reveal=args.reveal)
    t0 = time.monotonic()
    net = Devnet.up(folder, nodes=args.nodes, params=params, capacity=max(args.tasks, 16))
    print(f"devnet with {args.nodes} nodes up in {time.monotonic() - t0:.1f} s ({folder})")
    try:
        items = samples(args.tasks, kinds=("neuro-symbolic",), cheap=True)
        if args.redundancy:
            items = [type(s)(s.kind, s.spec, args.redundancy) for s in items]
        start = time.monotonic()
        ids = net.submit(items, batch=args.batch)
        submitted = time.monotonic() - start
        final = net.wait(ids, timeout=900, poll=0.1)
        elapsed = time.monotonic() - start
        settled = sum(1 for s in final.values() if s == "settled")
        statuses = dict(sorted(Counter(final.values()).items()))
        report = net.report(ids)
        d = net.deployment()
        rounds = int(d.market.functions.currentRound().call()) - 1
        exec_s, solve_ms = 0.0, 0
        for n in net.nodes:
            db = sqlite3.connect(str(folder / "state" / n.name / "state.db"))
            exec_s += float(db.execute("SELECT COALESCE(SUM(seconds), 0) FROM node_outcomes").fetchone()[0])
            db.close()
            try:
                import urllib.request

                with urllib.request.urlopen(f"http://127.0.0.1:{n.port}/status", timeout=3) as r:
                    solve_ms += int(json.loads(r.read())["sent"].get("solve_ms", 0))
            except OSError:
                pass
    finally:
        net.down()
    windows = params.challenge_window + params.commit_window + params.reveal_window
    print(f"{settled} of {args.tasks} settled in {elapsed:.1f} s ({submitted:.1f} s of it submitting) "
          f"over {rounds} round(s): {settled / elapsed:.2f} tasks/s")
    print("  final status: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
    print(f"  protocol windows: {windows} s per round (challenge {params.challenge_window}, "
          f"commit {params.commit_window}, reveal {params.reveal_window})")
    print(f"  outside the windows: {elapsed - windows:.1f} s — submitting, waiting for blocks (1 s each) to carry "
          "the proposal, finalize, commit, reveal and settle, and polling")
    print(f"  solver: {solve_ms / 1000:.3f} s in total; execution: {exec_s:.1f} s summed over "
          f"{args.nodes} nodes' workers")
    print(f"  audits verified: {report['audits_verified']}, tokens conserved: {report['conserved']}")
    print(json.dumps({
        "tasks": args.tasks,
        "settled": settled,
        "statuses": statuses,
        "tasks_per_s": round(settled / elapsed, 3),
        "seconds": round(elapsed, 2),
        "submit_s": round(submitted, 2),
        "rounds": rounds,
        "window_s_per_round": windows,
        "solve_s": round(solve_ms / 1000, 3),
        "execution_s_summed": round(exec_s, 2),
        "conserved": report["conserved"],
    }))


if __name__ == "__main__":
    main()
