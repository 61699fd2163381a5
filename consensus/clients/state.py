"""What the clients read from the chain: a round's record and its game instance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consensus.game import Instance, Node, Task
from contracts.bindings import Deployment
from contracts.market import chain_state, market

from .errors import RoundStateError

__all__ = ["RoundInfo", "chain_time", "instance_from_chain", "round_info"]

_ZERO = "0x" + "00" * 20


@dataclass(frozen=True)
class RoundInfo:
    """``TaskMarket.Round`` of one round plus the challenge window's end.

    Attributes:
        round: The round number.
        proposer: The proposer's address, or None when nothing was proposed.
        proposed_at: Chain time of the proposal.
        voided: A challenge won against the proposal.
        finalized: The proposal became final.
        bond: The proposer bond posted, in base units.
        commit_deadline: Last chain time a commit is taken (0 before finalize).
        reveal_deadline: Last chain time a reveal is taken (0 before finalize).
        task_limit: Tasks with a smaller id existed when the proposal was made.
        pairs: (node, task) pairs in the proposal.
        closes_at: Chain time from which the proposal can be finalized.
    """

    round: int
    proposer: str | None
    proposed_at: int
    voided: bool
    finalized: bool
    bond: int
    commit_deadline: int
    reveal_deadline: int
    task_limit: int
    pairs: int
    closes_at: int

    @property
    def pending(self) -> bool:
        """Proposed, neither voided nor finalized: open to challenge or finalize."""
        return self.proposer is not None and not self.voided and not self.finalized


def chain_time(d: Deployment) -> int:
    """Timestamp of the latest block."""
    return int(d.w3.eth.get_block("latest")["timestamp"])


def round_info(d: Deployment, round_: int) -> RoundInfo:
    """The on-chain record of ``round_``."""
    r: Any = market(d).functions.getRound(round_).call()
    proposer = None if int(r[0], 16) == 0 else str(r[0])
    window = int(d.params.functions.challengeWindow().call())
    return RoundInfo(
        round=round_,
        proposer=proposer,
        proposed_at=int(r[1]),
        voided=bool(r[2]),
        finalized=bool(r[3]),
        bond=int(r[4]),
        commit_deadline=int(r[5]),
        reveal_deadline=int(r[6]),
        task_limit=int(r[7]),
        pairs=int(r[8]),
        closes_at=int(r[1]) + window,
    )


def instance_from_chain(d: Deployment, round_: int | None = None) -> Instance:
    """The allocation game of ``round_`` (default: the current round), built from chain state.

    Tasks are the open ones (with an id below the proposal's task limit once the round has
    a proposal, as the contract checks challenges); nodes are the active ones with their
    capacities and prices. Everything is an integer in base units and the instance is
    canonical, so every machine reading the same block gets an equal instance.

    Raises:
        RoundStateError: ``round_`` is not the current round (chain state only describes
            the round being played).
    """
    current = int(market(d).functions.currentRound().call())
    if round_ is None:
        round_ = current
    if round_ != current:
        raise RoundStateError(
            f"round={round_}: chain state describes only the current round {current}; "
            "a past round's instance cannot be rebuilt from it"
        )
    limit = round_info(d, round_).task_limit
    state = chain_state(d)
    tasks = [
        Task(int(t["id"]), int(t["kind"]), int(t["reward"]), int(t["redundancy"]))
        for t in state["tasks"]
        if limit == 0 or int(t["id"]) < limit
    ]
    nodes = [
        Node(str(n["id"]), int(n["capacity"]), {int(k): int(p) for k, p in n["prices"].items()}) for n in state["nodes"]
    ]
    return Instance(tasks=tasks, nodes=nodes)
