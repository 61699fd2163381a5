"""Clients of the task market: proposer, watcher/challenger, a node's results, audit verifier.

Typical round::

    from consensus.clients import NodeResults, Proposer, Watcher, verify_audit

    proposal = Proposer(d, proposer_sender).propose()     # solve and propose, bond posted
    verdict = Watcher(d, watcher_sender).watch()          # challenges only what checkMove accepts
    ...                                                   # after the challenge window:
    Proposer(d, proposer_sender).finalize(proposal.round)
    node = NodeResults(d, node_sender, secret)            # salts derived from the secret
    node.commit(round_, hashes); node.reveal(round_, hashes, data); node.settle(ids); node.claim()
    verify_audit(d, task_id)                              # raises AuditMismatch on a bad history
"""

from consensus.clients.audit import AuditReport, fold_head, verify_audit
from consensus.clients.errors import (
    AuditMismatch,
    ChallengeWindowOpen,
    ClientError,
    ResultError,
    RoundStateError,
)
from consensus.clients.moves import to_chain_move
from consensus.clients.proposer import Proposal, Proposer
from consensus.clients.results import NodeResults, derive_salt, result_hash
from consensus.clients.state import RoundInfo, chain_time, instance_from_chain, round_info
from consensus.clients.watcher import Outcome, Verdict, Watcher

__all__ = [
    "AuditMismatch",
    "AuditReport",
    "ChallengeWindowOpen",
    "ClientError",
    "NodeResults",
    "Outcome",
    "Proposal",
    "Proposer",
    "ResultError",
    "RoundInfo",
    "RoundStateError",
    "Verdict",
    "Watcher",
    "chain_time",
    "derive_salt",
    "fold_head",
    "instance_from_chain",
    "result_hash",
    "round_info",
    "to_chain_move",
    "verify_audit",
]
