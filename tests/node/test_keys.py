"""Encrypted keystores and the Ed25519 identity key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from contracts.errors import ConfigError, KeystoreError
from node import identity
from node.keys import Keystore, dev_account


def test_create_load_and_list(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "ks")
    entry = store.create("alice", "pw")
    assert entry.path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ks").stat().st_mode & 0o777 == 0o700
    data = json.loads(entry.path.read_text())
    assert data["version"] == 3 and "crypto" in data
    assert store.load("alice", "pw").address == entry.address
    assert [e.name for e in store.entries()] == ["alice"]
    with pytest.raises(KeystoreError, match="wrong password"):
        store.load("alice", "nope")
    with pytest.raises(KeystoreError, match="already exists"):
        store.create("alice", "pw")
    with pytest.raises(ConfigError, match="not valid"):
        store.create("../evil", "pw")
    with pytest.raises(KeystoreError, match="empty password"):
        store.create("bob", "")


def test_import_key_and_keystore(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "ks")
    acct = Account.create()
    entry = store.create("imported", "pw", private_key=acct.key.hex())
    assert entry.address == acct.address
    src = tmp_path / "v3.json"
    other = Account.create()
    src.write_text(json.dumps(Account.encrypt(other.key, "old")))
    with pytest.raises(KeystoreError, match="wrong password"):
        store.import_keystore("copy", src, "bad")
    assert store.import_keystore("copy", src, "old").address == other.address
    with pytest.raises(KeystoreError, match="not a valid private key"):
        store.create("junk", "pw", private_key="0x1234")


def test_dev_accounts_only_on_local_chains() -> None:
    assert dev_account(0, 31337).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(KeystoreError, match="only allowed on a local chain"):
        dev_account(0, 1)
    with pytest.raises(ConfigError, match="out of range"):
        dev_account(10, 31337)


def test_identity_key_is_encrypted_and_stable(tmp_path: Path) -> None:
    path = identity.identity_path(tmp_path, "op")
    key = identity.load_or_create(path, "pw")
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED" in path.read_bytes()
    assert identity.public_bytes(identity.load_or_create(path, "pw")) == identity.public_bytes(key)
    assert len(identity.public_bytes(key)) == 32
    with pytest.raises(KeystoreError, match="wrong password"):
        identity.load_or_create(path, "other")
