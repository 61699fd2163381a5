"""Agents on generated question sets: accuracy, seconds and model costs per question.

Usage: python benchmarks/agents.py [--limit N] [--agents react,rewoo,neuro-symbolic]

Sets: ``arithmetic`` (products, percentages, roots, rounding, powers) and ``word``
(percentages, unit conversions, fees, averages), 40 questions each by default, answered
with the calculator; ``university`` (natural-language questions over a generated OWL
ontology) for the neuro-symbolic agent. Prints one line per question on stderr, then a
table (prompt = prompt tokens, reused = of those, read from the warm system prompt,
gen = tokens the model chose), the load average and CPU time, and last one JSON line
whose unmeasured figures are null.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# This file is named like the package it measures; drop its own folder from the path so
# that `import agents` finds the package, not this script.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from agents.bench import SUMMARY_KEYS, run_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=40, help="questions per set (default 40)")
    parser.add_argument(
        "--agents", default="react,rewoo,neuro-symbolic", help="comma-separated agents to run (default: all three)"
    )
    args = parser.parse_args()
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    unknown = set(agents) - {"react", "rewoo", "neuro-symbolic"}
    if unknown:
        parser.error(f"--agents: unknown {', '.join(sorted(unknown))}")
    summary = run_bench(args.limit, log=lambda s: print(s, file=sys.stderr, flush=True), agents=agents)
    for row in summary["table"]:
        print(row)
    print(f"load average (1 min) before/after: {summary['load_avg'][0]} / {summary['load_avg'][1]}")
    print(f"CPU time {summary['cpu_s']} s over {summary['wall_s']} s wall")
    print(json.dumps({k: summary[k] for k in SUMMARY_KEYS}))


if __name__ == "__main__":
    main()
