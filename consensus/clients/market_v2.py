"""The protocol v2 client: build, check and send every call of ``TaskMarketV2``.

The market stores roots, not records, so a client keeps the records itself: task records
come from ``TasksSubmitted`` events, a round's proposal from ``AllocationProposed`` (it holds
the whole ``abi.encode(round, proposal)`` whoever sent it), and revealed vectors from
``ResultsRevealed``. Every byte hashed here is built by :mod:`contracts.codec`.

Typical round::

    m = MarketV2(w3, market, registry, params)
    ids = m.submit(requester, inputs)
    proposal = m.build_proposal()                 # solve the v2 game on chain state
    m.propose(proposer, proposal)
    ...                                           # after the challenge window
    m.finalize(proposer, round_)
    m.commit(node, round_, secret, results); m.reveal(...); m.settle(anyone, round_); m.claim(node)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from eth_abi import decode, encode
from web3 import Web3
from web3.logs import DISCARD

from consensus.clearing import Add, Allocation, Discount, Drop, Instance, Node, Task, find_challenge, solve
from contracts import codec
from contracts.codec import NodeEntry, TaskRecord
from contracts.tx import Sender

from .errors import ClientError

__all__ = [
    "MarketV2",
    "MoveKind",
    "ProposalV2",
    "TaskInput",
    "TaskLeaf",
    "move_args",
    "parse_proposal",
    "submissions",
    "results_for",
]

_LEAF_TYPE = f"(uint256,{TaskRecord.abi_type()},uint16[])"
_PROPOSAL_TYPE = f"(uint64,{NodeEntry.abi_type()}[],uint32[],bytes,uint256[{codec.NUM_PRICE_KINDS}])"
_PROOF_TYPE = "(uint256,uint256,bytes32[])"
_MOVE_TYPE = (f"(uint8,({NodeEntry.abi_type()},bool,uint32,{_PROOF_TYPE}),({_LEAF_TYPE},{_PROOF_TYPE}),"
              f"({_LEAF_TYPE},{_PROOF_TYPE}),uint256[{codec.NUM_PRICE_KINDS}])")


class MoveKind(IntEnum):
    """``ITaskMarket.MoveKind``."""

    ADD = 0
    DROP = 1
    SWAP = 2
    DISCOUNT = 3


class Status(IntEnum):
    """A task's two status bits."""

    NONE = 0
    OPEN = 1
    ALLOCATED = 2
    CLOSED = 3


@dataclass(frozen=True)
class TaskInput:
    """One task to submit; 0 redundancy takes the governed default, 0 minimum takes 1."""

    spec: bytes
    kind: int
    reward: int
    deadline: int
    redundancy: int = 0
    min_redundancy: int = 0

    def packed(self) -> bytes:
        """The task as ``submit`` takes it (``codec.pack_submission``).

        Raises:
            ConfigError: a field does not fit its width (names the field).
        """
        return codec.pack_submission(self.kind, self.reward, self.redundancy, self.min_redundancy, self.deadline,
                                     self.spec)


@dataclass(frozen=True)
class TaskLeaf:
    """A task of a proposal with the indices of its nodes in the proposal's node list."""

    id: int
    record: TaskRecord
    nodes: tuple[int, ...] = ()

    def as_tuple(self) -> tuple[Any, ...]:
        """``ITaskMarket.TaskLeaf`` (a challenge's proven leaf)."""
        return (self.id, self.record.as_tuple(), list(self.nodes))

    def packed(self) -> bytes:
        """The leaf as ``propose`` and ``settle`` take it (``codec.pack_task``)."""
        return codec.pack_task(self.id, self.record, self.nodes)

    @property
    def leaf_hash(self) -> bytes:
        """Its leaf in the round's task tree."""
        return codec.task_leaf_hash(self.id, self.record, self.nodes)

    @property
    def allocated(self) -> bool:
        """Whether finalize allocates it: some nodes, at least its minimum redundancy."""
        return len(self.nodes) > 0 and len(self.nodes) >= self.record.min_redundancy


