"""Task histories for the requester side, built from the market's events.

The v2 market keeps no task records, only heads and two status bits, so what a requester
wants to know (who worked on a task, what each node revealed, who won, what was paid and
refunded) is rebuilt here from ``TaskSubmitted``, ``AllocationProposed``,
``AllocationFinalized``, ``ResultsRevealed`` and ``TaskTransition``. :func:`histories` reads
each event type once for any number of tasks.

Typical use::

    h = history(d.client(), task_id)
    if h.status == "settled":
        digest, payload = h.winning_reveal()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from eth_abi import decode
from web3 import Web3

from contracts import codec
from contracts.codec import TaskRecord, Transition

from .errors import ClientError
from .market_v2 import _PROPOSAL_TYPE, MarketV2, Status

__all__ = ["Reveal", "Step", "TaskHistory", "TaskStatus", "UnknownTask", "history", "histories"]

TaskStatus = Literal["open", "allocated", "settled", "refunded", "expired", "cancelled"]

#: The statuses a task never leaves.
FINAL: frozenset[str] = frozenset({"settled", "refunded", "expired", "cancelled"})


class UnknownTask(ClientError, LookupError):
    """No ``TaskSubmitted`` event names the task."""

    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id}: unknown (no TaskSubmitted event); check the id and the deployment")


@dataclass(frozen=True)
class Step:
    """One ``TaskTransition`` of a task, in chain order."""

    kind: int
    data: bytes
    head: bytes
    block: int


@dataclass(frozen=True)
class Reveal:
    """What one node revealed for one task: its result digest and its payload."""

    digest: bytes
    payload: bytes


@dataclass(frozen=True)
class TaskHistory:
    """Everything the events say about one task.

    Attributes:
        id: The task id.
        record: Its fields, from ``TaskSubmitted``.
        spec: The spec bytes (or URI) submitted.
        head0: The head ``TaskSubmitted`` recorded.
        status: open, allocated, settled (a majority winner), refunded (settle found no
            majority), expired or cancelled.
        round: The round that allocated it, or None.
        nodes: The nodes it was allocated to (checksummed), in proposal order.
        winner: The winning digest, or None.
        winners: How many nodes revealed the winning digest.
        price: Paid per winner (before the fee).
        fee: The protocol fee per winner.
        refund: What went back to the requester.
        reveals: Node address -> its reveal for this task.
        steps: The task's transitions.
    """

    id: int
    record: TaskRecord
    spec: bytes
    head0: bytes
    status: TaskStatus
    round: int | None
    nodes: tuple[str, ...]
    winner: bytes | None
    winners: int
    price: int
    fee: int
    refund: int
    reveals: dict[str, Reveal]
    steps: tuple[Step, ...]

    @property
    def final(self) -> bool:
        """Whether the task is in a status it never leaves."""
        return self.status in FINAL

    def winning_reveal(self) -> tuple[str, Reveal] | None:
        """The first node (in proposal order) whose reveal matches the winner, or None."""
        if self.winner is None:
            return None
        for node in (*self.nodes, *self.reveals):
            r = self.reveals.get(node)
            if r is not None and r.digest == self.winner:
                return node, r
        return None


@dataclass(frozen=True)
class _Round:
    nodes: tuple[str, ...]
    tasks: dict[int, tuple[int, ...]]  # allocated task -> node indices

    def assigned(self, index: int) -> list[int]:
        return sorted(t for t, ns in self.tasks.items() if index in ns)


def _record(r: Any) -> TaskRecord:
    return TaskRecord(
        requester=r["requester"],
        spec_hash=bytes(r["specHash"]),
        kind=int(r["kind"]),
        reward=int(r["reward"]),
        redundancy=int(r["redundancy"]),
        min_redundancy=int(r["minRedundancy"]),
        deadline=int(r["deadline"]),
    )


def _logs(event: Any, m: MarketV2, **filters: Any) -> list[Any]:
    kwargs: dict[str, Any] = {"from_block": m.from_block, "to_block": "latest"}
    if filters:
        kwargs["argument_filters"] = filters
    return list(event().get_logs(**kwargs))


def _rounds(m: MarketV2) -> dict[int, _Round]:
    """The finalized rounds, each with its last proposal's allocated tasks."""
    finalized = {int(e["args"]["round"]) for e in _logs(m.market.events.AllocationFinalized, m)}
    out: dict[int, _Round] = {}
    for e in _logs(m.market.events.AllocationProposed, m):  # a later proposal of a round replaces one abandoned
        r, raw = decode(["uint256", _PROPOSAL_TYPE], bytes(e["args"]["proposal"]))
        if int(r) not in finalized:
            continue
        _limit, nodes, _loads, tasks, _lambdas = raw
        tasks_ = {int(t[0]): tuple(int(i) for i in t[2]) for t in tasks if len(t[2]) > 0 and len(t[2]) >= int(t[1][5])}
        out[int(r)] = _Round(tuple(Web3.to_checksum_address(n[0]) for n in nodes), tasks_)
    return out


