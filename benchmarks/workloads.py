"""The learning workloads against their baselines: alphazero against pure MCTS, Q-learning
against a random policy.

Usage: python benchmarks/workloads.py [--games 100] [--spec alphazero.json] [--skip-dqn]

Trains the ``alphazero`` default spec (or ``--spec``) from scratch, then plays the trained agent
against pure MCTS with random rollouts at the same number of simulations and at 4x, colours
alternated; a draw counts as half a win. Then runs the ``q-learning`` default spec with both
learners. Prints a table, the load average and CPU time, and last a JSON object for machines.
Keys for kinds this script does not run (PPO, SAC, TD3) are null.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from node.training.checkpoint import load_checkpoint, read_manifest
from node.workloads.alphazero import evaluate_network, parse_alphazero_spec, run_alphazero
from node.workloads.qlearning import parse_qlearning_spec, run_qlearning

KEYS = (
    "alphazero_win_rate_vs_mcts",
    "alphazero_train_s",
    "ppo_cartpole_return",
    "sac_pendulum_return",
    "td3_pendulum_return",
    "env_steps_per_s",
    "dqn_success_rate",
)


def elo(win_rate: float) -> float | None:
    """The Elo difference a win rate implies (draws as half); None at 0 % or 100 %."""
    if not 0 < win_rate < 1:
        return None
    return 400 * math.log10(win_rate / (1 - win_rate))


def alphazero(spec_data: dict[str, Any], games: int) -> tuple[list[str], dict[str, Any]]:
    spec = parse_alphazero_spec({**spec_data, "evaluation": {"games": 0}})
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench-az-") as workdir:
        result = run_alphazero(spec, Path(workdir))
        final = load_checkpoint(Path(workdir), read_manifest(Path(workdir))[-1])
    sims = spec.search.simulations
    rows: list[str] = []
    train_cpu = time.process_time() - cpu0
    out: dict[str, Any] = {"alphazero_train_s": round(result.train_s, 1), "alphazero_train_cpu_s": round(train_cpu, 1)}
    for mult in (1, 4):
        t0 = time.monotonic()
        record = evaluate_network(spec, final["model"], games, mult * sims)
        diff = elo(record.win_rate)
        rows.append(
            f"alphazero ({sims} sims) vs pure MCTS ({mult * sims:>4} sims)  {record.wins:>3}W {record.draws:>3}D "
            f"{record.losses:>3}L  win rate {record.win_rate:6.1%}  Elo "
            f"{'n/a' if diff is None else f'{diff:+.0f}'}  ({time.monotonic() - t0:.0f} s)"
        )
        suffix = "" if mult == 1 else "_4x"
        out[f"alphazero_win_rate_vs_mcts{suffix}"] = round(record.win_rate, 4)
        out[f"alphazero_elo_vs_mcts{suffix}"] = None if diff is None else round(diff)
    rows.insert(
        0,
        f"alphazero training: {spec.self_play_games} self-play games, {spec.train_steps} steps, "
        f"{spec.network.channels}ch x {spec.network.blocks} blocks: {result.train_s:.0f} s "
        f"({train_cpu:.0f} s CPU, one thread)",
    )
    out["alphazero_games"] = games
    return rows, out


def qlearning() -> tuple[list[str], dict[str, Any]]:
    rows: list[str] = []
    out: dict[str, Any] = {}
    for algorithm in ("tabular", "dqn"):
        result = run_qlearning(parse_qlearning_spec({"algorithm": algorithm}))
        rows.append(
            f"q-learning {algorithm:<7} success {result.success_rate:6.1%}  random policy "
            f"{result.random_success_rate:6.1%}  ({result.env_steps} env steps, {result.train_s:.1f} s, "
            f"{result.env_steps / result.train_s:,.0f} steps/s)"
        )
        out[f"{algorithm}_success_rate"] = round(result.success_rate, 4)
        out[f"{algorithm}_env_steps_per_s"] = round(result.env_steps / result.train_s, 1)
        out["random_success_rate"] = round(result.random_success_rate, 4)
    return rows, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=100, help="games per match (100 in the issue's measure)")
    ap.add_argument("--spec", type=Path, help="alphazero spec JSON to train instead of the default")
    ap.add_argument("--skip-dqn", action="store_true", help="leave out the q-learning runs")
    args = ap.parse_args()
    spec_data = json.loads(args.spec.read_text()) if args.spec else {}

    load_before, cpu0, wall0 = os.getloadavg(), time.process_time(), time.monotonic()
    rows, measured = alphazero(spec_data, args.games)
    if not args.skip_dqn:
        more_rows, more = qlearning()
        rows += more_rows
        measured.update(more)
    load_after = os.getloadavg()
    print("\n".join(rows))
    print(
        f"wall {time.monotonic() - wall0:.0f} s, CPU {time.process_time() - cpu0:.0f} s, torch {torch.__version__}, "
        f"load average {load_before[0]:.2f} -> {load_after[0]:.2f} on {os.cpu_count()} cores"
    )
    out: dict[str, Any] = {k: None for k in KEYS}
    out["alphazero_win_rate_vs_mcts"] = measured.get("alphazero_win_rate_vs_mcts")
    out["alphazero_train_s"] = measured.get("alphazero_train_s")
    out["dqn_success_rate"] = measured.get("dqn_success_rate")
    # env_steps_per_s is the RL kinds' figure (gymnasium environments); the gridworld's own
    # rate is reported separately so the two are not confused.
    for key in (
        "alphazero_win_rate_vs_mcts_4x",
        "alphazero_elo_vs_mcts",
        "alphazero_elo_vs_mcts_4x",
        "alphazero_train_cpu_s",
        "alphazero_games",
        "tabular_success_rate",
        "random_success_rate",
        "dqn_env_steps_per_s",
    ):
        if key in measured:
            out[key] = measured[key]
    out["cpu_s"] = round(time.process_time() - cpu0, 1)
    out["loadavg"] = [round(x, 2) for x in load_after]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
