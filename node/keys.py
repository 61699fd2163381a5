"""Encrypted keystores (Web3 Secret Storage, version 3) for operator accounts.

Private keys are only ever on disk encrypted, in files readable by their owner
alone (0600). Passwords come from ``NASHNET_PASSWORD`` or a hidden prompt, never
from a command-line flag. anvil's public development keys are available only
behind an explicit ``--dev`` on a local chain.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from contracts.anvil import dev_accounts
from contracts.chain import is_local_chain
from contracts.errors import ConfigError, KeystoreError
from contracts.files import write_atomic

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class KeystoreEntry:
    """One keystore file."""

    name: str
    address: str
    path: Path


class Keystore:
    """A folder of encrypted account files, one per name."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, name: str) -> Path:
        """The file of account ``name``."""
        if not _NAME.match(name):
            raise ConfigError(
                f"account name {name!r} is not valid: use 1–64 letters, digits, '.', '_' or '-'"
            )
        return self.directory / f"{name}.json"

    def create(self, name: str, password: str, *, private_key: str | bytes | None = None) -> KeystoreEntry:
        """Encrypt a new (or the given) key under ``name``; refuses to overwrite."""
        if not password:
            raise KeystoreError("refusing an empty password: set NASHNET_PASSWORD or type one at the prompt")
        target = self.path(name)
        if target.exists():
            raise KeystoreError(f"an account named {name!r} already exists ({target}); choose another name")
        try:
            account = Account.from_key(private_key) if private_key is not None else Account.create()
        except (ValueError, TypeError):
            raise KeystoreError("that is not a valid private key (expected 32 bytes, hex)") from None
        encrypted = Account.encrypt(account.key, password)
        self._write_private(target, json.dumps(encrypted))
        return KeystoreEntry(name=name, address=account.address, path=target)

    def import_keystore(self, name: str, source: Path, password: str) -> KeystoreEntry:
        """Copy an existing V3 keystore file under ``name`` after checking its password."""
        try:
            data = json.loads(Path(source).read_text())
        except (OSError, ValueError) as exc:
            raise KeystoreError(f"cannot read keystore {source}: {exc}") from None
        key = self._decrypt(data, password, str(source))
        return self.create(name, password, private_key=key)

    def entries(self) -> list[KeystoreEntry]:
        """Every account in the folder, sorted by name."""
        if not self.directory.is_dir():
            return []
        out = []
        for f in sorted(self.directory.glob("*.json")):
            try:
                address = json.loads(f.read_text()).get("address", "")
            except (OSError, ValueError):
                continue
            out.append(KeystoreEntry(name=f.stem, address="0x" + address.removeprefix("0x"), path=f))
        return out

    def load(self, name: str, password: str) -> LocalAccount:
        """Decrypt account ``name``.

        Raises:
            KeystoreError: no such account, or the password is wrong.
        """
        target = self.path(name)
        try:
            data = json.loads(target.read_text())
        except FileNotFoundError:
            known = ", ".join(e.name for e in self.entries()) or "none"
            raise KeystoreError(
                f"no account named {name!r} in {self.directory} (known: {known}); "
                "create one with `nashnet account new`"
            ) from None
        except (OSError, ValueError) as exc:
            raise KeystoreError(f"keystore {target} is unreadable: {exc}") from None
        return Account.from_key(self._decrypt(data, password, name))

    @staticmethod
    def _decrypt(data: dict[str, Any], password: str, label: str) -> bytes:
        try:
            return bytes(Account.decrypt(data, password))
        except ValueError as exc:
            if "MAC mismatch" in str(exc):
                raise KeystoreError(f"wrong password for account {label}") from None
            raise KeystoreError(f"keystore {label} is not a valid V3 keystore: {exc}") from None
        except (KeyError, TypeError):
            raise KeystoreError(f"keystore {label} is not a valid V3 keystore") from None

    def _write_private(self, target: Path, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        try:
            write_atomic(target, text, mode=0o600, exclusive=True)  # never overwrites
        except FileExistsError:
            raise KeystoreError(f"an account file {target} appeared meanwhile; choose another name") from None


def dev_account(index: int, chain_id: int) -> LocalAccount:
    """anvil's public development account ``index``; refused on non-local chains."""
    if not is_local_chain(chain_id):
        raise KeystoreError(
            f"--dev keys are public and only allowed on a local chain; chain id {chain_id} is not local"
        )
    if not 0 <= index < 10:
        raise ConfigError(f"--dev index {index} is out of range (0–9)")
    return Account.from_key(dev_accounts(index + 1)[index])
