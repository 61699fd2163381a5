"""`nashnet --help`, a noun's help and a usage error answer at once: no heavy import on those paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: What `nashnet --help` must not import: each costs seconds of CPU at start-up.
HEAVY = ("torch", "ray", "dspy", "llama_cpp", "pyoxigraph", "rdflib", "web3", "litellm")

_PROBE = """
import io, json, resource, sys
from contextlib import redirect_stderr, redirect_stdout
import node.cli
heavy = {heavy!r}
seen = {{"import": sorted(m for m in heavy if m in sys.modules)}}
for args in {commands!r}:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        code = node.cli.main(args)
    seen[" ".join(args)] = sorted(m for m in heavy if m in sys.modules)
    seen[" ".join(args) + " (exit)"] = code
usage = resource.getrusage(resource.RUSAGE_SELF)
seen["cpu_s"] = usage.ru_utime + usage.ru_stime
print(json.dumps(seen))
"""


def _probe(commands: list[list[str]]) -> dict[str, object]:
    code = _PROBE.format(heavy=HEAVY, commands=commands)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_importing_the_cli_pulls_no_heavy_module() -> None:
    assert _probe([])["import"] == []


def test_help_and_usage_errors_pull_no_heavy_module() -> None:
    """Every noun's help and one usage error of each kind, all in one fresh interpreter."""
    nouns = ["account", "contracts", "devnet", "gov", "node", "agent", "task"]
    commands = [
        ["--help"],
        *([n, "--help"] for n in nouns),
        ["task", "submit", "--help"],
        ["task", "nosuchverb"],
        ["task", "submit", "--no-such-flag"],
        ["task", "status", "notanid"],
        ["contracts", "deploy", "--dev", "notanumber"],
        ["nosuchcommand"],
    ]
    seen = _probe(commands)
    for args in commands:
        key = " ".join(args)
        assert seen[key] == [], f"`nashnet {key}` imported {seen[key]}"
        assert seen[key + " (exit)"] == (0 if "--help" in args else 2), key
    # A guard against heavy imports coming back, not the benchmark (benchmarks/cli.py measures
    # one command at a time): these 14 commands together stay well under torch's import alone.
    assert float(str(seen["cpu_s"])) < 3.0, seen["cpu_s"]
