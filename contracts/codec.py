"""Every byte nashnet puts on chain or into a hash, built in one place.

The contracts hash what this module encodes, so a change here is a protocol change: each
function names the Solidity expression it must equal, and ``tests/contracts/test_codec.py``
checks the two against each other on the EVM.

- **Canonical JSON** (:func:`canonical_json`): sorted keys, no spaces, UTF-8; the preimage of
  result digests.
- **Result digests** (:func:`result_digest`): what redundant honest nodes agree on.
- **The audit fold** (:func:`extend_head`, :func:`fold_head`): a task's head over its
  transitions.
- **Protocol v2 records** (``docs/protocol-v2.md``): task records and heads, registry
  configuration hashes, task and node leaves, ordered Merkle trees, round commitments,
  reveal digests and challenge commitments.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from .errors import ConfigError

__all__ = [
    "MAX_SPEC_BYTES",
    "NUM_PRICE_KINDS",
    "OUTCOME_BYTES",
    "Outcome",
    "PACKED_TASK_BYTES",
    "SUBMISSION_BYTES",
    "ZERO32",
    "MerkleProof",
    "NodeEntry",
    "TRANSITION_DATA",
    "TaskRecord",
    "Transition",
    "canonical_json",
    "challenge_commitment",
    "config_hash",
    "decode_payloads",
    "encode_payloads",
    "extend_head",
    "fold_head",
    "merkle_proof",
    "merkle_root",
    "merkle_verify",
    "node_leaf_hash",
    "pack_submission",
    "pack_task",
    "prices_hash",
    "result_digest",
    "reveal_digest",
    "round_commitment",
    "round_secret",
    "task_head0",
    "task_leaf_hash",
    "transition_data",
    "unpack_outcomes",
    "unpack_submissions",
    "unpack_tasks",
]

ZERO32 = b"\0" * 32
#: Price slots per node entry: one per kind id 0..15.
NUM_PRICE_KINDS = 16
#: Transition kind of a submission, the first step of every task's audit fold.
SUBMITTED = 0

_ROUND_SECRET_DOMAIN = "nashnet/round-secret/v2"
_MIN_SECRET = 16


# ------------------------------------------------------------------- canonical JSON


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: one byte string per value.

    NaN and infinities are written as JSON ``NaN``/``Infinity`` rather than rejected, so that a
    training run whose loss diverged still has a record.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def result_digest(task_id: int, kind: str, ok: bool, answer: str | None) -> bytes:
    """The 32-byte result hash redundant honest nodes agree on and commit.

    keccak256 of the canonical JSON of ``{"v":1,"task","kind","ok","answer"}``. A failure always
    has answer None, so nodes that fail the same way agree too. The preimage is never empty, so
    the value is never the zero hash that the market reads as "no result".
    """
    body = {"v": 1, "task": int(task_id), "kind": kind, "ok": bool(ok), "answer": answer if ok else None}
    return bytes(keccak(canonical_json(body)))


# ------------------------------------------------------------------------ audit fold


class Transition(IntEnum):
    """``ITaskMarket.Transition``: the kind of one step of a task's audit fold."""

    SUBMITTED = 0
    ALLOCATED = 1
    REVEALED = 2
    SETTLED = 3
    REFUNDED = 4
    EXPIRED = 5
    CANCELLED = 6


#: ABI layout of a ``TaskTransition``'s data in v2, per kind: settle's outcome, or the amount
#: refunded by ``expire`` and ``cancel``.
TRANSITION_DATA: dict[Transition, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Transition.SETTLED: (("bytes32", "uint256", "uint256", "uint256", "uint256"),
                         ("winner", "winners", "price", "fee", "refund")),
    Transition.EXPIRED: (("uint256",), ("refund",)),
    Transition.CANCELLED: (("uint256",), ("refund",)),
}


def transition_data(kind: int, data: bytes) -> dict[str, Any]:
    """The fields of a v2 ``TaskTransition``'s data (``{}`` for a kind v2 does not emit).

    A settled task with a zero ``winner`` had no majority: the requester got ``refund``, the
    whole reward, back.
    """
    layout = TRANSITION_DATA.get(Transition(kind))
    if layout is None:
        return {}
    types, names = layout
    return dict(zip(names, decode(list(types), bytes(data)), strict=True))


#: Bytes of one packed outcome in ``RoundSettled``.
OUTCOME_BYTES = 89


