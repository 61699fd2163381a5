"""Private results: sealed to a requester's X25519 reply key.

A requester publishes the public half of an X25519 *reply key* with a task; the node that
ran the task seals the result to it, so only the requester can read it while anyone can
store or relay the envelope.

Envelope (version 1)::

    version (1 byte, 0x01) | ephemeral public key (32) | nonce (12) | ciphertext + tag (16)

Sealing draws a fresh ephemeral X25519 key, derives a 32-byte key with HKDF-SHA256 from the
shared secret (salt = ephemeral public || recipient public, info = ``b"nashnet/seal/v1" +
context``) and encrypts with ChaCha20-Poly1305 under a random nonce, with ``context`` as
associated data.

Context convention: ``context`` names what the plaintext is, so that a ciphertext cannot be
replayed as something else. A task's result uses ``task_context(task_id)``, i.e.
``b"task:%d" % task_id``; opening it under another task's context fails.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contracts.errors import NashnetError
from contracts.files import write_atomic

__all__ = [
    "ENVELOPE_VERSION",
    "PrivacyError",
    "load_reply_key",
    "new_reply_key",
    "open_sealed",
    "reply_public_hex",
    "save_reply_key",
    "seal",
    "task_context",
]

ENVELOPE_VERSION = 1
_INFO_PREFIX = b"nashnet/seal/v1"
_PUBLIC_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16
_HEADER_LEN = 1 + _PUBLIC_LEN + _NONCE_LEN


class PrivacyError(NashnetError):
    """A reply key could not be stored or loaded, or an envelope could not be sealed or opened."""


def task_context(task_id: int) -> bytes:
    """The sealing context of a task's result: ``b"task:%d" % task_id``."""
    if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id < 0:
        raise PrivacyError(f"task_id must be a non-negative integer, got {task_id!r}")
    return b"task:%d" % task_id


def new_reply_key() -> X25519PrivateKey:
    """A fresh X25519 reply key."""
    return X25519PrivateKey.generate()


def reply_public_hex(key: X25519PrivateKey) -> str:
    """The 32-byte raw public half of ``key`` as 64 lowercase hex characters (no ``0x``)."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def save_reply_key(key: X25519PrivateKey, path: Path, password: str) -> None:
    """Store ``key`` at ``path`` as an encrypted PKCS#8 PEM, mode 0600.

    The file appears whole or not at all, and an existing file is never replaced (a reply
    key that is overwritten makes every result sealed to it unreadable).

    Raises:
        PrivacyError: the password is empty, or ``path`` already exists.
    """
    if not password:
        raise PrivacyError("password must not be empty for a reply key")
    path = Path(path)
    if path.exists():
        raise PrivacyError(f"reply key file {path} already exists; refusing to overwrite it (choose another path)")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
    try:
        # Published by hard link: a name taken meanwhile, even by a concurrent writer, is never replaced.
        write_atomic(path, pem, mode=0o600, exclusive=True)
    except FileExistsError:
        raise PrivacyError(
            f"reply key file {path} already exists; refusing to overwrite it (choose another path)"
        ) from None


def load_reply_key(path: Path, password: str) -> X25519PrivateKey:
    """Load the reply key stored at ``path`` by :func:`save_reply_key`.

    Raises:
        PrivacyError: the file is missing, the password is wrong, or it holds another kind of key.
    """
    path = Path(path)
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise PrivacyError(f"cannot read reply key file {path}: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_private_key(pem, password=password.encode())
    except (ValueError, TypeError):
        raise PrivacyError(f"wrong password for reply key file {path} (or the file is not an encrypted PEM)") from None
    if not isinstance(key, X25519PrivateKey):
        raise PrivacyError(f"reply key file {path} holds a {type(key).__name__}, expected an X25519 private key")
    return key


def _public_from(recipient_public: bytes | str) -> X25519PublicKey:
    raw: bytes
    if isinstance(recipient_public, str):
        text = recipient_public[2:] if recipient_public[:2].lower() == "0x" else recipient_public
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise PrivacyError(
                f"recipient_public must be {_PUBLIC_LEN * 2} hex characters, got {recipient_public!r}"
            ) from None
    else:
        raw = bytes(recipient_public)
    if len(raw) != _PUBLIC_LEN:
        raise PrivacyError(f"recipient_public must be {_PUBLIC_LEN} bytes (an X25519 public key), got {len(raw)}")
    return X25519PublicKey.from_public_bytes(raw)


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes, context: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO_PREFIX + context)
    return hkdf.derive(shared)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(plaintext: bytes, recipient_public: bytes | str, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only the holder of ``recipient_public``'s private key can read it.

    Args:
        plaintext: The bytes to protect.
        recipient_public: The recipient's X25519 public key: 32 raw bytes or 64 hex characters.
        context: What the plaintext is (``task_context(task_id)`` for a result); needed again to open it.

    Returns:
        A version-1 envelope (see the module docstring).

    Raises:
        PrivacyError: the public key is malformed or a low-order point.
    """
    recipient = _public_from(recipient_public)
    ephemeral = X25519PrivateKey.generate()
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError:
        raise PrivacyError("recipient_public is not a usable X25519 public key (low-order point)") from None
    ephemeral_raw = _raw(ephemeral.public_key())
    key = _derive(shared, ephemeral_raw, _raw(recipient), bytes(context))
    nonce = os.urandom(_NONCE_LEN)
    ciphertext = ChaCha20Poly1305(key).encrypt(nonce, bytes(plaintext), bytes(context))
    return bytes([ENVELOPE_VERSION]) + ephemeral_raw + nonce + ciphertext


def open_sealed(envelope: bytes, key: X25519PrivateKey, *, context: bytes) -> bytes:
    """Decrypt an envelope made by :func:`seal`.

    Raises:
        PrivacyError: the envelope is truncated or of an unknown version, or authentication
            failed (wrong key, wrong context, or the envelope was altered); nothing is returned
            unless the whole envelope is authentic.
    """
    envelope = bytes(envelope)
    if len(envelope) < _HEADER_LEN + _TAG_LEN:
        raise PrivacyError(
            f"envelope is {len(envelope)} bytes, shorter than the minimum {_HEADER_LEN + _TAG_LEN}; it is truncated"
        )
    if envelope[0] != ENVELOPE_VERSION:
        raise PrivacyError(f"envelope version is {envelope[0]}, expected {ENVELOPE_VERSION}")
    ephemeral_raw = envelope[1 : 1 + _PUBLIC_LEN]
    nonce = envelope[1 + _PUBLIC_LEN : _HEADER_LEN]
    ciphertext = envelope[_HEADER_LEN:]
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
    except ValueError:
        raise PrivacyError("envelope's ephemeral public key is invalid (low-order point); it was altered") from None
    derived = _derive(shared, ephemeral_raw, _raw(key.public_key()), bytes(context))
    try:
        return ChaCha20Poly1305(derived).decrypt(nonce, ciphertext, bytes(context))
    except InvalidTag:
        raise PrivacyError(
            f"envelope authentication failed under context {bytes(context)!r}: "
            "wrong reply key, wrong context, or the envelope was altered"
        ) from None
