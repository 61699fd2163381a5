"""The ``nashnet`` command line: ``nashnet <noun> <verb>``.

Importing this package (and so ``nashnet --help`` and every usage error) stays cheap: the
command modules import the chain, the agents, Ray and torch inside the commands that use them.
"""

from __future__ import annotations

import os
import sys

# Plain help, as click prints it: typer's rich help costs more CPU than the rest of `--help`
# together (TYPER_USE_RICH=1 brings it back). Set before typer is imported, which reads it once.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402

# typer 0.29 carries its own copy of click and raises that copy's exceptions (not the `click`
# package's); the usage errors are not re-exported at the top level.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # noqa: E402

from . import account_cmd, agent_cmd, contracts_cmd, devnet_cmd, gov_cmd, node_cmd, task_cmd  # noqa: E402

__all__ = ["UsageError", "app", "main", "run", "usage_line"]

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

#: Exit code of a usage error (unknown command or option, a value of the wrong type), as click has it.
USAGE_EXIT = 2

app = typer.Typer(
    name="nashnet",
    help="nashnet: a decentralized compute network for AI work, settled on Ethereum.\n\nExample: nashnet devnet up",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(account_cmd.app, name="account")
app.add_typer(contracts_cmd.app, name="contracts")
app.add_typer(devnet_cmd.app, name="devnet")
app.add_typer(gov_cmd.app, name="gov")
app.add_typer(node_cmd.app, name="node")
app.add_typer(agent_cmd.app, name="agent")
app.add_typer(task_cmd.app, name="task")


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error (or set NASHNET_DEBUG=1)."),
) -> None:
    """Options of every command."""
    # main() takes --debug out wherever it stands; declaring it here documents it in --help.


def _known_errors() -> tuple[type[BaseException], ...]:
    # Only reached once a command has raised, so the imports cost nothing on the quick paths.
    errors: list[type[BaseException]] = []
    for module, name in (("contracts.errors", "NashnetError"), ("reasoning.errors", "ReasoningError")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            errors.append(getattr(loaded, name))
    return tuple(errors)


def usage_line(exc: UsageError) -> str:
    """One line for a usage error: what is wrong, and the ``--help`` to read next."""
    # typer words some conversion errors as pydantic does ("Value error, 'x' is not one of …").
    message = " ".join(exc.format_message().split()).replace("Value error, ", "")
    path = exc.ctx.command_path if exc.ctx is not None else "nashnet"
    return f"error: {message.rstrip('.')}. Try '{path} --help'."


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nashnet`` console script; returns the exit code.

    Usage errors print one line with a hint and return 2; errors the user can act on print one
    line and return 1. ``--debug`` (or ``NASHNET_DEBUG=1``) shows the traceback instead.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("NASHNET_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        # Without standalone mode click returns an Exit's code instead of raising it.
        rc = app(args=args, prog_name="nashnet", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except NoArgsIsHelpError as exc:
        # `nashnet` or `nashnet task` alone: the help of that group on stderr, as click shows it.
        # (typer's rich help, when TYPER_USE_RICH=1, has printed itself and left the message empty.)
        if exc.format_message().strip():
            print(exc.format_message(), file=sys.stderr)
        return USAGE_EXIT
    except UsageError as exc:
        if debug:
            raise
        print(usage_line(exc), file=sys.stderr)
        return USAGE_EXIT
    except ClickException as exc:
        if debug:
            raise
        print(f"error: {' '.join(exc.format_message().split())}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug or not isinstance(exc, _known_errors()):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return rc if isinstance(rc, int) else 0


def run() -> None:
    """Console-script wrapper that exits with :func:`main`'s code."""
    sys.exit(main())
