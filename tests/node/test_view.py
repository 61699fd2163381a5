"""The v2 daemon's market view, folded from v2 events without a chain."""

from __future__ import annotations

from eth_abi import encode

from consensus.clients.market_v2 import _PROPOSAL_TYPE, ProposalV2, TaskLeaf
from contracts.codec import NodeEntry, Outcome, TaskRecord, Transition, pack_submission
from node.daemon.view import MarketView, TaskStatus

A = "0x" + "11" * 20
B = "0x" + "22" * 20
RECORD = TaskRecord(A, b"\1" * 32, 3, 10, 2, 1, 999)


def _submitted(tid: int, reward: int = 10) -> dict:
    """A ``TasksSubmitted`` of one task as the chain log stores it (redundancy 0 takes the default 2)."""
    r = RECORD
    packed = pack_submission(r.kind, reward, 0, r.min_redundancy, r.deadline, b'{"a":%d}' % tid)
    return {"firstId": tid, "requester": r.requester, "count": 1, "defaultRedundancy": 2, "tasks": "0x" + packed.hex()}


def _proposed(round_: int, tasks: list[tuple[int, tuple[int, ...]]]) -> dict:
    """An ``AllocationProposed`` as the chain log stores it, for a proposal of two nodes."""
    nodes = (NodeEntry(A, 4, 1 << 3), NodeEntry(B, 4, 1 << 3))
    leaves = tuple(TaskLeaf(t, RECORD, ns) for t, ns in tasks)
    loads = tuple(sum(i in ns for _, ns in tasks) for i in range(2))
    p = ProposalV2(round_, 10, nodes, (True, True), loads, leaves)
    raw = encode(["uint256", _PROPOSAL_TYPE], [round_, p.as_tuple()])
    return {"round": round_, "proposer": A, "bond": 0, "challengeCloses": 50, "proposal": "0x" + raw.hex()}


def test_view_follows_a_task_and_a_round_through_their_events() -> None:
    v = MarketView()
    v.apply("TasksSubmitted", _submitted(1), 5, 1)
    v.apply("TasksSubmitted", _submitted(2, reward=7), 5, 3)
    assert [t.id for t in v.open_tasks()] == [1, 2]
    assert v.tasks[1].spec == b'{"a":1}' and v.tasks[2].record.reward == 7 and v.tasks[1].record.redundancy == 2
    assert [t.id for t in v.open_tasks(below=2)] == [1]
    v.apply("AllocationProposed", _proposed(1, [(1, (0, 1)), (2, ())]), 6, 4)
    assert v.rounds[1].pending and v.current_round == 1 and v.rounds[1].challenge_closes == 50
    assert v.rounds[1].parsed.assigned(B) == [1]
    v.apply("AllocationFinalized", {"round": 1, "commitDeadline": 100, "revealDeadline": 200}, 7, 5)
    assert v.current_round == 2 and v.rounds[1].finalized and v.rounds[1].reveal_deadline == 200
    # Finalize allocated task 1 (two nodes); task 2 got none and stays open.
    assert v.tasks[1].status is TaskStatus.ALLOCATED and v.tasks[1].round == 1
    assert [t.id for t in v.open_tasks()] == [2]
    v.apply("ResultsCommitted", {"round": 1, "node": B, "commitment": "0x" + "00" * 32}, 8, 7)
    assert v.rounds[1].committed == {"0x" + "22" * 20}
    v.apply("ResultsRevealed", {"round": 1, "node": B, "results": ["0x" + "05" * 32], "payloads": "0x"}, 9, 8)
    assert v.rounds[1].revealed == {"0x" + "22" * 20: [b"\5" * 32]}
    settled = Outcome(1, b"\2" * 32, 2, 3, 0, 4).packed()
    v.apply("RoundSettled", {"round": 1, "settled": 1, "tasksPaid": 1, "outcomes": "0x" + settled.hex()}, 10, 10)
    assert v.tasks[1].status is TaskStatus.SETTLED and v.rounds[1].settled
    assert v.counts() == {"settled": 1, "open": 1}
    v.registry_changed = False
    v.apply("Staked", {"operator": A, "amount": 1, "stake": 1}, 11, 11)
    assert v.registry_changed


def test_settle_without_a_majority_and_refunds_are_told_apart() -> None:
    """A settled transition with a zero winner is a full refund (no majority); expire and cancel close too."""
    v = MarketView()
    for t in (1, 2, 3):
        v.apply("TasksSubmitted", _submitted(t), 5, t)
    none = Outcome(1, b"\0" * 32, 0, 0, 0, 10).packed()
    v.apply("RoundSettled", {"round": 9, "settled": 1, "tasksPaid": 0, "outcomes": "0x" + none.hex()}, 6, 4)
    refund = "0x" + encode(["uint256"], [10]).hex()
    v.apply("TaskTransition", {"id": 2, "kind": int(Transition.EXPIRED), "data": refund}, 6, 5)
    v.apply("TaskTransition", {"id": 3, "kind": int(Transition.CANCELLED), "data": refund}, 6, 6)
    assert [v.tasks[t].status for t in (1, 2, 3)] == [TaskStatus.REFUNDED, TaskStatus.EXPIRED, TaskStatus.CANCELLED]
    assert v.open_tasks() == []


def test_a_voided_round_leaves_its_tasks_open_and_moves_the_round_on() -> None:
    v = MarketView()
    v.apply("TasksSubmitted", _submitted(1), 5, 1)
    v.apply("AllocationProposed", _proposed(1, [(1, (0,))]), 6, 2)
    v.apply("AllocationChallenged", {"round": 1, "challenger": B, "kind": 0, "reward": 0}, 6, 3)
    assert v.rounds[1].voided and not v.rounds[1].pending and v.current_round == 2
    assert [t.id for t in v.open_tasks()] == [1]


def test_an_abandoned_round_is_voided_like_a_challenged_one() -> None:
    """F1's escape hatch: after `abandon`, the daemon proposes the next round."""
    v = MarketView()
    v.apply("TasksSubmitted", _submitted(1), 5, 1)
    v.apply("AllocationProposed", _proposed(1, [(1, (0,))]), 6, 2)
    v.apply("AllocationAbandoned", {"round": 1, "caller": B, "bond": 0}, 9, 3)
    assert v.rounds[1].voided and not v.rounds[1].pending and v.current_round == 2
    assert [t.id for t in v.open_tasks()] == [1]