@dataclass(frozen=True)
class Outcome:
    """One settled task's outcome, as ``RoundSettled`` packs it: id (8 bytes), winner (32),
    winners (1), price (16), fee (16), refund (16). A zero ``winner`` means no majority."""

    id: int
    winner: bytes
    winners: int
    price: int
    fee: int
    refund: int

    def packed(self) -> bytes:
        """The outcome as ``RoundSettled`` packs it (the inverse of :func:`unpack_outcomes`)."""
        return b"".join((self.id.to_bytes(8, "big"), bytes(self.winner), self.winners.to_bytes(1, "big"),
                         self.price.to_bytes(16, "big"), self.fee.to_bytes(16, "big"),
                         self.refund.to_bytes(16, "big")))

    @property
    def data(self) -> bytes:
        """The data of the task's ``Settled`` audit step: ``abi.encode(winner, winners, price, fee, refund)``."""
        return encode(list(TRANSITION_DATA[Transition.SETTLED][0]),
                      [self.winner, self.winners, self.price, self.fee, self.refund])


def unpack_outcomes(data: bytes) -> list[Outcome]:
    """The outcomes of a ``RoundSettled`` event's ``outcomes`` bytes.

    Raises:
        ConfigError: the length is not a whole number of outcomes.
    """
    data = bytes(data)
    if len(data) % OUTCOME_BYTES:
        raise ConfigError(f"outcomes: {len(data)} bytes is not a multiple of {OUTCOME_BYTES}")
    out = []
    for at in range(0, len(data), OUTCOME_BYTES):
        b = data[at:at + OUTCOME_BYTES]
        out.append(Outcome(id=int.from_bytes(b[0:8], "big"), winner=b[8:40], winners=b[40],
                           price=int.from_bytes(b[41:57], "big"), fee=int.from_bytes(b[57:73], "big"),
                           refund=int.from_bytes(b[73:89], "big")))
    return out


def extend_head(head: bytes, kind: int, data: bytes) -> bytes:
    """``keccak256(abi.encode(head, uint8(kind), data))``: one step of a task's audit fold."""
    return bytes(keccak(encode(["bytes32", "uint8", "bytes"], [head, kind, data])))


def fold_head(steps: Iterable[tuple[int, bytes]]) -> bytes:
    """:func:`extend_head` folded over ``(kind, data)`` from the zero head."""
    head = ZERO32
    for kind, data in steps:
        head = extend_head(head, kind, data)
    return head


# ----------------------------------------------------------------- protocol v2 records


@dataclass(frozen=True)
class TaskRecord:
    """A task's fields: sent in calldata and events, committed to by its head, never stored.

    Mirrors the Solidity struct ``TaskRecord(address requester, bytes32 specHash, uint8 kind,
    uint128 reward, uint8 redundancy, uint8 minRedundancy, uint64 deadline)``.
    """

    requester: str
    spec_hash: bytes
    kind: int
    reward: int
    redundancy: int
    min_redundancy: int
    deadline: int

    _TYPES = ("address", "bytes32", "uint8", "uint128", "uint8", "uint8", "uint64")

    def __post_init__(self) -> None:
        object.__setattr__(self, "requester", to_checksum_address(self.requester))
        object.__setattr__(self, "spec_hash", bytes(self.spec_hash))

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple, in field order."""
        return (to_checksum_address(self.requester), self.spec_hash, self.kind, self.reward, self.redundancy,
                self.min_redundancy, self.deadline)

    def encoded(self) -> bytes:
        """``abi.encode(requester, specHash, kind, reward, redundancy, minRedundancy, deadline)``."""
        return encode(list(self._TYPES), list(self.as_tuple()))

    @classmethod
    def abi_type(cls) -> str:
        """The tuple type, as eth_abi spells it."""
        return "(" + ",".join(cls._TYPES) + ")"


def task_head0(record: TaskRecord) -> bytes:
    """The head of a submitted task: the first audit step, and the commitment to its fields.

    ``keccak256(abi.encode(bytes32(0), uint8(Submitted), abi.encode(record fields)))``.
    """
    return extend_head(ZERO32, SUBMITTED, record.encoded())


@dataclass(frozen=True)
class NodeEntry:
    """A node's registry configuration as a proposal lists it.

    Mirrors ``NodeEntry(address node, uint32 capacity, uint256 kindMask, uint256[16] prices)``.
    """

    node: str
    capacity: int
    kind_mask: int
    prices: tuple[int, ...] = field(default=(0,) * NUM_PRICE_KINDS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node", to_checksum_address(self.node))
        object.__setattr__(self, "prices", tuple(int(x) for x in self.prices))
        if len(self.prices) != NUM_PRICE_KINDS:
            raise ConfigError(f"prices: expected {NUM_PRICE_KINDS} values (one per kind id), got {len(self.prices)}")

    _TYPE = "(address,uint32,uint256,uint256[16])"

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple, in field order."""
        return (to_checksum_address(self.node), self.capacity, self.kind_mask, list(self.prices))

    @classmethod
    def abi_type(cls) -> str:
        """The tuple type, as eth_abi spells it."""
        return cls._TYPE