@dataclass(frozen=True)
class ProposalV2:
    """A whole proposal, with what the market computes from the registry (eligibility)."""

    round: int
    task_limit: int
    nodes: tuple[NodeEntry, ...]
    eligible: tuple[bool, ...]
    loads: tuple[int, ...]
    tasks: tuple[TaskLeaf, ...]
    lambdas: tuple[int, ...] = field(default=(0,) * codec.NUM_PRICE_KINDS)

    def as_tuple(self) -> tuple[Any, ...]:
        """``ITaskMarket.Proposal``."""
        return (self.task_limit, [n.as_tuple() for n in self.nodes], list(self.loads), self.packed_tasks(),
                list(self.lambdas))

    def packed_tasks(self) -> bytes:
        """Its task leaves, packed, as ``propose`` and ``settle`` take them."""
        return b"".join(t.packed() for t in self.tasks)

    @property
    def node_leaves(self) -> list[bytes]:
        """The node tree's leaves, in list order."""
        return [codec.node_leaf_hash(i, n, self.eligible[i], self.loads[i]) for i, n in enumerate(self.nodes)]

    @property
    def task_leaves(self) -> list[bytes]:
        """The task tree's leaves, in list order."""
        return [t.leaf_hash for t in self.tasks]

    @property
    def allocated_ids(self) -> list[int]:
        """The ids finalize must be given."""
        return [t.id for t in self.tasks if t.allocated]

    def node_index(self, address: str) -> int:
        """Position of ``address`` in the node list.

        Raises:
            ClientError: the address is not in the snapshot.
        """
        key = Web3.to_checksum_address(address)
        for i, n in enumerate(self.nodes):
            if Web3.to_checksum_address(n.node) == key:
                return i
        raise ClientError(f"node {address} is not in the snapshot of round {self.round}")

    def task_position(self, task_id: int) -> int:
        """Position of task ``task_id`` in the task list.

        Raises:
            ClientError: the task is not in the proposal.
        """
        for j, t in enumerate(self.tasks):
            if t.id == task_id:
                return j
        raise ClientError(f"task {task_id} is not in the proposal of round {self.round}")

    def assigned(self, address: str) -> list[int]:
        """Ids of the allocated tasks of ``address``, ascending: the order of its result vector."""
        i = self.node_index(address)
        return [t.id for t in self.tasks if t.allocated and i in t.nodes]


def _proof_tuple(p: codec.MerkleProof) -> tuple[Any, ...]:
    return (p.index, p.count, list(p.siblings))


_NO_NODE: tuple[Any, ...] = (("0x" + "00" * 20, 0, 0, [0] * codec.NUM_PRICE_KINDS), False, 0, (0, 0, []))


def move_args(p: ProposalV2, kind: MoveKind, *, task: int, node: str | None = None,
              other: int | None = None) -> tuple[Any, ...]:
    """The ``Move`` tuple of a challenge against ``p``, with its Merkle proofs.

    Args:
        p: The proposal challenged.
        kind: The move.
        task: The task moved (for a swap, the one left).
        node: The node (not for a discount).
        other: For a swap, the task joined.
    """
    leaves = p.task_leaves

    def task_proof(task_id: int) -> tuple[Any, ...]:
        j = p.task_position(task_id)
        return (p.tasks[j].as_tuple(), _proof_tuple(codec.merkle_proof(leaves, j)))

    t = task_proof(task)
    o = task_proof(other) if other is not None else t
    if node is None:
        if kind is not MoveKind.DISCOUNT:
            raise ClientError(f"move {kind.name}: expected a node")
        n: tuple[Any, ...] = _NO_NODE
    else:
        i = p.node_index(node)
        proof = codec.merkle_proof(p.node_leaves, i)
        n = (p.nodes[i].as_tuple(), p.eligible[i], p.loads[i], _proof_tuple(proof))
    return (int(kind), n, t, o, list(p.lambdas))


