"""Task histories for the requester side, built from the market's events.

The v2 market keeps no task records, only heads and two status bits, so what a requester
wants to know (who worked on a task, what each node revealed, who won, what was paid and
refunded) is rebuilt here from ``TasksSubmitted``, ``AllocationProposed``,
``AllocationFinalized``, ``ResultsRevealed``, ``TaskTransition`` and ``RoundSettled``. :func:`histories` reads
each event type once for any number of tasks.

Typical use::

    h = history(d.client(), task_id)
    if h.status == "settled":
        digest, payload = h.winning_reveal()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from web3 import Web3

from contracts import codec
from contracts.codec import TaskRecord, Transition

from .errors import ClientError
from .market_v2 import MarketV2, ProposalV2, Status, parse_proposal, submissions

__all__ = ["Reveal", "Step", "TaskHistory", "TaskStatus", "UnknownTask", "history", "histories"]

TaskStatus = Literal["open", "allocated", "settled", "refunded", "expired", "cancelled"]

#: The statuses a task never leaves.
FINAL: frozenset[str] = frozenset({"settled", "refunded", "expired", "cancelled"})


class UnknownTask(ClientError, LookupError):
    """No ``TasksSubmitted`` event names the task."""

    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id}: unknown (no TasksSubmitted event names it); check the id and the deployment")


@dataclass(frozen=True)
class Step:
    """One transition of a task, in chain order: a ``TaskTransition`` (expired, cancelled), or
    the task's outcome in its round's ``RoundSettled``.

    ``head`` is the head the event recorded; ``None`` for a settlement, whose round event
    records no per-task head (the fold is then checked against ``headOf`` only).
    """

    kind: int
    data: bytes
    head: bytes | None
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
        record: Its fields, from ``TasksSubmitted``.
        spec: The spec bytes (or URI) submitted.
        head0: The head of that record at submission (``task_head0``).
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
        slashed: Node -> its share of the round's slash for this task (the node's
            ``NodeSlashed`` amount over its bad results in the round): a node assigned the task
            that revealed nothing or, where there was a majority, another result.
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
    slashed: dict[str, int] = field(default_factory=dict)

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


def _logs(event: Any, m: MarketV2, **filters: Any) -> list[Any]:
    kwargs: dict[str, Any] = {"from_block": m.from_block, "to_block": "latest"}
    if filters:
        kwargs["argument_filters"] = filters
    return list(event().get_logs(**kwargs))


def _rounds(m: MarketV2) -> dict[int, ProposalV2]:
    """The finalized rounds, each with the proposal finalize accepted."""
    finalized = {int(e["args"]["round"]) for e in _logs(m.market.events.AllocationFinalized, m)}
    out: dict[int, ProposalV2] = {}
    for e in _logs(m.market.events.AllocationProposed, m):  # a later proposal of a round replaces one abandoned
        p = parse_proposal(bytes(e["args"]["proposal"]))
        if p.round in finalized:
            out[p.round] = p
    return out


def histories(m: MarketV2, task_ids: Iterable[int]) -> dict[int, TaskHistory]:
    """The histories of ``task_ids``, reading each event type once.

    Raises:
        UnknownTask: no ``TasksSubmitted`` event names an id.
    """
    wanted = list(dict.fromkeys(int(t) for t in task_ids))
    if not wanted:
        return {}
    ids = set(wanted)
    submitted = {
        tid: (record, spec)
        for e in _logs(m.market.events.TasksSubmitted, m)
        for tid, record, spec in submissions(e["args"])
        if tid in ids
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
    for e in _logs(m.market.events.RoundSettled, m):
        for o in codec.unpack_outcomes(bytes(e["args"]["outcomes"])):
            if o.id in ids:
                steps[o.id].append(Step(int(Transition.SETTLED), o.data, None, int(e["blockNumber"])))
    for t in wanted:
        steps[t].sort(key=lambda s: s.block)
    rounds = _rounds(m)
    allocated_in: dict[int, int] = {}
    for r, p in sorted(rounds.items()):
        for t in p.allocated_ids:
            if t in ids:
                allocated_in[t] = r  # finalize closes a task's allocation: once per task
    reveals: dict[int, dict[str, Reveal]] = {t: {} for t in wanted}
    for e in _logs(m.market.events.ResultsRevealed, m):
        r = int(e["args"]["round"])
        p = rounds.get(r)
        if p is None:
            continue
        node = Web3.to_checksum_address(e["args"]["node"])
        try:
            order = p.assigned(node)
        except ClientError:
            continue
        results = [bytes(x) for x in e["args"]["results"]]
        payloads = codec.decode_payloads(bytes(e["args"]["payloads"]), len(results))
        for t, digest, payload in zip(order, results, payloads, strict=False):
            if t in ids and allocated_in.get(t) == r:
                reveals[t][node] = Reveal(digest, payload)
    status_bits = {t: Status(int(m.market.functions.statusOf(t).call())) for t in wanted}
    slashes = {(int(e["args"]["round"]), Web3.to_checksum_address(e["args"]["node"])):
               (int(e["args"]["amount"]), int(e["args"]["badTasks"]))
               for e in _logs(m.market.events.NodeSlashed, m)}
    out: dict[int, TaskHistory] = {}
    for t in wanted:
        record, spec = submitted[t]
        h = _build(t, record, spec, steps[t], rounds, allocated_in.get(t), reveals[t], status_bits[t])
        out[t] = replace(h, slashed=_slashed(h, slashes)) if h.round is not None and slashes else h
    return out


def _slashed(h: TaskHistory, slashes: dict[tuple[int, str], tuple[int, int]]) -> dict[str, int]:
    """Each bad node's share of its round slash for ``h``, as the market scores a task."""
    if h.status not in ("settled", "refunded"):
        return {}
    out = {}
    for node in h.nodes:
        r = h.reveals.get(node)
        vote = r.digest if r is not None else codec.ZERO32
        bad = vote == codec.ZERO32 or (h.winner is not None and vote != h.winner)
        taken, count = slashes.get((int(h.round or 0), node), (0, 0))
        if bad and count:
            out[node] = taken // count
    return out


def _build(
    t: int,
    record: TaskRecord,
    spec: bytes,
    steps: list[Step],
    rounds: dict[int, ProposalV2],
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
        p = rounds[round_]
        leaf = p.tasks[p.task_position(t)]
        nodes = tuple(Web3.to_checksum_address(p.nodes[i].node) for i in leaf.nodes)
    return TaskHistory(
        id=t,
        record=record,
        spec=spec,
        head0=codec.task_head0(record),
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
        UnknownTask: no ``TasksSubmitted`` event names ``task_id``.
    """
    return histories(m, [task_id])[task_id]
