"""Regression tests for the security review of TaskMarket/NodeRegistry (findings F1, F3, F4).

Each test replays the attack on the in-process chain and asserts the exact error or outcome.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak
from web3.logs import DISCARD

from contracts import advance_time
from contracts.market import (
    ChainMove,
    MoveKind,
    TaskStatus,
    challenge,
    check_move,
    commit_results,
    finalize,
    propose_allocation,
    reveal_results,
    settle,
    submit_task,
)
from contracts.market import claim as claim_credit

from .conftest import TOKEN, System, reverts
from .market_world import CHALLENGER, PROPOSER, REQUESTER, STAKE, World, make_world

T = TOKEN
BPS = 10_000


def _task(w: World, tid: int) -> list:
    return w.m.functions.getTask(tid).call()


def _windows(w: World) -> tuple[int, int]:
    p = w.d.params.functions
    return int(p.challengeWindow().call()), int(p.commitWindow().call())


def test_f1_pending_task_cannot_expire_and_finalize_still_works(system: System) -> None:
    """F1: a task in the pending proposal cannot be expired (which used to make finalize
    impossible and lock the bond); finalize leaves it open, and then it expires."""
    w = make_world(system, tasks=[])
    cw, _ = _windows(w)
    deadline = w.now() + cw + 30
    tid = submit_task(w.d, system.sender(REQUESTER), spec=b"s", kind=1, reward=60 * T, redundancy=3, deadline=deadline)
    p = system.sender(PROPOSER)
    propose_allocation(w.d, p, 1, {system.address(i): [tid] for i in (1, 2, 3)})
    advance_time(system.w3, deadline + 1 - w.now())
    assert w.now() > deadline
    with reverts("TaskMarketTaskInPendingRound", taskId=tid, round=1):
        system.sender(CHALLENGER).transact(w.m.functions.expire(tid))
    finalize(w.d, p, 1)  # past its deadline at finalize: listed, counted, not allocated
    assert _task(w, tid)[1] == TaskStatus.OPEN
    assert w.m.functions.currentRound().call() == 2
    assert w.m.functions.creditOf(system.address(PROPOSER)).call() == w.d.params.functions.proposerBond().call()
    system.sender(CHALLENGER).transact(w.m.functions.expire(tid))
    assert _task(w, tid)[1] == TaskStatus.EXPIRED
    assert w.m.functions.creditOf(system.address(REQUESTER)).call() == 60 * T
    w.check_conserved()


def test_f1_proposal_refuses_a_task_due_before_the_challenge_window_ends(system: System) -> None:
    """F1: a proposal may not name a task it could never allocate (deadline before the end of
    the challenge window), and such a task is outside the round's game for challenges."""
    w = make_world(system, tasks=[(1, 60 * T, 3)])
    far = w.tasks[0]
    cw, _ = _windows(w)
    deadline = w.now() + cw // 2
    near = submit_task(
        w.d, system.sender(REQUESTER), spec=b"near", kind=1, reward=60 * T, redundancy=3, deadline=deadline
    )
    p = system.sender(PROPOSER)
    with reverts("TaskMarketDeadlineTooSoon", taskId=near, deadline=deadline):
        propose_allocation(w.d, p, 1, {system.address(1): [far, near]})
    p.reset_nonce()
    propose_allocation(w.d, p, 1, {system.address(i): [far] for i in (1, 2, 3)})
    # Adding a node to the near task would be profitable, but the round cannot allocate it.
    # (share 60/3 = 20 > node 4's price 14; the same move on the allocatable task is taken).
    add_near = ChainMove(MoveKind.ADD, system.address(4), task=near, load=0, count=0)
    assert not check_move(w.d, 1, add_near)
    assert check_move(w.d, 1, ChainMove(MoveKind.ADD, system.address(4), task=far, load=0, count=3))
    with reverts("TaskMarketChallengeFailed", round=1, kind=int(MoveKind.ADD), node=system.address(4)):
        challenge(w.d, system.sender(CHALLENGER), 1, add_near)


def test_f1_anyone_abandons_a_round_nobody_finalized(system: System) -> None:
    """F1: a pending proposal left unfinalized for challenge + commit window is voided by
    anyone; its bond goes to the treasury and the next round can be proposed."""
    w = make_world(system)
    cw, commit_window = _windows(w)
    bond = w.d.params.functions.proposerBond().call()
    p = system.sender(PROPOSER)
    propose_allocation(w.d, p, 1, {system.address(i): [w.tasks[0]] for i in (1, 2, 3)})
    proposed_at = w.m.functions.getRound(1).call()[1]
    opens = proposed_at + cw + commit_window
    stranger = system.sender(9)
    with reverts("TaskMarketAbandonTooEarly", round=1, opensAt=opens):
        stranger.transact(w.m.functions.abandon(1))
    stranger.reset_nonce()
    advance_time(system.w3, opens - 1 - w.now())
    receipt = stranger.transact(w.m.functions.abandon(1))
    ev = w.m.events.AllocationAbandoned().process_receipt(receipt, errors=DISCARD)[0]["args"]
    assert (ev["round"], ev["caller"], ev["bond"]) == (1, system.address(9), bond)
    assert w.m.functions.getRound(1).call()[2] is True  # voided
    assert w.m.functions.currentRound().call() == 2
    assert w.m.functions.creditOf(w.d.timelock.address).call() == bond
    assert w.m.functions.creditOf(system.address(PROPOSER)).call() == 0
    assert w.m.functions.liabilities().call()[1] == 0
    w.check_conserved()
    with reverts("TaskMarketProposalVoided", round=1):
        finalize(w.d, p, 1)
    with reverts("TaskMarketProposalVoided", round=1):
        stranger.transact(w.m.functions.abandon(1))
    p.reset_nonce()
    propose_allocation(w.d, p, 2, {system.address(i): [w.tasks[0]] for i in (1, 2, 3)})
    advance_time(system.w3, cw)
    finalize(w.d, p, 2)
    assert _task(w, w.tasks[0])[1] == TaskStatus.ALLOCATED and _task(w, w.tasks[0])[7] == 2
    w.check_conserved()


