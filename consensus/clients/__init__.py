"""The protocol client of the task market, and what requesters read back from it.

Typical round::

    from consensus.clients import MarketV2, TaskInput, histories, verify_audit

    m = d.client()                                   # a MarketV2 over the deployment
    ids = m.submit(requester, [TaskInput(spec, kind, reward, deadline)])
    p = m.build_proposal(); m.propose(proposer, p)   # solve the game on chain state, bond posted
    ...                                              # a watcher: m.find_move(p, closes), commit, challenge
    m.finalize(proposer, p.round)                    # after the challenge window
    m.commit(node, p.round, secret, results); m.reveal(node, p.round, secret, results, payloads)
    m.settle(anyone, p.round); m.claim(node)
    histories(m, ids); verify_audit(m, ids[0])       # raises AuditMismatch on a bad history
"""

from consensus.clients.audit import AuditReport, fold_head, verify_audit, verify_history
from consensus.clients.errors import AuditMismatch, ClientError
from consensus.clients.history import Reveal, Step, TaskHistory, UnknownTask, histories, history
from consensus.clients.market_v2 import MarketV2, MoveKind, ProposalV2, TaskInput, TaskLeaf, results_for

__all__ = [
    "AuditMismatch",
    "AuditReport",
    "ClientError",
    "MarketV2",
    "MoveKind",
    "ProposalV2",
    "Reveal",
    "Step",
    "TaskHistory",
    "TaskInput",
    "TaskLeaf",
    "UnknownTask",
    "fold_head",
    "histories",
    "history",
    "results_for",
    "verify_audit",
    "verify_history",
]
