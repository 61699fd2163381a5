"""Allocation game: equilibrium solve time and price of anarchy against the optimum.

Usage: python benchmarks/allocation.py [--seeds N]

Prints a table per (nodes, tasks) size for the v1 game (``consensus.game``) and for the
v2 game (``consensus.clearing``: capped slots with posted clearing prices), and ends with
one JSON line (large = 1,000 nodes x 10,000 tasks):

- v1: ``solve_s_large`` (wall), ``solve_s_large_v1``, ``solve_cpu_s_large_v1``,
  ``opt_s_large_v1``, ``poa_max_v1`` (v1's ``poa_max``, ``solve_cpu_s_large`` and
  ``opt_s_large`` were renamed with ``_v1``: those names now belong to v2);
- v2: ``poa_max`` (max of optimum / solver welfare), ``solve_cpu_s_large`` (median CPU
  seconds), ``solve_s_large_v2`` (median wall), ``check_s_large`` (find_challenge),
  ``opt_s_large`` (networkx optimum, same instance, same run), ``no_prices`` (instances
  where no per-kind clearing prices exist and solve raised), ``instances_v2``;
- ``loadavg``: the 1/5/15-minute load average at the end of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from consensus import clearing
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
    parser.add_argument("--repeats", type=int, default=5, help="solve timings per instance")
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
    v2 = _v2(args.seeds, args.repeats)
    print()
    print("solve_s / cpu_s: median wall / process CPU time of repeats (cpu_s is what the")
    print("solver costs when the box is shared); check_s: find_profitable_move on the result;")
    print("opt: exact welfare optimum by integer min-cost flow (networkx network simplex).")
    print("v2: check_s is find_challenge on the proposal; PoA is optimum / proposal welfare.")
    print(
        json.dumps(
            {
                "solve_s_large": round(large["solve_s"], 4),
                "solve_s_large_v1": round(large["solve_s"], 4),
                "solve_cpu_s_large_v1": round(large["solve_cpu_s"], 4),
                "opt_s_large_v1": round(large["opt_s"], 2),
                "poa_max_v1": round(poa_max, 4),
                **v2,
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


def _v2(seeds: int, repeats: int) -> dict[str, object]:
    """The v2 game on the same generator: PoA, solve CPU, watcher check, networkx optimum."""
    print()
    header = (
        f"{'nodes':>6} {'tasks':>6} {'seed':>4} {'solve_s':>8} {'cpu_s':>8} {'check_s':>8} "
        f"{'opt_s':>7} {'opt':>13} {'W/1e15':>10} {'W_opt/1e15':>10} {'PoA':>8}  (v2)"
    )
    print(header)
    print("-" * len(header))
    poa_max, no_prices, count = 1.0, 0, 0
    large: dict[str, list[float]] = {"wall": [], "cpu": [], "check": [], "opt": []}
    for n_nodes, n_tasks in SIZES:
        for seed in range(seeds):
            inst = clearing.random_instance(n_nodes, n_tasks, KINDS, seed)
            count += 1
            opt, opt_s = _timed(clearing.optimal, inst)
            times, cpu_times = [], []
            try:
                for _ in range(repeats):
                    alloc, seconds, cpu_seconds = _cpu_timed(clearing.solve, inst)
                    times.append(seconds)
                    cpu_times.append(cpu_seconds)
            except clearing.NoClearingPrices:
                no_prices += 1
                print(
                    f"{n_nodes:>6} {n_tasks:>6} {seed:>4} {'no per-kind clearing prices':>42} "
                    f"{opt_s:>7.2f} {opt.method:>13}"
                )
                continue
            move, check_s = _timed(clearing.find_challenge, inst, alloc)
            assert move is None, f"v2 proposal is challengeable: {move}"
            w = clearing.welfare(inst, alloc)
            # reporting only: a float ratio, nothing on chain compares it
            poa = opt.welfare / w if w > 0 else (1.0 if opt.welfare <= 0 else float("inf"))
            poa_max = max(poa_max, poa)
            solve_s, cpu_s = statistics.median(times), statistics.median(cpu_times)
            if (n_nodes, n_tasks) == SIZES[-1]:
                for key, value in zip(("wall", "cpu", "check", "opt"), (solve_s, cpu_s, check_s, opt_s), strict=True):
                    large[key].append(value)
            print(
                f"{n_nodes:>6} {n_tasks:>6} {seed:>4} {solve_s:>8.4f} {cpu_s:>8.4f} "
                f"{check_s:>8.4f} {opt_s:>7.2f} {opt.method:>13} {w / 1e15:>10.1f} "
                f"{opt.welfare / 1e15:>10.1f} {poa:>8.6f}"
            )

    def median(key: str, digits: int) -> float | None:
        return round(statistics.median(large[key]), digits) if large[key] else None

    return {
        "poa_max": round(poa_max, 6),
        "solve_cpu_s_large": median("cpu", 4),
        "solve_s_large_v2": median("wall", 4),
        "check_s_large": median("check", 4),
        "opt_s_large": median("opt", 2),
        "no_prices": no_prices,
        "instances_v2": count,
    }


if __name__ == "__main__":
    main()
