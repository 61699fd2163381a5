"""A small market world on the in-process chain, shared by the market tests.

Accounts: 0 requester (holds the supply), 1–5 nodes, 6 proposer, 7 challenger,
8–9 never registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consensus.game import (
    Add,
    Allocation,
    Drop,
    Instance,
    Move,
    Node,
    OverCapacity,
    Swap,
    Task,
    UnknownNode,
    UnsupportedKind,
)
from contracts.market import ChainMove, MoveKind, chain_state, market, submit_task
from contracts.registry import register_node

from .conftest import TOKEN, System

REQUESTER, PROPOSER, CHALLENGER = 0, 6, 7
NODES = (1, 2, 3, 4, 5)
STAKE = 2_000 * TOKEN
KEY = b"\x22" * 32


@dataclass
class World:
    """The system plus the market contract and what was set up."""

    system: System
    m: Any
    tasks: list[int] = field(default_factory=list)

    @property
    def d(self) -> Any:
        return self.system.d

    def now(self) -> int:
        return int(self.system.w3.eth.get_block("latest")["timestamp"])

    def balance(self, address: str) -> int:
        return int(self.d.token.functions.balanceOf(address).call())

    def instance(self) -> Instance:
        """The game instance of the current round, built from chain state."""
        state = chain_state(self.d)
        return Instance(
            tasks=[Task(t["id"], t["kind"], t["reward"], t["redundancy"]) for t in state["tasks"]],
            nodes=[Node(n["id"], n["capacity"], n["prices"]) for n in state["nodes"]],
        )

    def check_conserved(self) -> None:
        """Market balance == open escrow + pending bonds + unclaimed credits."""
        escrowed, bonds, unclaimed = self.m.functions.liabilities().call()
        assert self.balance(self.m.address) == escrowed + bonds + unclaimed


def make_world(
    system: System,
    *,
    nodes: dict[int, tuple[int, dict[int, int]]] | None = None,
    tasks: list[tuple[int, int, int]] | None = None,
    min_redundancy: int = 0,
) -> World:
    """Register ``nodes`` ({account: (capacity, prices)}) and submit ``tasks`` [(kind, reward, k)]."""
    boss = system.sender(REQUESTER)
    for i in (PROPOSER, CHALLENGER):
        boss.transact(system.d.token.functions.transfer(system.address(i), 10_000 * TOKEN))
    if nodes is None:
        nodes = {i: (4, {1: (10 + i) * TOKEN, 2: (20 - i) * TOKEN}) for i in NODES}
    for i, (capacity, prices) in nodes.items():
        register_node(system.d, system.sender(i), signing_key=KEY, endpoint="http://127.0.0.1:9000",
                      capacity=capacity, prices=prices, stake=STAKE)
    world = World(system=system, m=market(system.d))
    deadline = world.now() + 30 * 86_400
    for kind, reward, k in tasks if tasks is not None else [(1, 60 * TOKEN, 3)] * 4:
        world.tasks.append(
            submit_task(system.d, boss, spec=b"spec %d" % len(world.tasks), kind=kind, reward=reward,
                        redundancy=k, min_redundancy=min_redundancy, deadline=deadline)
        )
    return world


def to_chain(move: Move) -> ChainMove:
    """The contract's form of a ``consensus.game`` move (strategic moves and chain-checkable defects)."""
    node = move.node if isinstance(move.node, str) else f"0x{move.node:040x}"
    if isinstance(move, Add):
        return ChainMove(MoveKind.ADD, node, task=int(move.task), load=move.load, count=move.count)
    if isinstance(move, Drop):
        return ChainMove(MoveKind.DROP, node, task=int(move.task), count=move.count)
    if isinstance(move, Swap):
        return ChainMove(MoveKind.SWAP, node, task=int(move.out_task), other_task=int(move.in_task),
                         count=move.out_count, other_count=move.in_count)
    if isinstance(move, OverCapacity):
        return ChainMove(MoveKind.OVER_CAPACITY, node, load=move.load)
    if isinstance(move, UnsupportedKind):
        return ChainMove(MoveKind.UNSUPPORTED_KIND, node, task=int(move.task))
    if isinstance(move, UnknownNode):
        return ChainMove(MoveKind.UNKNOWN_NODE, node)
    raise TypeError(f"{type(move).__name__} is rejected at proposal time, not challenged")


def as_mapping(allocation: Allocation) -> dict[str, list[int]]:
    """{node address: task ids} of an allocation over chain ids."""
    return {str(n): [int(t) for t in ts] for n, ts in allocation.by_node().items()}
