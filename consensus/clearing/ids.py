"""Identifiers of tasks and nodes, and their canonical order.

An id is a non-negative integer below 2**256 (a ``uint256`` task id) or a ``0x``-prefixed
hexadecimal string of 1 to 64 digits (an address is 40). Ids compare as the unsigned
integers they denote, as ``uint160(addr)`` does in Solidity, so ``"0x0A"``, ``"0x0a"``
and ``10`` are the same id. (Same rules as v1's ``consensus.game.ids``; kept separate so
that v2 does not depend on the v1 package it replaces.)
"""

from __future__ import annotations

from typing import TypeAlias

from consensus.clearing.errors import InstanceError

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
        raise InstanceError(f"{field}={value!r}: expected an int or 0x-hex id, got a bool")
    if isinstance(value, int):
        if 0 <= value < _MAX:
            return value
        raise InstanceError(f"{field}={value!r}: an int id must lie in [0, 2**256)")
    if isinstance(value, str):
        digits = value[2:].lower()
        if value[:2] in ("0x", "0X") and 0 < len(digits) <= 64 and set(digits) <= _HEX:
            return int(digits, 16)
        raise InstanceError(f"{field}={value!r}: expected a 0x-prefixed hex string of 1 to 64 digits")
    raise InstanceError(f"{field}={value!r}: expected an int or 0x-hex id, got {type(value).__name__}")


def normalize_id(value: object, field: str = "id") -> Id:
    """Return ``value`` in normal form: ints unchanged, hex strings in lower case."""
    id_key(value, field)
    return value if isinstance(value, int) else "0x" + str(value)[2:].lower()
