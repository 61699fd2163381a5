"""Allocation game: equilibrium solve time and price of anarchy against the optimum.

Usage: python benchmarks/allocation.py [--seeds N]

Prints a table per (nodes, tasks) size and ends with one JSON line:
{"solve_s_large", "opt_s_large", "poa_max"} (large = 1,000 nodes x 10,000 tasks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from consensus.game import (
    find_profitable_move,
    optimal,
    random_instance,
    solve,
    welfare,
)

SIZES = [(10, 100), (100, 1_000), (1_000, 10_000)]
KINDS = 5


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def _cpu_timed(fn, *args):
    # CPU time of this process: on a shared box the wall clock also counts other work
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - start_wall, time.process_time() - start_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="instances per size")
    parser.add_argument(
        "--repeats", type=int, default=5, help="solve timings per instance"
    )
    args = parser.parse_args()

    header = (
        f"{'nodes':>6} {'tasks':>6} {'seed':>4} {'solve_s':>8} {'cpu_s':>8} {'moves':>6} "
        f"{'improv':>6} "
        f"{'sweeps':>6} {'check_s':>8} {'opt_s':>7} {'opt':>13} {'W_eq/1e15':>10} "
        f"{'W_opt/1e15':>10} {'PoA':>6}"
    )
    print(header)
    print("-" * len(header))
    summary: dict[tuple[int, int], dict[str, float]] = {}
    poa_max = 0.0
    for n_nodes, n_tasks in SIZES:
        solves, solves_cpu, opts = [], [], []
        for seed in range(args.seeds):
            inst = random_instance(n_nodes, n_tasks, KINDS, seed)
            _ = inst.arrays  # plain lists, built once per instance
            times, cpu_times = [], []
            for _ in range(args.repeats):
                eq, seconds, cpu_seconds = _cpu_timed(solve, inst)
                times.append(seconds)
                cpu_times.append(cpu_seconds)
            solve_s = statistics.median(times)
            solve_cpu_s = statistics.median(cpu_times)
            move, check_s = _timed(find_profitable_move, inst, eq)
            assert move is None, f"not an equilibrium: {move}"
            opt, opt_s = _timed(optimal, inst)
            w_eq = welfare(inst, eq)
            poa = opt.welfare / w_eq
            poa_max = max(poa_max, poa)
            solves.append(solve_s)
            solves_cpu.append(solve_cpu_s)
            opts.append(opt_s)
            stats = eq.stats
            print(
                f"{n_nodes:>6} {n_tasks:>6} {seed:>4} {solve_s:>8.4f} {solve_cpu_s:>8.4f} "
                f"{stats.moves:>6} "
                f"{stats.improving_moves:>6} {stats.passes:>6} {check_s:>8.4f} {opt_s:>7.2f} "
                f"{opt.method:>13} {w_eq / 1e15:>10.1f} {opt.welfare / 1e15:>10.1f} {poa:>6.3f}"
            )
        summary[(n_nodes, n_tasks)] = {
            "solve_s": statistics.median(solves),
            "solve_cpu_s": statistics.median(solves_cpu),
            "opt_s": statistics.median(opts),
        }
    large = summary[SIZES[-1]]
    print()
    print(
        "solve_s / cpu_s: median wall / process CPU time of repeats (cpu_s is what the"
    )
    print(
        "solver costs when the box is shared); check_s: find_profitable_move on the result;"
    )
    print(
        "opt: exact welfare optimum by integer min-cost flow (networkx network simplex)."
    )
    print(
        json.dumps(
            {
                "solve_s_large": round(large["solve_s"], 4),
                "opt_s_large": round(large["opt_s"], 2),
                "solve_cpu_s_large": round(large["solve_cpu_s"], 4),
                "poa_max": round(poa_max, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