def prices_hash(prices: Sequence[int]) -> bytes:
    """``keccak256(abi.encode(uint256[16] prices))``, one price per kind id (zero: not served)."""
    if len(prices) != NUM_PRICE_KINDS:
        raise ConfigError(f"prices: expected {NUM_PRICE_KINDS} values (one per kind id), got {len(prices)}")
    return bytes(keccak(encode([f"uint256[{NUM_PRICE_KINDS}]"], [list(prices)])))


def config_hash(capacity: int, kind_mask: int, prices: Sequence[int]) -> bytes:
    """``keccak256(abi.encode(uint32 capacity, uint256 kindMask, prices_hash(prices)))``.

    The registry's ``configHashOf``; a proposal's node entry must hash to it.
    """
    return bytes(keccak(encode(["uint32", "uint256", "bytes32"], [capacity, kind_mask, prices_hash(prices)])))


def task_leaf_hash(task_id: int, record: TaskRecord, nodes: Sequence[int]) -> bytes:
    """``keccak256(abi.encode(id, record, nodes))``; ``nodes`` are indices into the round's node list."""
    return bytes(keccak(encode(["uint256", TaskRecord.abi_type(), "uint16[]"],
                               [task_id, record.as_tuple(), list(nodes)])))


#: Bytes of a packed submission before its spec (``MarketCodec.SUBMISSION_BYTES``).
SUBMISSION_BYTES = 29
#: Longest spec a submission can carry inline (its length is 2 bytes); a longer one goes behind a URI.
MAX_SPEC_BYTES = 2**16 - 1


def pack_submission(kind: int, reward: int, redundancy: int, min_redundancy: int, deadline: int,
                    spec: bytes) -> bytes:
    """One task as ``submit`` takes it: kind (1 byte), reward (16), redundancy (1),
    minRedundancy (1), deadline (8), spec length (2), spec. The market hashes the spec into
    the record's ``specHash``; redundancy 0 takes the governed default and minimum 0 takes 1.

    Raises:
        ConfigError: a field does not fit its width.
    """
    fields = (("kind", kind, 1), ("reward", reward, 16), ("redundancy", redundancy, 1),
              ("min_redundancy", min_redundancy, 1), ("deadline", deadline, 8))
    for name, value, width in fields:
        if not 0 <= value < 1 << (8 * width):
            raise ConfigError(f"{name}: {value} does not fit in {width} byte(s)")
    if len(spec) > MAX_SPEC_BYTES:
        raise ConfigError(f"spec: {len(spec):,} bytes; at most {MAX_SPEC_BYTES:,} fit in a submission "
                          "(put a larger spec behind a URI)")
    return b"".join((kind.to_bytes(1, "big"), reward.to_bytes(16, "big"), redundancy.to_bytes(1, "big"),
                     min_redundancy.to_bytes(1, "big"), deadline.to_bytes(8, "big"), len(spec).to_bytes(2, "big"),
                     bytes(spec)))


def unpack_submissions(first_id: int, requester: str, default_redundancy: int,
                       data: bytes) -> list[tuple[int, TaskRecord, bytes]]:
    """The ``(id, record, spec)`` of each task of a ``TasksSubmitted`` event, with the defaults
    resolved as the market resolved them (redundancy 0: ``default_redundancy``; minimum 0: 1).

    Raises:
        ConfigError: the bytes end inside a submission.
    """
    data = bytes(data)
    out = []
    pos, end, tid = 0, len(data), first_id
    while pos < end:
        if end - pos < SUBMISSION_BYTES:
            raise ConfigError(f"submissions: the one at byte {pos} runs past the end ({end} bytes)")
        b = data[pos:pos + SUBMISSION_BYTES]
        size = int.from_bytes(b[27:29], "big")
        start = pos + SUBMISSION_BYTES
        if end - start < size:
            raise ConfigError(f"submissions: the one at byte {pos} runs past the end ({end} bytes)")
        spec = data[start:start + size]
        record = TaskRecord(requester=requester, spec_hash=bytes(keccak(spec)), kind=b[0],
                            reward=int.from_bytes(b[1:17], "big"), redundancy=b[17] or default_redundancy,
                            min_redundancy=b[18] or 1, deadline=int.from_bytes(b[19:27], "big"))
        out.append((tid, record, spec))
        pos, tid = start + size, tid + 1
    return out


