"""A node's side of settlement: commit, reveal, settle and claim its results.

Salts are derived, not stored (``contracts.codec.derive_salt``), so a node that restarts
between commit and reveal derives the same salts and can still reveal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils import keccak
from web3 import Web3

from contracts import codec
from contracts.bindings import Deployment
from contracts.errors import ConfigError
from contracts.market import claim, commit_results, proposal_of, reveal_results, settle_many
from contracts.tx import Sender

from .errors import ResultError

__all__ = ["NodeResults", "derive_salt", "result_hash"]

def derive_salt(secret: bytes, task_id: int, round_: int) -> bytes:
    """The commit salt of ``task_id`` in ``round_`` for the node holding ``secret``.

    Raises:
        ResultError: ``secret`` is shorter than 16 bytes (a guessable salt lets others
            read a committed result before the reveal).
    """
    try:
        return codec.derive_salt(secret, task_id, round_)
    except ConfigError as exc:
        raise ResultError(str(exc)) from None


def result_hash(result: bytes) -> bytes:
    """``keccak256(result)``: the hash a node commits for a result (or its URI)."""
    return keccak(result)


class NodeResults:
    """Commit, reveal, settle and claim for one node.

    Args:
        d: The deployment.
        sender: The node operator's account.
        secret: At least 16 secret bytes the salts are derived from; keep it with the key.
    """

    def __init__(self, d: Deployment, sender: Sender, secret: bytes) -> None:
        derive_salt(secret, 0, 0)  # fail at construction on a weak secret
        self.d = d
        self.sender = sender
        self._secret = secret
        # A round holds at most one proposal and it never changes, so it is read once.
        self._proposals: dict[int, dict[str, list[int]]] = {}

    @property
    def address(self) -> str:
        return self.sender.address

    def assigned(self, round_: int) -> list[int]:
        """Task ids assigned to this node in the finalized allocation of ``round_``, ascending."""
        if round_ not in self._proposals:
            self._proposals[round_] = proposal_of(self.d, round_)
        return sorted(self._proposals[round_].get(Web3.to_checksum_address(self.address), []))

    def _entries(self, round_: int, hashes: Mapping[int, bytes]) -> dict[int, tuple[bytes, bytes]]:
        if not hashes:
            raise ResultError(f"round {round_}: no results given; expected one 32-byte hash per assigned task")
        m = self.d.market.functions
        out: dict[int, tuple[bytes, bytes]] = {}
        for task_id, h in hashes.items():
            if not isinstance(h, bytes) or len(h) != 32:
                raise ResultError(f"results[{task_id}]={h!r}: expected a 32-byte result hash (see result_hash)")
            if h == b"\0" * 32:
                raise ResultError(f"results[{task_id}]: the zero hash means 'not revealed' on chain; hash the result")
            if not m.isAssigned(round_, self.address, task_id).call():
                raise ResultError(f"task {task_id} is not assigned to {self.address} in round {round_}")
            out[int(task_id)] = (h, derive_salt(self._secret, int(task_id), round_))
        return out

    def commit(self, round_: int, hashes: Mapping[int, bytes]) -> Any:
        """Commit ``{task id: result hash}`` for ``round_`` in one transaction; returns the receipt.

        Raises:
            ResultError: a hash is malformed or a task is not assigned to this node.
            TransactionReverted: the round is not finalized, the commit window closed, or
                this node already committed.
        """
        return commit_results(self.d, self.sender, round_, self._entries(round_, hashes))

    def reveal(self, round_: int, hashes: Mapping[int, bytes], data: Mapping[int, bytes] | None = None) -> Any:
        """Reveal what :meth:`commit` committed (the same hashes), with each result or its URI."""
        return reveal_results(self.d, self.sender, round_, self._entries(round_, hashes), data)

    def settle(self, task_ids: Sequence[int]) -> Any:
        """Settle ``task_ids`` in one transaction (anyone may; reveal windows must be over)."""
        if not task_ids:
            raise ResultError("task_ids: expected at least one task to settle")
        return settle_many(self.d, self.sender, sorted(task_ids))

    def credit(self) -> int:
        """This node's unclaimed credit in base units."""
        return int(self.d.market.functions.creditOf(self.address).call())

    def claim(self) -> int:
        """Claim this node's credit; returns the amount paid (0 when there is none)."""
        if self.credit() == 0:
            return 0
        return claim(self.d, self.sender)
