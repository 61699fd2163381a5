"""`nashnet account new|import|list`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from . import common as c

app = typer.Typer(help="Manage encrypted operator accounts (V3 keystores).", no_args_is_help=True)


@app.command("new")
def new_cmd(name: str = typer.Argument(..., help="Account name."), as_json: bool = c.JsonOpt) -> None:
    """Create a new account, encrypted with a password.

    Example: NASHNET_PASSWORD=… nashnet account new operator1
    """
    from node.keys import Keystore

    s = c.settings()
    entry = Keystore(s.keystore_path).create(name, c.password("New password", confirm=True))
    _show(entry.name, entry.address, str(entry.path), as_json)


@app.command("import")
def import_cmd(
    name: str = typer.Argument(..., help="Account name."),
    keystore: Path | None = typer.Option(
        None, "--keystore", exists=True, dir_okay=False, readable=True, help="An existing V3 keystore file to import."
    ),
    as_json: bool = c.JsonOpt,
) -> None:
    """Import a private key (typed at a hidden prompt, or piped on stdin) or a V3 keystore.

    The key is never taken from a flag.
    Example: nashnet account import operator1 --keystore ./old-key.json
    """
    from node.keys import Keystore

    s = c.settings()
    store = Keystore(s.keystore_path)
    if keystore is not None:
        entry = store.import_keystore(name, keystore, c.password(f"Password of {keystore}"))
    else:
        if sys.stdin.isatty():
            key = typer.prompt("Private key (hex)", hide_input=True)
        else:
            key = sys.stdin.readline().strip()
        entry = store.create(name, c.password("New password", confirm=True), private_key=key.strip())
    _show(entry.name, entry.address, str(entry.path), as_json)


@app.command("list")
def list_cmd(as_json: bool = c.JsonOpt) -> None:
    """List the accounts in the keystore folder.

    Example: nashnet account list --json
    """
    from rich.table import Table

    from node.keys import Keystore

    s = c.settings()
    entries = Keystore(s.keystore_path).entries()
    if as_json:
        c.emit_json([{"name": e.name, "address": e.address, "path": str(e.path)} for e in entries])
        return
    table = Table("name", "address", title=str(s.keystore_path))
    for e in entries:
        table.add_row(e.name, e.address)
    c.out.print(table)


def _show(name: str, address: str, path: str, as_json: bool) -> None:
    if as_json:
        c.emit_json({"name": name, "address": address, "path": path})
    else:
        c.out.print(f"{name} {address}")
        c.err.print(f"keystore written to {path}")
