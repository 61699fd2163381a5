"""CPU seconds of the command line's quick paths: `nashnet --help`, `nashnet task --help`, a usage error.

Each command runs in a fresh interpreter (``python -m node.cli``), as a shell would start it;
its CPU time is the child's user + system time. The median of ``--runs`` runs (5 by default) is
printed per command, with the machine's load average, since a busy machine adds CPU time too.
The goal is 0.5 s or less for each.

    python benchmarks/cli.py

The last line is one JSON object: ``{"help_cpu_s", "noun_help_cpu_s", "usage_error_cpu_s", ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The commands measured, by the key each median has in the JSON line.
COMMANDS: dict[str, list[str]] = {
    "help_cpu_s": ["--help"],
    "noun_help_cpu_s": ["task", "--help"],
    "usage_error_cpu_s": ["task", "submit", "--no-such-flag"],
}
EXPECTED_EXIT = {"help_cpu_s": 0, "noun_help_cpu_s": 0, "usage_error_cpu_s": 2}
GOAL_S = 0.5


def cpu_seconds(args: list[str]) -> tuple[float, float, int]:
    """``(cpu, wall, exit code)`` of one ``nashnet ARGS`` in a fresh interpreter."""
    # The environment of a user's shell: no debug switch that would change the error path.
    env = {k: v for k, v in os.environ.items() if k not in ("NASHNET_DEBUG", "TYPER_USE_RICH")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "node.cli", *args], cwd=ROOT, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per command; the median is reported")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs: expected 1 or more")

    cpu_seconds(["--help"])  # warm the file cache and the bytecode, so the first run is not an outlier
    result: dict[str, object] = {}
    load_before = os.getloadavg()
    for key, command in COMMANDS.items():
        runs = [cpu_seconds(command) for _ in range(args.runs)]
        codes = {code for _, _, code in runs}
        if codes != {EXPECTED_EXIT[key]}:
            raise SystemExit(f"nashnet {' '.join(command)}: exit codes {sorted(codes)}, expected {EXPECTED_EXIT[key]}")
        cpu = statistics.median(c for c, _, _ in runs)
        wall = statistics.median(w for _, w, _ in runs)
        result[key] = round(cpu, 3)
        result[key.replace("_cpu_s", "_wall_s")] = round(wall, 3)
        verdict = "ok" if cpu <= GOAL_S else f"over the {GOAL_S} s goal"
        print(
            f"nashnet {' '.join(command):32} CPU {cpu:.3f} s  wall {wall:.3f} s  "
            f"(median of {args.runs}; min {min(c for c, _, _ in runs):.3f}, max {max(c for c, _, _ in runs):.3f})"
            f"  {verdict}"
        )
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    result |= {"runs": args.runs, "load_avg_1m": round(load_after[0], 2), "cpus": os.cpu_count(), "goal_s": GOAL_S}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
