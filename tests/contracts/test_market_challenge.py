"""TaskMarket allocation rounds: proposals, every challenge type, and Python/Solidity agreement."""

from __future__ import annotations

import random

import pytest
from web3 import Web3

from consensus.game import (
    Add,
    Allocation,
    Drop,
    OverCapacity,
    Swap,
    UnknownNode,
    UnsupportedKind,
    find_profitable_move,
    solve,
)
from contracts import advance_time
from contracts.market import ChainMove, MoveKind, challenge, check_move, finalize, propose_allocation

from .conftest import TOKEN, System, reverts
from .market_world import CHALLENGER, PROPOSER, World, as_mapping, make_world, to_chain

T = TOKEN


def _bad_world(system: System) -> World:
    # node 1: capacity 1, kind 1 only; node 2 serves kinds 1 and 2; node 3 kind 1 only.
    return make_world(
        system,
        nodes={1: (1, {1: 11 * T}), 2: (4, {1: 12 * T, 2: 5 * T}), 3: (4, {1: 13 * T})},
        tasks=[(1, 3 * T, 1), (1, 60 * T, 3), (2, 30 * T, 1), (1, 60 * T, 3)],
    )


def _addr(system: System, i: int) -> str:
    return system.address(i).lower()


# Each case: (allocation by account → task positions, the move naming accounts/positions).
CASES = {
    "add": ({2: [1]}, lambda a, t: Add(a(3), t[1], load=0, count=1)),
    "drop": ({1: [0]}, lambda a, t: Drop(a(1), t[0], count=1)),
    "swap": ({1: [0]}, lambda a, t: Swap(a(1), t[0], t[1], out_count=1, in_count=0)),
    "over_capacity": ({1: [1, 3]}, lambda a, t: OverCapacity(a(1), load=2)),
    "unsupported_kind": ({1: [2]}, lambda a, t: UnsupportedKind(a(1), t[2])),
    "unknown_node": ({8: [1]}, lambda a, t: UnknownNode(a(8))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_challenge_type_wins_against_a_bad_allocation(system: System, name: str) -> None:
    w = _bad_world(system)
    instance = w.instance()
    layout, make = CASES[name]
    alloc = Allocation.from_pairs(
        (_addr(system, i), w.tasks[p]) for i, ps in layout.items() for p in ps
    )
    move = make(lambda i: _addr(system, i), w.tasks)
    assert move.verify(instance, alloc), "the Python certificate must accept the move"
    propose_allocation(w.d, system.sender(PROPOSER), 1, as_mapping(alloc))
    bond = w.d.params.functions.proposerBond().call()
    reward = bond * w.d.params.functions.challengeRewardBps().call() // 10_000
    assert check_move(w.d, 1, to_chain(move))
    challenge(w.d, system.sender(CHALLENGER), 1, to_chain(move))
    assert w.m.functions.creditOf(system.address(CHALLENGER)).call() == reward
    assert w.m.functions.creditOf(w.d.timelock.address).call() == bond - reward
    assert w.m.functions.getRound(1).call()[2] is True  # voided
    assert w.m.functions.currentRound().call() == 2
    ev = w.m.events.AllocationChallenged().get_logs(from_block=0)[-1]["args"]
    assert ev["kind"] == int(to_chain(move).kind) and ev["challenger"] == system.address(CHALLENGER)
    w.check_conserved()
    with reverts("TaskMarketProposalVoided", round=1):
        finalize(w.d, system.sender(PROPOSER), 1)


def test_every_move_loses_against_an_equilibrium(system: System) -> None:
    w = make_world(system, tasks=[(1, 60 * T, 3), (1, 45 * T, 2), (2, 70 * T, 3), (2, 9 * T, 1), (1, 33 * T, 1)])
    instance = w.instance()
    eq = solve(instance)
    assert find_profitable_move(instance, eq) is None
    propose_allocation(w.d, system.sender(PROPOSER), 1, as_mapping(eq))
    counts = eq.counts()
    tried = 0
    for node in instance.nodes:
        mine = set(eq.tasks_of(node.id))
        load = len(eq.tasks_of(node.id))
        for t in instance.tasks:
            n = counts.get(int(t.id), 0)
            if t.id in mine:
                moves = [Drop(node.id, t.id, n)] + [
                    Swap(node.id, t.id, u.id, n, counts.get(int(u.id), 0)) for u in instance.tasks if u.id not in mine
                ]
            else:
                moves = [Add(node.id, t.id, load, n)]
            for mv in moves:
                tried += 1
                assert not mv.verify(instance, eq)
                assert not check_move(w.d, 1, to_chain(mv)), mv
        assert not check_move(w.d, 1, ChainMove(MoveKind.OVER_CAPACITY, str(node.id), load=load))
    assert tried >= 25
    some = Add(instance.nodes[0].id, instance.tasks[0].id, 0, counts.get(int(instance.tasks[0].id), 0))
    with reverts("TaskMarketChallengeFailed", round=1, kind=0, node=Web3.to_checksum_address(str(some.node))):
        challenge(w.d, system.sender(CHALLENGER), 1, to_chain(some))
    advance_time(system.w3, w.d.params.functions.challengeWindow().call())
    with reverts("TaskMarketChallengeWindowClosed", round=1):
        challenge(w.d, system.sender(CHALLENGER), 1, to_chain(some))
    finalize(w.d, system.sender(PROPOSER), 1)
    assert w.m.functions.getRound(1).call()[3] is True  # finalized
    assert w.m.functions.creditOf(system.address(PROPOSER)).call() == w.d.params.functions.proposerBond().call()
    w.check_conserved()


def test_proposals_reject_duplicates_unknown_tasks_and_wrong_rounds(system: System) -> None:
    w = _bad_world(system)
    p = system.sender(PROPOSER)
    node = system.address(2)
    with reverts("TaskMarketDuplicateAssignment", node=node, taskId=w.tasks[1]):
        propose_allocation(w.d, p, 1, {node: [w.tasks[1], w.tasks[1]]})
    with reverts("TaskMarketUnknownTask", taskId=999):
        propose_allocation(w.d, p, 1, {node: [999]})
    with reverts("TaskMarketWrongRound", round=2, currentRound=1):
        propose_allocation(w.d, p, 2, {node: [w.tasks[1]]})
    with reverts("TaskMarketEmptyAllocation"):
        propose_allocation(w.d, p, 1, {})
    propose_allocation(w.d, p, 1, {node: [w.tasks[1]]})
    with reverts("TaskMarketRoundAlreadyProposed", round=1, proposer=system.address(PROPOSER)):
        propose_allocation(w.d, p, 1, {node: [w.tasks[3]]})
    with reverts("TaskMarketChallengeWindowOpen", round=1):
        finalize(w.d, p, 1)
    advance_time(system.w3, w.d.params.functions.challengeWindow().call())
    with reverts("TaskMarketIncompleteTaskList", round=1, listed=0, pairs=1):
        p.transact(w.m.functions.finalize(1, []))
    with reverts("TaskMarketUnsortedIds", previous=w.tasks[1], next=w.tasks[1]):
        p.transact(w.m.functions.finalize(1, [w.tasks[1], w.tasks[1]]))


def _random_move(rng: random.Random, nodes: list[str], tasks: list[int], alloc: Allocation):  # noqa: ANN202
    loads: dict[str, int] = {}
    for n, _ in alloc.pairs:
        loads[str(n)] = loads.get(str(n), 0) + 1
    counts = alloc.counts()

    def jitter(value: int) -> int:
        return value if rng.random() < 0.75 else max(0, value + rng.choice((-1, 1)))

    node = rng.choice(nodes)
    t, u = rng.choice(tasks), rng.choice(tasks)
    load, n_t, n_u = jitter(loads.get(node, 0)), jitter(counts.get(t, 0)), jitter(counts.get(u, 0))
    kind = rng.randrange(6)
    if kind == 0:
        return Add(node, t, load, n_t)
    if kind == 1:
        return Drop(node, t, n_t)
    if kind == 2:
        return Swap(node, t, u, n_t, n_u)
    if kind == 3:
        return OverCapacity(node, load)
    if kind == 4:
        return UnsupportedKind(node, t)
    return UnknownNode(node)


def test_python_and_solidity_verdicts_agree_on_random_cases(system: System) -> None:
    rng = random.Random(7)
    prices = {i: (rng.randint(1, 3), {k: rng.randint(5, 25) * T for k in (1, 2, 3) if rng.random() < 0.7} or {1: 9 * T})
              for i in (1, 2, 3, 4, 5)}
    specs = [(rng.randint(1, 3), rng.randint(3, 90) * T + rng.randrange(3), rng.randint(1, 3)) for _ in range(10)]
    w = make_world(system, nodes=prices, tasks=specs)
    instance = w.instance()
    nodes = [_addr(system, i) for i in (1, 2, 3, 4, 5, 8)]
    tasks = [*w.tasks, 999]
    verdicts = {True: 0, False: 0}
    for trial in range(6):
        snap = system.chain.snapshot()
        if trial == 0:
            alloc = solve(instance)
        else:
            pairs = {(rng.choice(nodes), rng.choice(w.tasks)) for _ in range(rng.randint(4, 20))}
            alloc = Allocation.from_pairs(pairs)
        propose_allocation(w.d, system.sender(PROPOSER), 1, as_mapping(alloc))
        moves = [_random_move(rng, nodes, tasks, alloc) for _ in range(90)]
        found = find_profitable_move(instance, alloc)
        if isinstance(found, (Add, Drop, Swap, OverCapacity, UnsupportedKind, UnknownNode)):
            moves.append(found)
        for mv in moves:
            py = mv.verify(instance, alloc)
            sol = check_move(w.d, 1, to_chain(mv))
            assert py == sol, (mv, py, sol)
            verdicts[py] += 1
        system.chain.revert(snap)
        system.sender(PROPOSER).reset_nonce()
    assert sum(verdicts.values()) >= 540
    assert verdicts[True] >= 60 and verdicts[False] >= 60, verdicts
