"""Task market flows: submit, propose, challenge, finalize, commit, reveal, settle, claim,
and the audit head rebuilt from events.

Everything here is plain values (ints, addresses, bytes): the game that decides *what* to
propose or challenge lives in ``consensus``; this module only speaks to the contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

from .bindings import Deployment
from .codec import ZERO32, batch_commitment, extend_head, item_commitment
from .errors import ChainError, ConfigError
from .kinds import TaskKind
from .tx import Sender

__all__ = [
    "ChainMove",
    "MoveKind",
    "TaskStatus",
    "Transition",
    "batch_commitment",
    "chain_state",
    "challenge",
    "check_move",
    "claim",
    "commit_results",
    "finalize",
    "item_commitment",
    "market",
    "proposal_of",
    "propose_allocation",
    "rebuild_head",
    "reveal_results",
    "settle",
    "settle_many",
    "submit_task",
    "submit_tasks",
    "transitions",
]


class TaskStatus(IntEnum):
    """``TaskMarket.Status``."""

    NONE = 0
    OPEN = 1
    ALLOCATED = 2
    SETTLED = 3
    REFUNDED = 4
    EXPIRED = 5


class Transition(IntEnum):
    """``TaskMarket.Transition``: the kinds of audit-head steps."""

    SUBMITTED = 0
    ALLOCATED = 1
    REVEALED = 2
    SETTLED = 3
    REFUNDED = 4
    EXPIRED = 5


class MoveKind(IntEnum):
    """``TaskMarket.MoveKind``."""

    ADD = 0
    DROP = 1
    SWAP = 2
    OVER_CAPACITY = 3
    UNSUPPORTED_KIND = 4
    UNKNOWN_NODE = 5


@dataclass(frozen=True)
class ChainMove:
    """A challenge as the contract takes it (``TaskMarket.Move``).

    For a swap ``task``/``count`` is the task left and ``other_task``/``other_count`` the
    task joined; ``load`` is the node's task count. Unused fields stay 0.
    """

    kind: MoveKind
    node: str
    task: int = 0
    other_task: int = 0
    load: int = 0
    count: int = 0
    other_count: int = 0

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            int(self.kind),
            Web3.to_checksum_address(self.node),
            self.task,
            self.other_task,
            self.load,
            self.count,
            self.other_count,
        )


def market(d: Deployment) -> Any:
    """The TaskMarket contract of a deployment."""
    return d.contract("market")


def _event_args(contract: Any, receipt: Any, event: str) -> list[Any]:
    return [log["args"] for log in getattr(contract.events, event)().process_receipt(receipt, errors=DISCARD)]


def submit_task(
    d: Deployment,
    sender: Sender,
    *,
    spec: bytes,
    kind: int,
    reward: int,
    deadline: int,
    redundancy: int = 0,
    min_redundancy: int = 0,
    spec_hash: bytes | None = None,
) -> int:
    """Approve ``reward`` and submit a task; returns its id. ``spec_hash`` defaults to keccak(spec)."""
    TaskKind(kind)  # a clear error for a kind that does not exist, before any transaction
    if reward <= 0:
        raise ConfigError(f"reward must be positive, got {reward}")
    m = market(d)
    sender.transact(d.token.functions.approve(m.address, reward))
    receipt = sender.transact(
        m.functions.submitTask(
            spec_hash if spec_hash is not None else keccak(spec),
            spec,
            kind,
            reward,
            redundancy,
            min_redundancy,
            deadline,
        )
    )
    return int(_event_args(m, receipt, "TaskSpec")[0]["taskId"])


def submit_tasks(d: Deployment, sender: Sender, tasks: Sequence[Mapping[str, Any]]) -> list[int]:
    """Approve the total and submit ``tasks`` in one transaction; returns their ids.

    Each task is a mapping with ``spec``, ``kind``, ``reward``, ``deadline`` and optionally
    ``redundancy``, ``min_redundancy`` and ``spec_hash``, as in :func:`submit_task`.
    """
    for t in tasks:
        TaskKind(t["kind"])
    m = market(d)
    total = sum(int(t["reward"]) for t in tasks)
    sender.transact(d.token.functions.approve(m.address, total))
    inputs = [
        (
            t.get("spec_hash") or keccak(t["spec"]),
            t["spec"],
            t["kind"],
            t["reward"],
            t.get("redundancy", 0),
            t.get("min_redundancy", 0),
            t["deadline"],
        )
        for t in tasks
    ]
    receipt = sender.transact(m.functions.submitTasks(inputs))
    return [int(a["taskId"]) for a in _event_args(m, receipt, "TaskSpec")]


def propose_allocation(
    d: Deployment, sender: Sender, round_: int, assignments: Mapping[str, Sequence[int]]
) -> Any:
    """Approve the proposer bond and propose ``{node: [task ids]}`` for ``round_``; returns the receipt."""
    m = market(d)
    bond = int(d.params.functions.proposerBond().call())
    if bond:
        sender.transact(d.token.functions.approve(m.address, bond))
    payload = [(Web3.to_checksum_address(n), list(ts)) for n, ts in assignments.items() if ts]
    return sender.transact(m.functions.proposeAllocation(round_, payload))


def proposal_of(d: Deployment, round_: int) -> dict[str, list[int]]:
    """The allocation proposed for ``round_`` ({node: task ids}), read back from its transaction."""
    m = market(d)
    start = d.manifest.contracts["market"].block
    logs = m.events.AllocationProposed().get_logs(from_block=start, argument_filters={"round": round_})
    if not logs:
        raise ChainError(f"no allocation was proposed for round {round_}")
    tx = d.w3.eth.get_transaction(logs[-1]["transactionHash"])
    _, args = m.decode_function_input(tx["input"])
    out: dict[str, list[int]] = {}
    for item in args["assignments"]:
        node, tasks = (item["node"], item["tasks"]) if isinstance(item, Mapping) else item
        out.setdefault(Web3.to_checksum_address(node), []).extend(int(t) for t in tasks)
    return out


def check_move(d: Deployment, round_: int, move: ChainMove) -> bool:
    """The contract's verdict on ``move`` against the proposal of ``round_`` (a call, no transaction)."""
    return bool(market(d).functions.checkMove(round_, move.as_tuple()).call())


