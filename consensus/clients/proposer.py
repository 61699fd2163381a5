"""The proposer: solve the current round's game, propose it with the bond, finalize it."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from consensus.game import Allocation, solve
from contracts.bindings import Deployment
from contracts.market import finalize, propose_allocation
from contracts.tx import Sender

from .errors import ChallengeWindowOpen, RoundStateError
from .state import RoundInfo, chain_time, instance_from_chain, round_info

__all__ = ["Proposal", "Proposer"]


@dataclass(frozen=True)
class Proposal:
    """A proposal this client sent.

    Attributes:
        round: The round proposed for.
        allocation: The equilibrium proposed.
        tx_hash: The proposal transaction.
        closes_at: Chain time from which it can be finalized.
    """

    round: int
    allocation: Allocation
    tx_hash: str
    closes_at: int


class Proposer:
    """Proposes the equilibrium of each round and finalizes it once unchallenged.

    Args:
        d: The deployment.
        sender: The proposer's account; it must hold the proposer bond.
    """

    def __init__(self, d: Deployment, sender: Sender) -> None:
        self.d = d
        self.sender = sender

    def plan(self, round_: int | None = None) -> Allocation:
        """The allocation this client would propose for ``round_`` (no transaction)."""
        return solve(instance_from_chain(self.d, round_))

    def propose(self) -> Proposal | None:
        """Solve the current round and propose its equilibrium; None when it assigns nothing.

        Raises:
            RoundStateError: the current round already has a proposal.
            TransactionReverted: the contract refused (e.g. the bond is not covered).
        """
        round_ = int(self.d.market.functions.currentRound().call())
        info = round_info(self.d, round_)
        if info.proposer is not None:
            raise RoundStateError(
                f"round {round_} already has a proposal by {info.proposer}; watch it, or wait for the next round"
            )
        allocation = self.plan(round_)
        if len(allocation) == 0:
            return None
        mapping = {str(n): [int(t) for t in ts] for n, ts in allocation.by_node().items()}
        receipt = propose_allocation(self.d, self.sender, round_, mapping)
        closes = round_info(self.d, round_).closes_at
        tx_hash = Web3.to_hex(receipt["transactionHash"])
        return Proposal(round=round_, allocation=allocation, tx_hash=tx_hash, closes_at=closes)

    def finalize(self, round_: int) -> RoundInfo:
        """Finalize the unchallenged proposal of ``round_``; returns the round with its deadlines.

        Raises:
            RoundStateError: the round has no proposal, or it was voided or already finalized.
            ChallengeWindowOpen: the challenge window has not closed yet.
        """
        info = round_info(self.d, round_)
        if not info.pending:
            state = "no proposal" if info.proposer is None else ("voided" if info.voided else "finalized")
            raise RoundStateError(f"round {round_} cannot be finalized: it is {state}")
        now = chain_time(self.d)
        if now < info.closes_at:
            raise ChallengeWindowOpen(round_, info.closes_at, now)
        finalize(self.d, self.sender, round_)
        return round_info(self.d, round_)
