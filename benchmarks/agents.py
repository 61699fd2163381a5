"""Agents on the generated evaluation sets: accuracy, model calls, Game of 24 coverage.

Usage: python benchmarks/agents.py [--sample N]
Prints one line per question, then a summary table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# This file is named like the package it measures; drop its own folder from the path so
# that `import agents` finds the package, not this script.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from agents.bench import run_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=6, help="questions per model-driven set")
    args = parser.parse_args()
    summary = run_bench(sample=args.sample, log=lambda s: print(s, file=sys.stderr, flush=True))
    print(f"{'metric':24s} value")
    for key, value in summary.items():
        print(f"{key:24s} {value}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