def challenge(d: Deployment, sender: Sender, round_: int, move: ChainMove) -> Any:
    """Challenge the proposal of ``round_`` with ``move``; returns the receipt."""
    return sender.transact(market(d).functions.challenge(round_, move.as_tuple()))


def finalize(d: Deployment, sender: Sender, round_: int) -> Any:
    """Finalize the unchallenged proposal of ``round_`` (task list read from the proposal)."""
    tasks = sorted({t for ts in proposal_of(d, round_).values() for t in ts})
    return sender.transact(market(d).functions.finalize(round_, tasks))


def commit_results(
    d: Deployment, sender: Sender, round_: int, results: Mapping[int, tuple[bytes, bytes]]
) -> Any:
    """Commit ``{task id: (result hash, salt)}`` for ``round_`` in one transaction."""
    ids = sorted(results)
    items = [item_commitment(results[t][0], results[t][1], sender.address) for t in ids]
    return sender.transact(market(d).functions.commit(round_, batch_commitment(ids, items)))


def reveal_results(
    d: Deployment,
    sender: Sender,
    round_: int,
    results: Mapping[int, tuple[bytes, bytes]],
    data: Mapping[int, bytes] | None = None,
) -> Any:
    """Reveal what :func:`commit_results` committed; ``data`` holds each result or its URI."""
    ids = sorted(results)
    data = data or {}
    return sender.transact(
        market(d).functions.reveal(
            round_,
            ids,
            [results[t][0] for t in ids],
            [results[t][1] for t in ids],
            [data.get(t, b"") for t in ids],
        )
    )


