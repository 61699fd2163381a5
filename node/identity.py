"""A node's Ed25519 identity key: its public half is the signing key in the registry.

The private key is stored as an encrypted PKCS#8 PEM (0600), protected by the same
password as the operator's keystore.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.errors import KeystoreError
from contracts.files import write_atomic


def identity_path(keystore_dir: Path, account: str) -> Path:
    """Where the identity key of ``account`` lives."""
    return Path(keystore_dir) / f"{account}.ed25519.pem"


def load_or_create(path: Path, password: str) -> Ed25519PrivateKey:
    """Load the identity key at ``path``, creating it on first use."""
    if not password:
        raise KeystoreError("refusing an empty password for the identity key")
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=password.encode())
        except (ValueError, TypeError):
            raise KeystoreError(f"wrong password for the identity key {path}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeystoreError(f"{path} does not hold an Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
    write_atomic(path, pem, mode=0o600)
    return key


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    """The 32-byte raw public key."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
