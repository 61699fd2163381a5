"""The node's picture of the market, folded from the chain log's events.

Nothing here is stored: at start the daemon replays its SQLite chain log into a fresh
:class:`MarketView` (a local read, fast), then applies each new event as it is synced.
After a reorg the view is rebuilt from the log the same way.

The v2 market keeps hashes, not records, so everything a node needs to act comes from here:
task records from ``TasksSubmitted``, each round's whole proposal from ``AllocationProposed``
(raw bytes, decoded by the protocol client when first needed), the reveals that settle needs
from ``ResultsRevealed``, and final outcomes from ``RoundSettled`` (settled tasks) and
``TaskTransition`` (expired and cancelled ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from web3 import Web3

from consensus.clients.market_v2 import ProposalV2, parse_proposal
from contracts.codec import TaskRecord, Transition, transition_data, unpack_outcomes, unpack_submissions

__all__ = ["MarketView", "RoundView", "TaskStatus", "TaskView"]

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


class TaskStatus(Enum):
    """A task's state as its events tell it (the market itself keeps only open/allocated/closed)."""

    OPEN = "open"
    ALLOCATED = "allocated"
    SETTLED = "settled"
    REFUNDED = "refunded"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def _bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    text = str(v)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


@dataclass
class TaskView:
    """A task as its events describe it."""

    id: int
    record: TaskRecord
    spec: bytes
    status: TaskStatus = TaskStatus.OPEN
    round: int = 0

    @property
    def kind(self) -> int:
        return self.record.kind

    @property
    def deadline(self) -> int:
        return self.record.deadline


@dataclass
class RoundView:
    """A round with a proposal."""

    round: int
    proposer: str
    proposal: bytes
    block: int
    challenge_closes: int
    voided: bool = False
    finalized: bool = False
    settled: bool = False
    commit_deadline: int = 0
    reveal_deadline: int = 0
    committed: set[str] = field(default_factory=set)
    revealed: dict[str, list[bytes]] = field(default_factory=dict)
    _parsed: ProposalV2 | None = field(default=None, repr=False, compare=False)

    @property
    def pending(self) -> bool:
        return not self.voided and not self.finalized

    @property
    def parsed(self) -> ProposalV2:
        """The proposal, decoded once (assignments and allocated ids; no eligibility)."""
        if self._parsed is None:
            self._parsed = parse_proposal(self.proposal)
        return self._parsed


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
        if name == "TasksSubmitted":
            for tid, record, spec in unpack_submissions(
                    int(args["firstId"]), Web3.to_checksum_address(args["requester"]), int(args["defaultRedundancy"]),
                    _bytes(args["tasks"])):
                self.tasks[tid] = TaskView(tid, record, spec)
        elif name == "TaskTransition":
            self._transition(int(args["id"]), int(args["kind"]), _bytes(args["data"]))
        elif name == "AllocationProposed":
            r = int(args["round"])
            self.rounds[r] = RoundView(r, Web3.to_checksum_address(args["proposer"]), _bytes(args["proposal"]),
                                       block, int(args["challengeCloses"]))
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
                # Finalize allocated the proposal's allocated tasks that were still open.
                for tid in rv.parsed.allocated_ids:
                    t = self.tasks.get(tid)
                    if t is not None and t.status is TaskStatus.OPEN:
                        t.status = TaskStatus.ALLOCATED
                        t.round = r
            self.current_round = max(self.current_round, r + 1)
        elif name == "ResultsCommitted":
            r = int(args["round"])
            if r in self.rounds:
                self.rounds[r].committed.add(Web3.to_checksum_address(args["node"]))
        elif name == "ResultsRevealed":
            r = int(args["round"])
            if r in self.rounds:
                self.rounds[r].revealed[Web3.to_checksum_address(args["node"])] = [
                    _bytes(x) for x in args["results"]]
        elif name == "RoundSettled":
            r = int(args["round"])
            if r in self.rounds:
                self.rounds[r].settled = True
            for o in unpack_outcomes(_bytes(args["outcomes"])):
                self._transition(o.id, Transition.SETTLED, o.data)
        elif name in _REGISTRY_EVENTS:
            self.registry_changed = True

    def _transition(self, tid: int, kind: int, data: bytes) -> None:
        t = self.tasks.get(tid)
        if t is None:
            return
        if kind == Transition.SETTLED:
            winner = transition_data(kind, data)["winner"]
            t.status = TaskStatus.SETTLED if int.from_bytes(winner, "big") else TaskStatus.REFUNDED
        elif kind == Transition.EXPIRED:
            t.status = TaskStatus.EXPIRED
        elif kind == Transition.CANCELLED:
            t.status = TaskStatus.CANCELLED

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
            out[t.status.value] = out.get(t.status.value, 0) + 1
        return out