def settle(d: Deployment, sender: Sender, task_id: int) -> Any:
    """Settle ``task_id``, naming its assigned nodes from the proposal of its round."""
    m = market(d)
    round_ = int(m.functions.getTask(task_id).call()[7])
    # A task never proposed has no node list; the contract then names its state in the revert.
    nodes = [n for n, ts in proposal_of(d, round_).items() if task_id in ts] if round_ else []
    nodes.sort(key=lambda a: int(a, 16))
    return sender.transact(m.functions.settle(task_id, nodes))


def settle_many(d: Deployment, sender: Sender, task_ids: Sequence[int]) -> Any:
    """Settle ``task_ids`` (all allocated, reveal windows over) in one transaction."""
    m = market(d)
    proposals: dict[int, dict[str, list[int]]] = {}
    lists = []
    for tid in task_ids:
        round_ = int(m.functions.getTask(tid).call()[7])
        if round_ and round_ not in proposals:
            proposals[round_] = proposal_of(d, round_)
        nodes = [n for n, ts in proposals.get(round_, {}).items() if tid in ts]
        lists.append(sorted(nodes, key=lambda a: int(a, 16)))
    return sender.transact(m.functions.settleMany(list(task_ids), lists))


def claim(d: Deployment, sender: Sender, account: str | None = None) -> int:
    """Claim the credit of ``account`` (default: the sender); returns the amount paid."""
    m = market(d)
    fn = m.functions.claim() if account is None else m.functions.claimFor(account)
    receipt = sender.transact(fn)
    return sum(int(a["amount"]) for a in _event_args(m, receipt, "Claimed"))


def transitions(d: Deployment, task_id: int) -> list[tuple[int, bytes, bytes]]:
    """``(kind, data, head)`` of every ``TaskTransition`` of ``task_id``, in chain order."""
    m = market(d)
    start = d.manifest.contracts["market"].block
    logs = m.events.TaskTransition().get_logs(from_block=start, argument_filters={"taskId": task_id})
    logs = sorted(logs, key=lambda e: (e["blockNumber"], e["logIndex"]))
    return [(int(e["args"]["kind"]), bytes(e["args"]["data"]), bytes(e["args"]["head"])) for e in logs]


def rebuild_head(steps: Iterable[tuple[int, bytes, bytes]]) -> bytes:
    """Fold ``head' = keccak256(abi.encode(head, kind, data))`` over ``steps`` from zero.

    Raises:
        ChainError: a step's recorded head differs from the folded one (the history is not
            the one the chain hashed).
    """
    head = ZERO32
    for n, (kind, data, recorded) in enumerate(steps):
        head = extend_head(head, kind, data)
        if head != recorded:
            raise ChainError(f"audit step {n} (kind {kind}): folded head 0x{head.hex()} != recorded 0x{recorded.hex()}")
    return head


def chain_state(d: Deployment) -> dict[str, Any]:
    """What a round's game is built from: the current round, the open tasks and the active nodes.

    Returns:
        ``{"round", "tasks": [{"id", "kind", "reward", "redundancy"}], "nodes": [{"id",
        "capacity", "prices": {kind: price}}]}``, all integers and checksummed addresses.
    """
    m, r = market(d), d.registry.functions
    tasks = []
    for tid in range(1, int(m.functions.nextTaskId().call())):
        t = m.functions.getTask(tid).call()
        if t[1] == TaskStatus.OPEN:
            tasks.append({"id": tid, "kind": int(t[2]), "reward": int(t[8]), "redundancy": int(t[3])})
    nodes = []
    for op in r.operators().call():
        if not r.isActive(op).call():
            continue
        mask = int(r.getNode(op).call()[4])
        prices = {k: int(r.priceOf(op, k).call()) for k in range(256) if (mask >> k) & 1}
        nodes.append({"id": Web3.to_checksum_address(op), "capacity": int(r.capacityOf(op).call()), "prices": prices})
    return {"round": int(m.functions.currentRound().call()), "tasks": tasks, "nodes": nodes}