@pytest.mark.parametrize("escape", ["unstake_all", "unstake_most", "deregister"])
def test_f3_unstaking_after_finalize_does_not_escape_the_slash(system: System, escape: str) -> None:
    """F3: a node that moves its stake to unbonding after finalize and does not reveal is
    slashed slashBps of bonded + unbonding stake, bonded first."""
    w = make_world(system, tasks=[(1, 60 * T, 3)])
    tid, d, f = w.tasks[0], w.d, w.m.functions
    p = system.sender(PROPOSER)
    propose_allocation(d, p, 1, {system.address(i): [tid] for i in (1, 2, 3)})
    advance_time(system.w3, _windows(w)[0])
    finalize(d, p, 1)
    silent, reg = system.address(3), d.registry.functions
    left_bonded = {"unstake_all": 0, "unstake_most": 50 * T, "deregister": 0}[escape]
    if escape == "deregister":
        system.sender(3).transact(reg.deregister())
    else:
        system.sender(3).transact(reg.requestUnstake(STAKE - left_bonded))
    assert reg.stakeOf(silent).call() == left_bonded
    assert reg.slashableOf(silent).call() == STAKE
    answer = {tid: (keccak(b"answer"), b"\1" * 32)}
    for i in (1, 2):
        commit_results(d, system.sender(i), 1, {tid: (answer[tid][0], keccak(b"salt %d" % i))})
    commit_deadline, reveal_deadline = f.getRound(1).call()[5:7]
    advance_time(system.w3, commit_deadline - w.now())
    for i in (1, 2):
        reveal_results(d, system.sender(i), 1, {tid: (answer[tid][0], keccak(b"salt %d" % i))})
    advance_time(system.w3, reveal_deadline - w.now())
    receipt = settle(d, system.sender(CHALLENGER), tid)
    amount = STAKE * d.params.functions.slashBps().call() // BPS  # 200 tokens: more than stays bonded
    slashed = w.m.events.NodeSlashed().process_receipt(receipt, errors=DISCARD)
    assert [(e["args"]["node"], e["args"]["amount"]) for e in slashed] == [(silent, amount)]
    node = reg.getNode(silent).call()
    from_bonded = min(amount, left_bonded)
    assert (node[5], node[6]) == (left_bonded - from_bonded, STAKE - left_bonded - (amount - from_bonded))
    assert reg.slashableOf(silent).call() == STAKE - amount
    for i in (1, 2):
        assert reg.slashableOf(system.address(i)).call() == STAKE
    assert w.balance(d.registry.address) == reg.totalStaked().call()
    w.check_conserved()


def test_f4_self_challenge_costs_the_proposer_part_of_its_bond(system: System) -> None:
    """F4: a proposer that challenges its own junk proposal gets back only the challenge
    reward share; the rest of the bond goes to the treasury, and tokens are conserved."""
    w = make_world(system)
    d, f = w.d, w.m.functions
    bond = d.params.functions.proposerBond().call()
    reward_bps = d.params.functions.challengeRewardBps().call()
    assert 0 < reward_bps < BPS
    reward = bond * reward_bps // BPS
    treasury = d.timelock.address
    me = system.sender(PROPOSER)
    before = w.balance(me.address)
    treasury_before = w.balance(treasury)
    junk = {system.address(8): [w.tasks[0]]}  # account 8 is no registered node
    propose_allocation(d, me, 1, junk)
    assert f.liabilities().call()[1] == bond
    w.check_conserved()
    challenge(d, me, 1, ChainMove(MoveKind.UNKNOWN_NODE, system.address(8)))
    assert f.creditOf(me.address).call() == reward
    assert f.creditOf(treasury).call() == bond - reward
    assert f.liabilities().call()[1] == 0
    w.check_conserved()
    assert claim_credit(d, me) == reward
    assert claim_credit(d, system.sender(CHALLENGER), treasury) == bond - reward
    assert w.balance(me.address) == before - (bond - reward)
    assert w.balance(treasury) == treasury_before + bond - reward
    w.check_conserved()