class MarketV2:
    """A client of one ``TaskMarketV2`` and its registry and parameters.

    Args:
        w3: The chain.
        market: The web3 contract of the market.
        registry: The node registry.
        params: The parameters contract.
        from_block: First block to read events from (the market's deployment block).
    """

    def __init__(self, w3: Web3, market: Any, registry: Any, params: Any, from_block: int = 0) -> None:
        self.w3 = w3
        self.market = market
        self.registry = registry
        self.params = params
        self.from_block = from_block
        self._records: dict[int, TaskRecord] = {}
        self._specs: dict[int, bytes] = {}
        self._scanned = from_block - 1

    # ----------------------------------------------------------------- reading

    def _sync(self) -> None:
        head = int(self.w3.eth.block_number)
        if head <= self._scanned:
            return
        for e in self.market.events.TasksSubmitted().get_logs(from_block=self._scanned + 1, to_block=head):
            for tid, record, spec in submissions(e["args"]):
                self._records[tid] = record
                self._specs[tid] = spec
        self._scanned = head

    def records_since(self, block: int) -> dict[int, TaskRecord]:
        """The records of the tasks submitted from ``block`` to the head, by id (one ``get_logs``)."""
        out = {}
        for e in self.market.events.TasksSubmitted().get_logs(from_block=max(block, self.from_block),
                                                              to_block="latest"):
            out.update((tid, record) for tid, record, _ in submissions(e["args"]))
        return out

    def record(self, task_id: int) -> TaskRecord:
        """The record of task ``task_id``, from its ``TasksSubmitted`` event.

        Raises:
            ClientError: no such task was submitted.
        """
        self._sync()
        if task_id not in self._records:
            raise ClientError(f"task {task_id}: no TasksSubmitted event names it (unknown task)")
        return self._records[task_id]

    def spec(self, task_id: int) -> bytes:
        """The spec bytes (or URI) of task ``task_id``."""
        self.record(task_id)
        return self._specs[task_id]

    def status(self, task_id: int) -> Status:
        """The task's status bits."""
        return Status(int(self.market.functions.statusOf(task_id).call()))

    def round_info(self, round_: int) -> dict[str, Any]:
        """``roundOf(round)`` as a dict with the struct's field names."""
        names = [c["name"] for c in next(f for f in self.market.abi if f.get("name") == "roundOf")["outputs"][0]
                 ["components"]]
        return dict(zip(names, self.market.functions.roundOf(round_).call(), strict=True))

    def proposal_of(self, round_: int) -> ProposalV2:
        """The proposal of ``round_``, decoded from its ``AllocationProposed`` event.

        Raises:
            ClientError: the round has no proposal event.
        """
        logs = self.market.events.AllocationProposed().get_logs(
            from_block=self.from_block, argument_filters={"round": round_})
        if not logs:
            raise ClientError(f"round {round_}: no AllocationProposed event")
        return self.decode_proposal(bytes(logs[-1]["args"]["proposal"]), int(logs[-1]["blockNumber"]))

    def decode_proposal(self, raw: bytes, block: int) -> ProposalV2:
        """A proposal from an ``AllocationProposed`` event's ``proposal`` bytes, with each node's
        eligibility as the market saw it (the registry's stakes at the event's ``block``)."""
        p = parse_proposal(raw)
        stakes = self.registry.functions.snapshotOf([e.node for e in p.nodes]).call(block_identifier=block)[1]
        minimum = int(self.params.functions.minStake().call(block_identifier=block))
        return replace(p, eligible=tuple(int(s) >= minimum for s in stakes))

    def snapshot(self) -> tuple[list[NodeEntry], list[bool]]:
        """Every registered node, ascending, with its configuration and eligibility now."""
        r = self.registry.functions
        addresses = sorted((Web3.to_checksum_address(a) for a in r.operators().call()), key=lambda a: int(a, 16))
        minimum = int(self.params.functions.minStake().call())
        entries, eligible = [], []
        for a in addresses:
            node = r.getNode(a).call()
            capacity, mask = int(node[1]), int(node[4])
            prices = tuple(int(r.priceOf(a, k).call()) if (mask >> k) & 1 else 0 for k in range(codec.NUM_PRICE_KINDS))
            entries.append(NodeEntry(a, capacity, mask, prices))
            eligible.append(int(node[5]) >= minimum)
        return entries, eligible

    # --------------------------------------------------------------- proposing

    def build_proposal(
        self,
        *,
        now: int | None = None,
        allocation: Allocation | None = None,
        open_tasks: Mapping[int, TaskRecord] | None = None,
        snapshot: tuple[Sequence[NodeEntry], Sequence[bool]] | None = None,
    ) -> ProposalV2:
        """The proposal of the current round: every open task of the scan range, solved.

        Args:
            now: The time the proposal will be mined at (default: the latest block's time).
            allocation: Pairs and prices to propose instead of the solver's (for tests of
                wrong proposals).
            open_tasks: The open tasks with their records, as a caller's event-folded view
                holds them (default: read each status from the market, one call per task).
                It must cover every task below ``nextTaskId``: the market refuses a proposal
                that leaves an open task out.
            snapshot: The registry's nodes and their eligibility (default: :meth:`snapshot`).
        """
        m = self.market.functions
        round_ = int(m.currentRound().call())
        scan_from, next_id = int(m.scanFrom().call()), int(m.nextTaskId().call())
        cap = int(self.params.functions.maxTasksPerRound().call())
        if open_tasks is None:
            self._sync()
            candidates = [t for t in range(scan_from, next_id) if self.status(t) is Status.OPEN]
            records = {t: self.record(t) for t in candidates}
        else:
            candidates = sorted(t for t in open_tasks if scan_from <= t < next_id)
            records = dict(open_tasks)
        ids = candidates[:cap]
        limit = candidates[cap] if len(candidates) > cap else next_id
        if now is None:
            now = int(self.w3.eth.get_block("latest")["timestamp"])
        closes = now + int(self.params.functions.challengeWindow().call())
        entries, eligible = snapshot if snapshot is not None else self.snapshot()
        instance = _instance([(t, records[t]) for t in ids], entries, eligible, closes)
        chosen = allocation if allocation is not None else solve(instance)
        index = {int(e.node, 16): i for i, e in enumerate(entries)}
        members: dict[int, list[int]] = {t: [] for t in ids}
        for node_id, task_id in chosen.pairs:
            members[int(task_id) if isinstance(task_id, int) else int(str(task_id), 16)].append(
                index[int(str(node_id), 16)])
        loads = [0] * len(entries)
        for ns in members.values():
            for i in ns:
                loads[i] += 1
        lambdas = [0] * codec.NUM_PRICE_KINDS
        for kind, price in chosen.prices.items():
            if 0 <= kind < codec.NUM_PRICE_KINDS:
                lambdas[kind] = int(price)
        tasks = tuple(TaskLeaf(t, records[t], tuple(sorted(members[t]))) for t in ids)
        return ProposalV2(round_, limit, tuple(entries), tuple(eligible), tuple(loads), tasks, tuple(lambdas))

    def find_move(self, p: ProposalV2, closes: int) -> tuple[Any, ...] | None:
        """The ``Move`` tuple of the first valid challenge against ``p``, or None when ``p`` is
        welfare-optimal (:func:`consensus.clearing.find_challenge` on the proposal's own frozen
        snapshot; ``closes`` is the end of its challenge window).

        A proposal with a defect the market refuses at propose cannot be on chain, so a
        defect found here means the caller's copy is not the proposal the market holds.
        """
        instance = _instance([(t.id, t.record) for t in p.tasks], p.nodes, p.eligible, closes)
        pairs = [(p.nodes[i].node, t.id) for t in p.tasks for i in t.nodes]
        kinds = {t.record.kind for t in p.tasks}
        move = find_challenge(instance, Allocation.of(pairs, {k: p.lambdas[k] for k in kinds}))
        if move is None:
            return None
        if isinstance(move, Discount):
            return move_args(p, MoveKind.DISCOUNT, task=int(move.task))
        if isinstance(move, Add):
            return move_args(p, MoveKind.ADD, task=int(move.task), node=str(move.node))
        if isinstance(move, Drop):
            return move_args(p, MoveKind.DROP, task=int(move.task), node=str(move.node))
        return move_args(p, MoveKind.SWAP, task=int(move.old), node=str(move.node), other=int(move.new))

    # ------------------------------------------------------------------- sends

    def submit(self, sender: Sender, inputs: Sequence[TaskInput]) -> list[int]:
        """Submit ``inputs`` in one transaction (the sender approved the rewards); returns their
        ids, read from the transaction's ``TasksSubmitted`` event.

        Raises:
            ConfigError: an input's field does not fit the packed form (names the field).
        """
        receipt = sender.transact(self.market.functions.submit(b"".join(x.packed() for x in inputs)))
        [event] = [e for e in self.market.events.TasksSubmitted().process_receipt(receipt, errors=DISCARD)
                   if e["address"] == self.market.address]
        first = int(event["args"]["firstId"])
        return list(range(first, first + int(event["args"]["count"])))

    def propose(self, sender: Sender, p: ProposalV2) -> Any:
        """Send ``p`` with the bond (the sender approved it)."""
        return sender.transact(self.market.functions.propose(p.round, p.as_tuple()))

    def challenge_args(self, round_: int, move: tuple[Any, ...], salt: bytes) -> bytes:
        """``abi.encode(round, move, salt)``: what a challenge commitment hashes."""
        return encode(["uint256", _MOVE_TYPE, "bytes32"], [round_, move, salt])

    def commit_challenge(self, sender: Sender, round_: int, move: tuple[Any, ...], salt: bytes) -> Any:
        """Commit to ``move`` (sent by :meth:`challenge` in a later block)."""
        c = codec.challenge_commitment(sender.address, self.challenge_args(round_, move, salt))
        return sender.transact(self.market.functions.commitChallenge(round_, c))

    def challenge(self, sender: Sender, round_: int, move: tuple[Any, ...], salt: bytes) -> Any:
        """Reveal and judge a committed challenge.

        Raises:
            ClientError: the sender's commitment is not yet in a block before the latest one (the
                market takes the challenge only in a later block; wait for the next block).
        """
        logs = self.market.events.ChallengeCommitted().get_logs(
            from_block=self.from_block, argument_filters={"round": round_, "challenger": sender.address})
        if not logs:
            raise ClientError(f"round {round_}: {sender.address} has not committed to a challenge")
        if int(logs[-1]["blockNumber"]) >= int(self.w3.eth.block_number):
            raise ClientError(f"round {round_}: the challenge commitment is in the latest block; "
                              "send the challenge once another block is mined")
        return sender.transact(self.market.functions.challenge(round_, move, salt))

    def finalize(self, sender: Sender, round_: int, proposal: ProposalV2 | None = None) -> Any:
        """Finalize ``round_`` with the allocated ids of its proposal (read from the log unless given)."""
        p = proposal if proposal is not None else self.proposal_of(round_)
        return sender.transact(self.market.functions.finalize(round_, p.allocated_ids))

    def commit(self, sender: Sender, round_: int, secret: bytes, results: Sequence[bytes]) -> Any:
        """Commit the sender's result vector (one digest per allocated task, ascending id)."""
        c = codec.round_commitment(secret, sender.address, round_, results)
        return sender.transact(self.market.functions.commit(round_, c))

    def reveal(self, sender: Sender, round_: int, secret: bytes, results: Sequence[bytes],
               payloads: bytes = b"") -> Any:
        """Reveal the sender's result vector."""
        return sender.transact(self.market.functions.reveal(round_, secret, list(results), payloads))

    def revealed(self, round_: int) -> dict[str, list[bytes]]:
        """Every node's revealed vector of ``round_``, from ``ResultsRevealed``."""
        logs = self.market.events.ResultsRevealed().get_logs(
            from_block=self.from_block, argument_filters={"round": round_})
        return {Web3.to_checksum_address(e["args"]["node"]): [bytes(r) for r in e["args"]["results"]] for e in logs}

    def settle_args(self, round_: int, proposal: ProposalV2 | None = None,
                    revealed: Mapping[str, Sequence[bytes]] | None = None) -> tuple[Any, ...]:
        """``settle``'s arguments, from the round's events (or the proposal and reveals given)."""
        p = proposal if proposal is not None else self.proposal_of(round_)
        revealed = revealed if revealed is not None else self.revealed(round_)
        nodes = [Web3.to_checksum_address(n.node) for n in p.nodes]
        results = [list(revealed.get(a, [])) for a in nodes]
        return (round_, p.packed_tasks(), nodes, results, list(p.lambdas))

    def settle(self, sender: Sender, round_: int, proposal: ProposalV2 | None = None,
               revealed: Mapping[str, Sequence[bytes]] | None = None) -> Any:
        """Settle ``round_`` after its reveal deadline."""
        return sender.transact(self.market.functions.settle(*self.settle_args(round_, proposal, revealed)))

    def expire(self, sender: Sender, task_id: int, record: TaskRecord | None = None) -> Any:
        """Refund an open task past its deadline."""
        r = record if record is not None else self.record(task_id)
        return sender.transact(self.market.functions.expire(task_id, r.as_tuple()))

    def cancel(self, sender: Sender, task_id: int) -> Any:
        """Refund the sender's open task."""
        return sender.transact(self.market.functions.cancel(task_id, self.record(task_id).as_tuple()))

    def claim(self, sender: Sender) -> Any:
        """Pay out the sender's credits."""
        return sender.transact(self.market.functions.claim())


