"""The ``nashnet`` command line: ``nashnet <noun> <verb>``."""

from __future__ import annotations

import os
import sys

import click
import typer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from contracts.errors import NashnetError  # noqa: E402

from . import account_cmd, agent_cmd, contracts_cmd, devnet_cmd, gov_cmd, node_cmd, task_cmd  # noqa: E402

app = typer.Typer(
    name="nashnet",
    help="nashnet: a decentralized compute network for AI work, settled on Ethereum.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(account_cmd.app, name="account")
app.add_typer(contracts_cmd.app, name="contracts")
app.add_typer(devnet_cmd.app, name="devnet")
app.add_typer(gov_cmd.app, name="gov")
app.add_typer(node_cmd.app, name="node")
app.add_typer(agent_cmd.app, name="agent")
app.add_typer(task_cmd.app, name="task")


def _known_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [NashnetError]
    try:
        from reasoning.errors import ReasoningError

        errors.append(ReasoningError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nashnet`` console script; returns the exit code.

    Errors the user can act on print one line on stderr (a traceback only with --debug).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("NASHNET_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        # Without standalone mode click returns an Exit's code instead of raising it.
        rc = app(args=args, prog_name="nashnet", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except _known_errors() as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return rc if isinstance(rc, int) else 0


def run() -> None:
    """Console-script wrapper that exits with :func:`main`'s code."""
    sys.exit(main())
