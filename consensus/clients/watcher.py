"""The watcher: check a round's proposal against the game and challenge it when it fails."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from web3 import Web3

from consensus.game import Allocation, Move, find_profitable_move
from contracts.bindings import Deployment
from contracts.market import ChainMove, challenge, check_move, proposal_of
from contracts.tx import Sender

from .errors import ClientError
from .moves import to_chain_move
from .state import chain_time, instance_from_chain, round_info

__all__ = ["Outcome", "Verdict", "Watcher"]


class Outcome(StrEnum):
    """What the watcher found (and did) for a round."""

    NO_PROPOSAL = "no_proposal"
    """Nothing proposed yet."""
    CLOSED = "closed"
    """Voided, finalized, or past its challenge window: nothing left to do."""
    EQUILIBRIUM = "equilibrium"
    """No profitable move exists: the proposal stands."""
    REFUTED = "refuted"
    """A move refutes it and the contract accepts it; no transaction was sent."""
    CHALLENGED = "challenged"
    """A move refutes it and the challenge transaction won the bond."""
    UNPROVABLE = "unprovable"
    """A move exists off chain but the contract would not accept it (no transaction sent)."""


@dataclass(frozen=True)
class Verdict:
    """The watcher's finding for one round.

    Attributes:
        round: The round checked.
        outcome: What was found or done.
        move: The game move that refutes the proposal, if any.
        chain_move: Its contract form, if it has one.
        tx_hash: The challenge transaction, when one was sent.
    """

    round: int
    outcome: Outcome
    move: Move | None = None
    chain_move: ChainMove | None = None
    tx_hash: str | None = None


class Watcher:
    """Checks proposals with :func:`find_profitable_move` and challenges what fails.

    A challenge is only sent after ``checkMove`` (a free call) accepts it, so the watcher
    never pays for a losing transaction.

    Args:
        d: The deployment.
        sender: The challenger's account (credited the bond when it wins).
    """

    def __init__(self, d: Deployment, sender: Sender) -> None:
        self.d = d
        self.sender = sender

    def inspect(self, round_: int | None = None) -> Verdict:
        """Check the proposal of ``round_`` (default: the current round) without sending anything."""
        if round_ is None:
            round_ = int(self.d.market.functions.currentRound().call())
        info = round_info(self.d, round_)
        if info.proposer is None:
            return Verdict(round_, Outcome.NO_PROPOSAL)
        if not info.pending or chain_time(self.d) >= info.closes_at:
            return Verdict(round_, Outcome.CLOSED)
        proposed = proposal_of(self.d, round_)
        allocation = Allocation.from_pairs((node, task) for node, tasks in proposed.items() for task in tasks)
        move = find_profitable_move(instance_from_chain(self.d, round_), allocation)
        if move is None:
            return Verdict(round_, Outcome.EQUILIBRIUM)
        try:
            chain_move = to_chain_move(move)
        except ClientError:
            return Verdict(round_, Outcome.UNPROVABLE, move)
        if not check_move(self.d, round_, chain_move):
            return Verdict(round_, Outcome.UNPROVABLE, move, chain_move)
        return Verdict(round_, Outcome.REFUTED, move, chain_move)

    def watch(self, round_: int | None = None) -> Verdict:
        """Check the proposal of ``round_`` and challenge it when a move refutes it.

        Returns:
            The verdict; ``Outcome.CHALLENGED`` with the transaction hash when a challenge was sent.

        Raises:
            TransactionReverted: the challenge lost a race (another challenger, or the window
                closed between the check and the transaction).
        """
        verdict = self.inspect(round_)
        if verdict.outcome is not Outcome.REFUTED:
            return verdict
        assert verdict.chain_move is not None  # REFUTED always carries it
        receipt = challenge(self.d, self.sender, verdict.round, verdict.chain_move)
        return Verdict(
            verdict.round, Outcome.CHALLENGED, verdict.move, verdict.chain_move, Web3.to_hex(receipt["transactionHash"])
        )