def submissions(args: Mapping[str, Any]) -> list[tuple[int, TaskRecord, bytes]]:
    """``(id, record, spec)`` of each task of a ``TasksSubmitted`` event's decoded ``args``."""
    return codec.unpack_submissions(int(args["firstId"]), str(args["requester"]), int(args["defaultRedundancy"]),
                                    bytes(args["tasks"]))


def parse_proposal(raw: bytes) -> ProposalV2:
    """A proposal from an ``AllocationProposed`` event's ``proposal`` bytes, without reading the
    chain: every node is taken as eligible (right for reading assignments and allocated ids;
    a challenge needs :meth:`MarketV2.decode_proposal`, which reads the registry's stakes)."""
    r, (limit, nodes, loads, tasks, lambdas) = decode(["uint256", _PROPOSAL_TYPE], bytes(raw))
    entries = tuple(NodeEntry(n[0], n[1], n[2], tuple(n[3])) for n in nodes)
    leaves = tuple(TaskLeaf(i, r, ns) for i, r, ns in codec.unpack_tasks(bytes(tasks)))
    return ProposalV2(int(r), int(limit), entries, (True,) * len(entries), tuple(loads), leaves, tuple(lambdas))


def results_for(p: ProposalV2, node: str, digests: Mapping[int, bytes]) -> list[bytes]:
    """``node``'s result vector in the order the market expects, from ``{task id: digest}``.

    Raises:
        ClientError: a digest of an allocated task of the node is missing.
    """
    out = []
    for tid in p.assigned(node):
        if tid not in digests:
            raise ClientError(f"task {tid}: no result digest for node {node}")
        out.append(digests[tid])
    return out


def _instance(tasks: Sequence[tuple[int, TaskRecord]], entries: Sequence[NodeEntry], eligible: Sequence[bool],
              closes: int) -> Instance:
    """The v2 game of ``tasks`` on the snapshot ``entries``; a task due by ``closes`` is not allocatable."""
    return Instance(
        [Task(t, r.kind, r.reward, r.redundancy, allocatable=r.deadline > closes) for t, r in tasks],
        [Node(e.node, e.capacity, {k: e.prices[k] for k in range(codec.NUM_PRICE_KINDS) if (e.kind_mask >> k) & 1},
              eligible=eligible[i]) for i, e in enumerate(entries)],
    )