def histories(m: MarketV2, task_ids: Iterable[int]) -> dict[int, TaskHistory]:
    """The histories of ``task_ids``, reading each event type once.

    Raises:
        UnknownTask: an id has no ``TaskSubmitted`` event.
    """
    wanted = list(dict.fromkeys(int(t) for t in task_ids))
    if not wanted:
        return {}
    ids = set(wanted)
    submitted = {
        int(e["args"]["id"]): e for e in _logs(m.market.events.TaskSubmitted, m) if int(e["args"]["id"]) in ids
    }
    for t in wanted:
        if t not in submitted:
            raise UnknownTask(t)
    steps: dict[int, list[Step]] = {t: [] for t in wanted}
    for e in _logs(m.market.events.TaskTransition, m):
        t = int(e["args"]["id"])
        if t in ids:
            steps[t].append(
                Step(int(e["args"]["kind"]), bytes(e["args"]["data"]), bytes(e["args"]["head"]), int(e["blockNumber"]))
            )
    rounds = _rounds(m)
    allocated_in: dict[int, int] = {}
    for r, info in sorted(rounds.items()):
        for t in info.tasks:
            if t in ids:
                allocated_in[t] = r  # a task is allocated once; the last round wins if ever twice
    reveals: dict[int, dict[str, Reveal]] = {t: {} for t in wanted}
    for e in _logs(m.market.events.ResultsRevealed, m):
        r = int(e["args"]["round"])
        info = rounds.get(r)
        if info is None:
            continue
        node = Web3.to_checksum_address(e["args"]["node"])
        if node not in info.nodes:
            continue
        order = info.assigned(info.nodes.index(node))
        results = [bytes(x) for x in e["args"]["results"]]
        payloads = codec.decode_payloads(bytes(e["args"]["payloads"]), len(results))
        for t, digest, payload in zip(order, results, payloads, strict=False):
            if t in ids and allocated_in.get(t) == r:
                reveals[t][node] = Reveal(digest, payload)
    status_bits = {t: Status(int(m.market.functions.statusOf(t).call())) for t in wanted}
    out: dict[int, TaskHistory] = {}
    for t in wanted:
        e = submitted[t]
        out[t] = _build(t, e, steps[t], rounds, allocated_in.get(t), reveals[t], status_bits[t])
    return out


def _build(
    t: int,
    e: Any,
    steps: list[Step],
    rounds: dict[int, _Round],
    round_: int | None,
    reveals: dict[str, Reveal],
    bits: Status,
) -> TaskHistory:
    status: TaskStatus = "allocated" if bits is Status.ALLOCATED else "open"
    winner: bytes | None = None
    winners = price = fee = refund = 0
    for s in steps:
        fields = codec.transition_data(s.kind, s.data)
        if s.kind == Transition.SETTLED:
            w = bytes(fields["winner"])
            winner = None if w == codec.ZERO32 else w
            winners, price, fee = int(fields["winners"]), int(fields["price"]), int(fields["fee"])
            refund = int(fields["refund"])
            status = "settled" if winner is not None else "refunded"
        elif s.kind == Transition.EXPIRED:
            status, refund = "expired", int(fields["refund"])
        elif s.kind == Transition.CANCELLED:
            status, refund = "cancelled", int(fields["refund"])
    nodes: tuple[str, ...] = ()
    if round_ is not None:
        info = rounds[round_]
        nodes = tuple(info.nodes[i] for i in info.tasks[t])
    return TaskHistory(
        id=t,
        record=_record(e["args"]["record"]),
        spec=bytes(e["args"]["spec"]),
        head0=bytes(e["args"]["head"]),
        status=status,
        round=round_,
        nodes=nodes,
        winner=winner,
        winners=winners,
        price=price,
        fee=fee,
        refund=refund,
        reveals=reveals,
        steps=tuple(steps),
    )


def history(m: MarketV2, task_id: int) -> TaskHistory:
    """The history of one task (see :func:`histories`).

    Raises:
        UnknownTask: no ``TaskSubmitted`` event names ``task_id``.
    """
    return histories(m, [task_id])[task_id]