#: Bytes of a packed task leaf before its node indices (``MarketCodec.PACKED_TASK_BYTES``).
PACKED_TASK_BYTES = 88


def pack_task(task_id: int, record: TaskRecord, nodes: Sequence[int]) -> bytes:
    """One task leaf as ``propose`` and ``settle`` take it (``MarketCodec.readPackedTask``).

    Big-endian, unpadded: id (8 bytes), requester (20), specHash (32), kind (1), reward (16),
    redundancy (1), minRedundancy (1), deadline (8), node count (1), node indices (2 each).

    Raises:
        ConfigError: a field does not fit its width.
    """
    fields = (("id", task_id, 8), ("kind", record.kind, 1), ("reward", record.reward, 16),
              ("redundancy", record.redundancy, 1), ("minRedundancy", record.min_redundancy, 1),
              ("deadline", record.deadline, 8), ("node count", len(nodes), 1))
    for name, value, width in fields:
        if not 0 <= value < 1 << (8 * width):
            raise ConfigError(f"task {task_id}: {name} {value} does not fit in {width} byte(s)")
    if len(record.spec_hash) != 32:
        raise ConfigError(f"task {task_id}: specHash must be 32 bytes, got {len(record.spec_hash)}")
    for ix in nodes:
        if not 0 <= ix < 1 << 16:
            raise ConfigError(f"task {task_id}: node index {ix} does not fit in 2 bytes")
    return b"".join((
        task_id.to_bytes(8, "big"), bytes.fromhex(record.requester[2:]), record.spec_hash,
        record.kind.to_bytes(1, "big"), record.reward.to_bytes(16, "big"), record.redundancy.to_bytes(1, "big"),
        record.min_redundancy.to_bytes(1, "big"), record.deadline.to_bytes(8, "big"), len(nodes).to_bytes(1, "big"),
        b"".join(ix.to_bytes(2, "big") for ix in nodes),
    ))


def unpack_tasks(data: bytes) -> list[tuple[int, TaskRecord, tuple[int, ...]]]:
    """The ``(id, record, nodes)`` leaves of packed task bytes (:func:`pack_task`, concatenated).

    Raises:
        ConfigError: the bytes end inside a leaf.
    """
    out = []
    at, end = 0, len(data)
    while at < end:
        if end - at < PACKED_TASK_BYTES or end - at < PACKED_TASK_BYTES + 2 * data[at + PACKED_TASK_BYTES - 1]:
            raise ConfigError(f"packed tasks: the leaf at byte {at} runs past the end ({end} bytes)")
        b = data[at:at + PACKED_TASK_BYTES]
        n = b[87]
        record = TaskRecord(requester="0x" + b[8:28].hex(), spec_hash=b[28:60], kind=b[60],
                            reward=int.from_bytes(b[61:77], "big"), redundancy=b[77], min_redundancy=b[78],
                            deadline=int.from_bytes(b[79:87], "big"))
        start = at + PACKED_TASK_BYTES
        nodes = tuple(int.from_bytes(data[start + 2 * k:start + 2 * k + 2], "big") for k in range(n))
        out.append((int.from_bytes(b[0:8], "big"), record, nodes))
        at = start + 2 * n
    return out


def node_leaf_hash(index: int, entry: NodeEntry, eligible: bool, load: int) -> bytes:
    """``keccak256(abi.encode(index, entry, eligible, load))``."""
    return bytes(keccak(encode(["uint256", NodeEntry.abi_type(), "bool", "uint32"],
                               [index, entry.as_tuple(), eligible, load])))


def round_commitment(secret: bytes, node: str, round_: int, results: Sequence[bytes]) -> bytes:
    """``keccak256(abi.encode(secret, node, round, results))``: one node's commitment for a round.

    ``results`` is one result digest per allocated task of the node, in ascending task id.
    """
    return bytes(keccak(encode(["bytes32", "address", "uint256", "bytes32[]"],
                               [secret, to_checksum_address(node), round_, list(results)])))


