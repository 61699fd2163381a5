"""The node's picture of the market, folded from the chain log's events.

Nothing here is stored: at start the daemon replays its SQLite chain log into a fresh
:class:`MarketView` (a local read, fast), then applies each new event as it is synced.
After a reorg the view is rebuilt from the log the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode
from web3 import Web3

from contracts.market import TaskStatus, Transition

__all__ = ["MarketView", "RoundView", "TaskView"]

_SUBMITTED = ["address", "bytes32", "uint8", "uint256", "uint256", "uint256", "uint64"]
_ALLOCATED = ["uint256", "uint256", "uint256", "uint256"]
_REVEALED = ["address", "bytes32", "bytes"]
_REGISTRY_EVENTS = {
    "NodeRegistered",
    "NodeDeregistered",
    "CapacitySet",
    "EndpointSet",
    "SigningKeySet",
    "PricesSet",
    "Staked",
    "UnstakeRequested",
    "Withdrawn",
    "Slashed",
    "ParamChanged",
}
_FINAL = {
    Transition.SETTLED: TaskStatus.SETTLED,
    Transition.REFUNDED: TaskStatus.REFUNDED,
    Transition.EXPIRED: TaskStatus.EXPIRED,
}


def _bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    text = str(v)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


@dataclass
class TaskView:
    """A task as its events describe it."""

    id: int
    requester: str
    spec_hash: bytes
    kind: int
    reward: int
    redundancy: int
    min_redundancy: int
    deadline: int
    status: TaskStatus = TaskStatus.OPEN
    round: int = 0
    spec: bytes | None = None
    revealed_by: set[str] = field(default_factory=set)


@dataclass
class RoundView:
    """A round with a proposal."""

    round: int
    proposer: str
    pairs: int
    block: int
    voided: bool = False
    finalized: bool = False
    commit_deadline: int = 0
    reveal_deadline: int = 0
    allocated: set[int] = field(default_factory=set)
    committed: set[str] = field(default_factory=set)

    @property
    def pending(self) -> bool:
        return not self.voided and not self.finalized


class MarketView:
    """Tasks and rounds folded from events, plus the current round number."""

    def __init__(self) -> None:
        self.tasks: dict[int, TaskView] = {}
        self.rounds: dict[int, RoundView] = {}
        self.current_round = 1
        self.registry_changed = True
        self.last_event_id = 0

    def apply(self, name: str, args: dict[str, Any], block: int, event_id: int = 0) -> None:
        """Fold one event (as the chain log decoded it) into the view."""
        self.last_event_id = max(self.last_event_id, event_id)
        if name == "TaskTransition":
            self._transition(int(args["taskId"]), int(args["kind"]), _bytes(args["data"]))
        elif name == "TaskSpec":
            t = self.tasks.get(int(args["taskId"]))
            if t is not None:
                t.spec = _bytes(args["spec"])
        elif name == "AllocationProposed":
            r = int(args["round"])
            self.rounds[r] = RoundView(r, Web3.to_checksum_address(args["proposer"]), int(args["pairs"]), block)
            self.current_round = max(self.current_round, r)
        elif name in ("AllocationChallenged", "AllocationAbandoned"):
            r = int(args["round"])
            if r in self.rounds:
                self.rounds[r].voided = True
            self.current_round = max(self.current_round, r + 1)
        elif name == "AllocationFinalized":
            r = int(args["round"])
            if r in self.rounds:
                rv = self.rounds[r]
                rv.finalized = True
                rv.commit_deadline = int(args["commitDeadline"])
                rv.reveal_deadline = int(args["revealDeadline"])
            self.current_round = max(self.current_round, r + 1)
        elif name == "ResultsCommitted":
            r = int(args["round"])
            if r in self.rounds:
                self.rounds[r].committed.add(Web3.to_checksum_address(args["node"]))
        elif name in _REGISTRY_EVENTS:
            self.registry_changed = True

    def _transition(self, tid: int, kind: int, data: bytes) -> None:
        if kind == Transition.SUBMITTED:
            requester, spec_hash, k, reward, red, min_red, deadline = decode(_SUBMITTED, data)
            spec = self.tasks[tid].spec if tid in self.tasks else None
            self.tasks[tid] = TaskView(
                tid,
                Web3.to_checksum_address(requester),
                bytes(spec_hash),
                int(k),
                int(reward),
                int(red),
                int(min_red),
                int(deadline),
                spec=spec,
            )
            return
        t = self.tasks.get(tid)
        if t is None:
            return
        if kind == Transition.ALLOCATED:
            r = int(decode(_ALLOCATED, data)[0])
            t.status = TaskStatus.ALLOCATED
            t.round = r
            if r in self.rounds:
                self.rounds[r].allocated.add(tid)
        elif kind == Transition.REVEALED:
            t.revealed_by.add(Web3.to_checksum_address(decode(_REVEALED, data)[0]))
        elif kind in _FINAL:
            t.status = _FINAL[Transition(kind)]

    def open_tasks(self, below: int | None = None) -> list[TaskView]:
        """Open tasks in id order (ids below ``below`` when given)."""
        return [
            t
            for tid, t in sorted(self.tasks.items())
            if t.status is TaskStatus.OPEN and (below is None or below == 0 or tid < below)
        ]

    def counts(self) -> dict[str, int]:
        """Tasks per status name."""
        out: dict[str, int] = {}
        for t in self.tasks.values():
            out[t.status.name.lower()] = out.get(t.status.name.lower(), 0) + 1
        return out
