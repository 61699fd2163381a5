"""Usage errors: one line naming what is wrong and the help to read, exit code 2, no traceback.

Every noun is tried with an unknown verb, an unknown flag and a value of the wrong type. The
commands run in-process and fail while their arguments are parsed, before any chain is touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from node.cli import UsageError, main

ROOT = Path(__file__).resolve().parents[2]

#: For each noun: a verb and a value of the wrong type for one of its parameters.
WRONG_TYPE: dict[str, tuple[list[str], str]] = {
    "account": (["import", "alice", "--keystore", "/no/such/keystore.json"], "'--keystore'"),
    "contracts": (["deploy", "--dev", "notanumber"], "'--dev'"),
    "devnet": (["up", "--nodes", "many"], "'--nodes'"),
    "gov": (["vote", "1", "maybe"], "'for', 'against', 'abstain'"),
    "node": (["run", "--port", "99999"], "'--port'"),
    "agent": (["bench", "--sample", "few"], "'--sample'"),
    "task": (["status", "notanid"], "'task_id'"),
}


def _usage(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``nashnet ARGS``; assert a usage error and return its one line."""
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 2, (args, captured.err)
    assert "Traceback" not in captured.err
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize("noun", sorted(WRONG_TYPE))
def test_unknown_verb(noun: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage(capsys, noun, "nosuchverb")
    assert "No such command 'nosuchverb'" in line
    assert line.endswith(f"Try 'nashnet {noun} --help'.")


@pytest.mark.parametrize("noun", sorted(WRONG_TYPE))
def test_unknown_flag(noun: str, capsys: pytest.CaptureFixture[str]) -> None:
    verb = WRONG_TYPE[noun][0][0]
    line = _usage(capsys, noun, verb, "--no-such-flag")
    assert "No such option: --no-such-flag" in line
    assert line.endswith(f"Try 'nashnet {noun} {verb} --help'.")


@pytest.mark.parametrize("noun", sorted(WRONG_TYPE))
def test_value_of_the_wrong_type(noun: str, capsys: pytest.CaptureFixture[str]) -> None:
    args, field = WRONG_TYPE[noun]
    line = _usage(capsys, noun, *args)
    assert "Invalid value for" in line and field in line, line
    assert line.endswith(f"Try 'nashnet {noun} {args[0]} --help'.")


def test_unknown_command_and_root_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage(capsys, "nosuchcommand") == "error: No such command 'nosuchcommand'. Try 'nashnet --help'."
    assert _usage(capsys, "--no-such-flag").endswith("Try 'nashnet --help'.")


def test_missing_argument_and_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert "Missing argument 'kind'" in _usage(capsys, "task", "submit")
    line = _usage(capsys, "task", "submit", "mcts", "--reward", "1", "--redundancy", "300")
    assert "'--redundancy'" in line and "255" in line
    line = _usage(capsys, "gov", "queue", "0xnothex")
    assert "'0xnothex' is not a proposal id" in line


def test_a_group_alone_and_help_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["task"]) == 2
    assert main(["--help"]) == 0
    assert main(["task", "submit", "--help"]) == 0


def _nashnet(*args: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: how help looks depends on what imported typer first.
    env = {**os.environ, "NASHNET_DEBUG": "", "TYPER_USE_RICH": "0"}
    return subprocess.run(
        [sys.executable, "-m", "node.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )


def test_help_text() -> None:
    alone = _nashnet("task")
    assert alone.returncode == 2 and alone.stdout == ""
    assert "Usage: nashnet task" in alone.stderr and "submit" in alone.stderr
    root = _nashnet("--help")
    assert root.returncode == 0 and "Usage: nashnet" in root.stdout and "--debug" in root.stdout


def test_debug_shows_the_exception() -> None:
    with pytest.raises(UsageError):
        main(["task", "nosuchverb", "--debug"])


def test_console_script_usage_error_exit_code() -> None:
    """The real entry point, as a shell sees it: exit status 2, one line on stderr, nothing on stdout."""
    proc = _nashnet("task", "submit", "--no-such-flag")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "error: No such option: --no-such-flag. Try 'nashnet task submit --help'.\n"