def round_secret(secret: bytes, round_: int) -> bytes:
    """``keccak256(abi.encode("nashnet/round-secret/v2", secret, round))``: the secret a node commits
    with in ``round`` (v2).

    The reveal publishes it, so it is derived per round from the node's long-lived secret, never
    that secret itself; a node that restarts between commit and reveal derives the same one.

    Raises:
        ConfigError: ``secret`` is shorter than 16 bytes.
    """
    if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET:
        got = f"{len(secret)} bytes" if isinstance(secret, bytes) else type(secret).__name__
        raise ConfigError(f"secret: expected at least {_MIN_SECRET} random bytes, got {got}")
    return bytes(keccak(encode(["string", "bytes", "uint256"], [_ROUND_SECRET_DOMAIN, secret, round_])))


def encode_payloads(payloads: Sequence[bytes]) -> bytes:
    """``abi.encode(bytes[])``: a reveal's payloads, one per entry of the result vector (v2)."""
    return encode(["bytes[]"], [[bytes(p) for p in payloads]])


def decode_payloads(data: bytes, count: int) -> list[bytes]:
    """The payloads of a reveal, one per result; ``count`` empty ones when ``data`` is not a
    list of ``count`` (a node may reveal digests without payloads)."""
    try:
        (out,) = decode(["bytes[]"], bytes(data))
    except Exception:
        return [b""] * count
    return [bytes(p) for p in out] if len(out) == count else [b""] * count


def reveal_digest(results: Sequence[bytes]) -> bytes:
    """``keccak256(abi.encode(results))``: what the market stores of a node's revealed vector."""
    return bytes(keccak(encode(["bytes32[]"], [list(results)])))


def challenge_commitment(challenger: str, args: bytes) -> bytes:
    """``keccak256(abi.encode(challenger, keccak256(args)))`` with ``args`` the ABI encoding of the
    ``challenge`` call's arguments ``(round, move, salt)``: binds the move, the round and the
    challenger, and the salt hides the move until it is revealed."""
    return bytes(keccak(encode(["address", "bytes32"], [to_checksum_address(challenger), keccak(args)])))


# ---------------------------------------------------------------------- Merkle trees


def _pair(a: bytes, b: bytes) -> bytes:
    return bytes(keccak(a + b))


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    """One level up: pairs hash as ``keccak(a ‖ b)``, an odd last node is carried up unchanged."""
    up = [_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        up.append(level[-1])
    return up


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The ordered Merkle root of ``leaves`` (see :func:`_next_level`); the empty tree's root is zero."""
    level = list(leaves)
    if not level:
        return ZERO32
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


@dataclass(frozen=True)
class MerkleProof:
    """Siblings from the leaf up, with the leaf's index and the tree's leaf count."""

    index: int
    count: int
    siblings: tuple[bytes, ...]


def merkle_proof(leaves: Sequence[bytes], index: int) -> MerkleProof:
    """The proof that ``leaves[index]`` is in :func:`merkle_root` of ``leaves``.

    Raises:
        ConfigError: ``index`` is outside the tree.
    """
    if not 0 <= index < len(leaves):
        raise ConfigError(f"index: expected 0 <= index < {len(leaves)}, got {index}")
    siblings: list[bytes] = []
    level, i = list(leaves), index
    while len(level) > 1:
        if i % 2 == 1:
            siblings.append(level[i - 1])
        elif i + 1 < len(level):
            siblings.append(level[i + 1])
        # else: the odd last node is carried up with no sibling
        level, i = _next_level(level), i // 2
    return MerkleProof(index=index, count=len(leaves), siblings=tuple(siblings))


def merkle_verify(root: bytes, leaf: bytes, proof: MerkleProof) -> bool:
    """Whether ``leaf`` sits at ``proof.index`` of a ``proof.count``-leaf tree with ``root``.

    Mirrors the contract's check: at each level a node with an even index and no right
    neighbour (the odd last node) is carried up without consuming a sibling.
    """
    if not 0 <= proof.index < proof.count:
        return False
    node, i, width, used = leaf, proof.index, proof.count, 0
    while width > 1:
        if i % 2 == 1:
            if used >= len(proof.siblings):
                return False
            node = _pair(proof.siblings[used], node)
            used += 1
        elif i + 1 < width:
            if used >= len(proof.siblings):
                return False
            node = _pair(node, proof.siblings[used])
            used += 1
        i, width = i // 2, (width + 1) // 2
    return used == len(proof.siblings) and node == root
