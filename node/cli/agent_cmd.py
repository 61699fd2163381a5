"""`nashnet agent run KIND --input FILE [--json]` and `nashnet agent bench`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(help="Run reasoning agents locally (no chain).", no_args_is_help=True)


@app.command("run")
def run_cmd(
    kind: str = typer.Argument(..., help="Agent kind: react, rewoo, mcts or neuro-symbolic."),
    input_file: Path = typer.Option(
        ..., "--input", "-i", help="JSON file with the task input.", exists=True, dir_okay=False, readable=True
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the whole result, trace included, as JSON."),
) -> None:
    """Run one task and print its canonical answer, trace hash and counters.

    Example: echo '{"problem": "game24", "numbers": [4, 7, 8, 8]}' > t.json && nashnet agent run mcts --input t.json
    """
    from agents import run_task

    result = run_task(kind, input_file.read_text(encoding="utf-8"))
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
    else:
        c = result.counters
        status = f"answer: {result.answer}" if result.ok else f"error ({result.error_type}): {result.error}"
        typer.echo(status)
        typer.echo(f"trace hash: {result.trace_hash}")
        typer.echo(
            f"lm calls: {c.lm_calls}  tokens: {c.prompt_tokens}+{c.completion_tokens}  tool calls: "
            f"{c.tool_calls} ({c.tool_errors} failed)  steps: {c.steps}  seconds: {c.seconds}"
        )
    raise typer.Exit(0 if result.ok else 1)


@app.command("bench")
def bench_cmd(
    sample: int = typer.Option(6, "--sample", min=1, help="Questions per tool-agent set."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary."),
) -> None:
    """Run the agents over small samples of the generated evaluation sets.

    Example: nashnet agent bench --sample 4
    """
    from agents.bench import run_bench

    summary = run_bench(sample=sample, log=(lambda s: None) if as_json else (lambda s: typer.echo(s, err=True)))
    typer.echo(json.dumps(summary))
