"""Identifiers of tasks and nodes, and their canonical order.

An id is either a non-negative integer below 2**256 (a task id, a ``uint256``) or a
``0x``-prefixed hexadecimal string of 1 to 64 digits (an address is 40 digits).
Ids compare as the unsigned integers they denote, so an address sorts exactly as
``uint160(addr)`` does in Solidity, and ``"0x0A"``, ``"0x0a"`` and ``10`` are the same id.
"""

from __future__ import annotations

from typing import TypeAlias

from consensus.game.errors import InstanceError

__all__ = ["Id", "id_key", "normalize_id"]

Id: TypeAlias = int | str

_MAX = 1 << 256
_HEX = frozenset("0123456789abcdef")


def id_key(value: object, field: str = "id") -> int:
    """Return the unsigned integer that orders ``value`` canonically.

    Raises:
        InstanceError: ``value`` is not an int in ``[0, 2**256)`` nor a ``0x`` hex string.
    """
    if isinstance(value, bool):
        raise InstanceError(
            f"{field}={value!r}: expected an int id or a 0x-hex string, got a bool"
        )
    if isinstance(value, int):
        if 0 <= value < _MAX:
            return value
        raise InstanceError(f"{field}={value!r}: an int id must lie in [0, 2**256)")
    if isinstance(value, str):
        digits = value[2:].lower()
        if value[:2] in ("0x", "0X") and 0 < len(digits) <= 64 and set(digits) <= _HEX:
            return int(digits, 16)
        raise InstanceError(
            f"{field}={value!r}: expected a 0x-prefixed hex string of 1 to 64 digits"
        )
    raise InstanceError(
        f"{field}={value!r}: expected an int id or a 0x-hex string, got {type(value).__name__}"
    )


def normalize_id(value: object, field: str = "id") -> Id:
    """Return ``value`` in normal form: ints unchanged, hex strings in lower case."""
    id_key(value, field)
    return value if isinstance(value, int) else "0x" + value[2:].lower()  # type: ignore[index]
