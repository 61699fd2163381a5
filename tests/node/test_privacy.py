"""Sealed results and reply keys (node.privacy)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat

from contracts.errors import NashnetError
from node.privacy import (
    PrivacyError,
    load_reply_key,
    new_reply_key,
    open_sealed,
    reply_public_hex,
    save_reply_key,
    seal,
    task_context,
)

PASSWORD = "correct horse battery staple"
CONTEXT = task_context(7)
PLAINTEXT = b'{"answer": 42, "trace": "sha256:..."}'


@pytest.fixture()
def key() -> X25519PrivateKey:
    return new_reply_key()


def test_round_trip_with_bytes_and_hex_public_keys(key: X25519PrivateKey) -> None:
    public_hex = reply_public_hex(key)
    assert len(public_hex) == 64 and int(public_hex, 16) >= 0
    for recipient in (public_hex, "0x" + public_hex, bytes.fromhex(public_hex)):
        assert open_sealed(seal(PLAINTEXT, recipient, context=CONTEXT), key, context=CONTEXT) == PLAINTEXT
    assert open_sealed(seal(b"", public_hex, context=CONTEXT), key, context=CONTEXT) == b""


def test_envelope_layout(key: X25519PrivateKey) -> None:
    envelope = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    assert envelope[0] == 1
    assert len(envelope) == 1 + 32 + 12 + len(PLAINTEXT) + 16


def test_task_context_convention() -> None:
    assert task_context(0) == b"task:0"
    assert task_context(123) == b"task:123"
    with pytest.raises(PrivacyError, match="task_id"):
        task_context(-1)


def test_two_seals_of_the_same_plaintext_differ(key: X25519PrivateKey) -> None:
    a = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    b = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    assert a != b
    assert a[1:33] != b[1:33]  # fresh ephemeral key
    assert a[33:45] != b[33:45]  # fresh nonce


def test_wrong_key_fails(key: X25519PrivateKey) -> None:
    envelope = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    with pytest.raises(PrivacyError, match="authentication failed"):
        open_sealed(envelope, new_reply_key(), context=CONTEXT)


def test_wrong_context_fails_so_results_cannot_be_replayed(key: X25519PrivateKey) -> None:
    envelope = seal(PLAINTEXT, reply_public_hex(key), context=task_context(7))
    with pytest.raises(PrivacyError, match="authentication failed under context b'task:8'"):
        open_sealed(envelope, key, context=task_context(8))


@pytest.mark.parametrize(
    ("part", "index"),
    [
        ("version", 0),
        ("ephemeral", 1),
        ("ephemeral", 32),
        ("nonce", 33),
        ("nonce", 44),
        ("ciphertext", 45),
        ("ciphertext", 45 + len(PLAINTEXT) - 1),
        ("tag", 45 + len(PLAINTEXT)),
        ("tag", -1),
    ],
)
def test_one_flipped_bit_anywhere_fails(key: X25519PrivateKey, part: str, index: int) -> None:
    envelope = bytearray(seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT))
    envelope[index] ^= 0x01
    expected = "version" if part == "version" else "authentication failed|ephemeral"
    with pytest.raises(PrivacyError, match=expected):
        open_sealed(bytes(envelope), key, context=CONTEXT)


def test_truncated_envelope_fails(key: X25519PrivateKey) -> None:
    envelope = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    with pytest.raises(PrivacyError, match="truncated"):
        open_sealed(envelope[:60], key, context=CONTEXT)
    with pytest.raises(PrivacyError, match="authentication failed"):
        open_sealed(envelope[:-1], key, context=CONTEXT)


@pytest.mark.parametrize("bad", ["zz" * 32, "ab" * 31, b"\x01" * 31])
def test_malformed_recipient_key_is_refused(bad: bytes | str) -> None:
    with pytest.raises(PrivacyError, match="recipient_public"):
        seal(PLAINTEXT, bad, context=CONTEXT)


def test_low_order_recipient_key_is_refused() -> None:
    with pytest.raises(PrivacyError, match="low-order"):
        seal(PLAINTEXT, bytes(32), context=CONTEXT)


def test_privacy_error_is_a_nashnet_error() -> None:
    assert issubclass(PrivacyError, NashnetError)


def test_key_file_save_load_is_0600(tmp_path: Path, key: X25519PrivateKey) -> None:
    path = tmp_path / "keys" / "reply.pem"
    save_reply_key(key, path, PASSWORD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind
    loaded = load_reply_key(path, PASSWORD)
    assert reply_public_hex(loaded) == reply_public_hex(key)
    envelope = seal(PLAINTEXT, reply_public_hex(key), context=CONTEXT)
    assert open_sealed(envelope, loaded, context=CONTEXT) == PLAINTEXT


def test_wrong_password_is_a_clear_error(tmp_path: Path, key: X25519PrivateKey) -> None:
    path = tmp_path / "reply.pem"
    save_reply_key(key, path, PASSWORD)
    with pytest.raises(PrivacyError, match="wrong password"):
        load_reply_key(path, "not the password")


def test_refuses_to_overwrite(tmp_path: Path, key: X25519PrivateKey) -> None:
    path = tmp_path / "reply.pem"
    save_reply_key(key, path, PASSWORD)
    before = path.read_bytes()
    with pytest.raises(PrivacyError, match="already exists"):
        save_reply_key(new_reply_key(), path, PASSWORD)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_empty_password_and_missing_file(tmp_path: Path, key: X25519PrivateKey) -> None:
    with pytest.raises(PrivacyError, match="password must not be empty"):
        save_reply_key(key, tmp_path / "reply.pem", "")
    with pytest.raises(PrivacyError, match="cannot read"):
        load_reply_key(tmp_path / "missing.pem", PASSWORD)


def test_a_file_with_another_kind_of_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "identity.pem"
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSWORD.encode())
    )
    path.write_bytes(pem)
    with pytest.raises(PrivacyError, match="expected an X25519"):
        load_reply_key(path, PASSWORD)
