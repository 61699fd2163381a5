"""TaskMarket task lifecycle: submit, expire, commit–reveal, settle, claim, audit heads, conservation."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from consensus.game import solve
from contracts import advance_time
from contracts.market import (
    TaskStatus,
    commit_results,
    finalize,
    proposal_of,
    propose_allocation,
    rebuild_head,
    reveal_results,
    settle,
    settle_many,
    submit_task,
    submit_tasks,
    transitions,
)
from contracts.market import claim as claim_credit

from .conftest import TOKEN, System, reverts
from .market_world import NODES, PROPOSER, REQUESTER, STAKE, World, as_mapping, make_world

T = TOKEN


def _task(w: World, tid: int) -> list:
    return w.m.functions.getTask(tid).call()


def test_submit_records_escrow_and_audit_head(system: System) -> None:
    w = make_world(system, tasks=[])
    start = w.balance(system.address(REQUESTER))
    deadline = w.now() + 1_000
    tid = submit_task(w.d, system.sender(REQUESTER), spec=b'{"q": 1}', kind=2, reward=7 * T, deadline=deadline)
    t = _task(w, tid)
    assert t[0] == system.address(REQUESTER) and t[1] == TaskStatus.OPEN and t[2] == 2
    assert t[3] == 3 and t[4] == 1  # Params default redundancy; minimum 1
    assert t[8] == 7 * T and t[9] == deadline
    assert w.balance(system.address(REQUESTER)) == start - 7 * T
    assert w.m.functions.liabilities().call() == [7 * T, 0, 0]
    spec = w.m.events.TaskSpec().get_logs(from_block=0)[-1]["args"]
    assert spec["taskId"] == tid and spec["spec"] == b'{"q": 1}'
    steps = transitions(w.d, tid)
    assert [s[0] for s in steps] == [0]
    assert rebuild_head(steps) == w.m.functions.headOf(tid).call()


def test_submit_rejects_bad_input(system: System) -> None:
    w = make_world(system, tasks=[])
    f, s = w.m.functions, system.sender(REQUESTER)
    later = w.now() + 1_000
    system.sender(REQUESTER).transact(w.d.token.functions.approve(w.m.address, 10 * T))
    with reverts("TaskMarketInvalidKind", kind=0):
        s.transact(f.submitTask(b"\0" * 32, b"", 0, T, 0, 0, later))
    with reverts("TaskMarketZeroReward"):
        s.transact(f.submitTask(b"\0" * 32, b"", 1, 0, 0, 0, later))
    with reverts("TaskMarketInvalidRedundancy", redundancy=2, minRedundancy=3):
        s.transact(f.submitTask(b"\0" * 32, b"", 1, T, 2, 3, later))
    with reverts("TaskMarketDeadlinePassed", deadline=1):
        s.transact(f.submitTask(b"\0" * 32, b"", 1, T, 0, 0, 1))
    with reverts("ERC20InsufficientAllowance"):
        s.transact(f.submitTask(b"\0" * 32, b"", 1, 11 * T, 0, 0, later))


def test_submit_with_permit_needs_no_approval(system: System) -> None:
    w = make_world(system, tasks=[])
    owner = system.chain.accounts[REQUESTER]
    token = w.d.token.functions
    deadline = w.now() + 3_600
    data = {
        "types": {
            "EIP712Domain": [{"name": n, "type": t} for n, t in
                             (("name", "string"), ("version", "string"), ("chainId", "uint256"),
                              ("verifyingContract", "address"))],
            "Permit": [{"name": n, "type": t} for n, t in
                       (("owner", "address"), ("spender", "address"), ("value", "uint256"),
                        ("nonce", "uint256"), ("deadline", "uint256"))],
        },
        "primaryType": "Permit",
        "domain": {"name": token.name().call(), "version": "1", "chainId": system.w3.eth.chain_id,
                   "verifyingContract": w.d.token.address},
        "message": {"owner": owner.address, "spender": w.m.address, "value": 5 * T,
                    "nonce": token.nonces(owner.address).call(), "deadline": deadline},
    }
    sig = Account.sign_message(encode_typed_data(full_message=data), owner.key)
    system.sender(REQUESTER).transact(w.m.functions.submitTaskWithPermit(
        keccak(b"x"), b"x", 1, 5 * T, 1, 1, deadline, deadline, sig.v, sig.r.to_bytes(32, "big"),
        sig.s.to_bytes(32, "big")))
    assert _task(w, 1)[8] == 5 * T
    w.check_conserved()


def test_open_task_expires_after_its_deadline(system: System) -> None:
    w = make_world(system, tasks=[])
    deadline = w.now() + 100
    tid = submit_task(w.d, system.sender(REQUESTER), spec=b"s", kind=1, reward=4 * T, deadline=deadline)
    with reverts("TaskMarketNotExpired", taskId=tid, deadline=deadline):
        system.sender(7).transact(w.m.functions.expire(tid))
    advance_time(system.w3, 200)
    system.sender(7).transact(w.m.functions.expire(tid))
    assert _task(w, tid)[1] == TaskStatus.EXPIRED
    assert w.m.functions.creditOf(system.address(REQUESTER)).call() == 4 * T
    with reverts("TaskMarketInvalidTaskState", taskId=tid, status=TaskStatus.EXPIRED, expected=TaskStatus.OPEN):
        system.sender(7).transact(w.m.functions.expire(tid))
    assert rebuild_head(transitions(w.d, tid)) == w.m.functions.headOf(tid).call()


def test_tasks_below_min_redundancy_roll_to_the_next_round(system: System) -> None:
    w = make_world(system, tasks=[(1, 60 * T, 3)], min_redundancy=3)
    tid, p = w.tasks[0], system.sender(PROPOSER)
    propose_allocation(w.d, p, 1, {system.address(1): [tid], system.address(2): [tid]})
    advance_time(system.w3, w.d.params.functions.challengeWindow().call())
    finalize(w.d, p, 1)
    assert _task(w, tid)[1] == TaskStatus.OPEN
    assert w.m.functions.countOf(2, tid).call() == 0
    propose_allocation(w.d, p, 2, {system.address(i): [tid] for i in (1, 2, 3)})
    advance_time(system.w3, w.d.params.functions.challengeWindow().call())
    finalize(w.d, p, 2)
    assert _task(w, tid)[1] == TaskStatus.ALLOCATED and _task(w, tid)[7] == 2


def _expected_settlement(w: World, alloc: dict[str, list[int]], votes: dict[tuple[str, int], bytes]):  # noqa: ANN202
    """A plain model of settle(): credits per account and slashes per node, in settle order."""
    params = w.d.params.functions
    fee_bps, slash_bps = params.protocolFeeBps().call(), params.slashBps().call()
    requester, treasury = w.system.address(REQUESTER), w.d.timelock.address
    credits: dict[str, int] = {w.system.address(PROPOSER): params.proposerBond().call()}  # bond back
    stakes = {n: STAKE for n in alloc}
    status: dict[int, int] = {}

    def add(acct: str, amount: int) -> None:
        credits[acct] = credits.get(acct, 0) + amount

    for tid in sorted(w.tasks):
        if not any(tid in ts for ts in alloc.values()):
            add(requester, _task(w, tid)[8])  # expired, never allocated
            status[tid] = TaskStatus.EXPIRED
            continue
        nodes = sorted((n for n, ts in alloc.items() if tid in ts), key=lambda a: int(a, 16))
        reward, k = _task(w, tid)[8], _task(w, tid)[3]
        vs = [votes.get((n, tid), b"\0" * 32) for n in nodes]
        winner = next((v for v in vs if v != b"\0" * 32 and 2 * vs.count(v) > len(vs)), None)
        paid = 0
        if winner is not None:
            share = reward // max(len(nodes), k)
            fee = share * fee_bps // 10_000
            for n, v in zip(nodes, vs, strict=True):
                if v == winner:
                    add(n, share - fee)
                    add(treasury, fee)
                    paid += share
        add(requester, reward - paid)
        status[tid] = TaskStatus.SETTLED if winner is not None else TaskStatus.REFUNDED
        for n, v in zip(nodes, vs, strict=True):
            if (v != winner) if winner is not None else (v == b"\0" * 32):
                stakes[n] -= stakes[n] * slash_bps // 10_000
    return credits, stakes, status


def test_full_lifecycle_pays_the_majority_slashes_the_rest_and_conserves_tokens(system: System) -> None:
    w = make_world(system, tasks=[(1, 60 * T, 3), (1, 45 * T, 2), (2, 70 * T, 3), (2, 30 * T, 1), (1, 33 * T, 3)])
    d, f = w.d, w.m.functions
    holders = [system.address(i) for i in range(10)] + [d.registry.address, w.m.address, d.timelock.address]
    supply = d.token.functions.totalSupply().call()
    assert sum(w.balance(h) for h in holders) == supply

    eq = solve(w.instance())
    propose_allocation(d, system.sender(PROPOSER), 1, as_mapping(eq))
    w.check_conserved()
    alloc = proposal_of(d, 1)
    nodes = sorted(alloc, key=lambda a: int(a, 16))
    liar, silent = nodes[0], nodes[-1]
    who = {system.address(i): i for i in range(10)}

    with reverts("TaskMarketNotFinalized", round=1):
        system.sender(who[liar]).transact(f.commit(1, b"\1" * 32))
    advance_time(system.w3, d.params.functions.challengeWindow().call())
    finalize(d, system.sender(PROPOSER), 1)
    assert all(_task(w, t)[1] == TaskStatus.ALLOCATED for ts in alloc.values() for t in ts)
    commit_deadline, reveal_deadline = f.getRound(1).call()[5:7]

    def results(node: str) -> dict[int, tuple[bytes, bytes]]:
        good = node != liar
        return {t: (keccak(b"answer %d" % t if good else b"wrong"), keccak(node.encode() + bytes([t])))
                for t in alloc[node]}

    with reverts("TaskMarketNotAssignedInRound", round=1, node=system.address(8)):
        system.sender(8).transact(f.commit(1, b"\1" * 32))
    for n in nodes:
        if n != silent:
            commit_results(d, system.sender(who[n]), 1, results(n))
    with reverts("TaskMarketAlreadyCommitted", round=1, node=liar):
        commit_results(d, system.sender(who[liar]), 1, results(liar))
    with reverts("TaskMarketRevealNotOpen", round=1, opensAt=commit_deadline + 1):
        reveal_results(d, system.sender(who[liar]), 1, results(liar))

    advance_time(system.w3, commit_deadline - w.now())
    with reverts("TaskMarketCommitClosed", round=1, deadline=commit_deadline):
        commit_results(d, system.sender(who[silent]), 1, results(silent))
    with reverts("TaskMarketNoCommitment", round=1, node=silent):
        reveal_results(d, system.sender(who[silent]), 1, results(silent))
    bad_salt = {t: (h, b"\7" * 32) for t, (h, _) in results(liar).items()}
    with reverts("TaskMarketRevealMismatch", round=1, node=liar):
        reveal_results(d, system.sender(who[liar]), 1, bad_salt)
    votes: dict[tuple[str, int], bytes] = {}
    for n in nodes:
        if n != silent:
            reveal_results(d, system.sender(who[n]), 1, results(n), {t: b"ipfs://r/%d" % t for t in alloc[n]})
            votes.update({(n, t): h for t, (h, _) in results(n).items()})
    with reverts("TaskMarketNoCommitment", round=1, node=liar):
        reveal_results(d, system.sender(who[liar]), 1, results(liar))

    first = min(w.tasks)
    with reverts("TaskMarketSettleTooEarly", taskId=first, opensAt=reveal_deadline + 1):
        settle(d, system.sender(7), first)
    advance_time(system.w3, reveal_deadline - w.now())
    with reverts("TaskMarketNodeListMismatch", taskId=first, listed=0):
        system.sender(7).transact(f.settle(first, []))
    credits, stakes, status = _expected_settlement(w, alloc, votes)
    for tid in sorted(w.tasks):
        if status[tid] == TaskStatus.EXPIRED:
            with reverts("TaskMarketInvalidTaskState", taskId=tid, status=TaskStatus.OPEN):
                settle(d, system.sender(7), tid)
            advance_time(system.w3, 31 * 86_400)
            system.sender(7).transact(f.expire(tid))
        else:
            settle(d, system.sender(7), tid)
        w.check_conserved()
        assert _task(w, tid)[1] == status[tid]
        with reverts("TaskMarketInvalidTaskState", taskId=tid, status=status[tid], expected=TaskStatus.ALLOCATED):
            settle(d, system.sender(7), tid)
    assert TaskStatus.SETTLED in status.values()
    for acct, amount in credits.items():
        assert f.creditOf(acct).call() == amount, acct
    for n in nodes:
        assert d.registry.functions.stakeOf(n).call() == stakes[n], n
    assert stakes[silent] < STAKE and stakes[liar] < STAKE

    before = {h: w.balance(h) for h in holders}
    for acct, amount in credits.items():
        assert claim_credit(d, system.sender(7), acct) == amount
        assert w.balance(acct) == before[acct] + amount
        with reverts("TaskMarketNothingToClaim", account=acct):
            claim_credit(d, system.sender(7), acct)
    assert w.balance(w.m.address) == 0 and f.liabilities().call() == [0, 0, 0]
    assert sum(w.balance(h) for h in holders) == supply

    for tid in w.tasks:
        steps = transitions(d, tid)
        assert rebuild_head(steps) == f.headOf(tid).call()
        assert steps[0][0] == 0 and steps[-1][0] in (3, 4, 5)


def test_no_majority_refunds_the_requester(system: System) -> None:
    w = make_world(system, tasks=[(1, 40 * T, 2)])
    d, tid = w.d, w.tasks[0]
    a, b = system.address(1), system.address(2)
    propose_allocation(d, system.sender(PROPOSER), 1, {a: [tid], b: [tid]})
    advance_time(system.w3, d.params.functions.challengeWindow().call())
    finalize(d, system.sender(PROPOSER), 1)
    res = {1: {tid: (keccak(b"x"), b"\1" * 32)}, 2: {tid: (keccak(b"y"), b"\2" * 32)}}
    for i in (1, 2):
        commit_results(d, system.sender(i), 1, res[i])
    advance_time(system.w3, d.params.functions.commitWindow().call() + 1)
    for i in (1, 2):
        reveal_results(d, system.sender(i), 1, res[i])
    advance_time(system.w3, d.params.functions.revealWindow().call() + 1)
    with reverts("TaskMarketRevealClosed", round=1):
        reveal_results(d, system.sender(1), 1, res[1])
    settle(d, system.sender(7), tid)
    assert _task(w, tid)[1] == TaskStatus.REFUNDED
    assert w.m.functions.creditOf(system.address(REQUESTER)).call() == 40 * T
    assert all(d.registry.functions.stakeOf(system.address(i)).call() == STAKE for i in NODES)
    assert rebuild_head(transitions(d, tid)) == w.m.functions.headOf(tid).call()


def test_batched_submit_and_settle_match_the_single_forms(system: System) -> None:
    w = make_world(system, tasks=[])
    d = w.d
    deadline = w.now() + 10_000
    ids = submit_tasks(d, system.sender(REQUESTER), [
        {"spec": b"a", "kind": 1, "reward": 30 * T, "deadline": deadline, "redundancy": 1},
        {"spec": b"b", "kind": 2, "reward": 20 * T, "deadline": deadline, "redundancy": 1},
    ])
    assert ids == [1, 2]
    assert [_task(w, t)[8] for t in ids] == [30 * T, 20 * T]
    assert w.m.functions.liabilities().call()[0] == 50 * T
    a = system.address(1)
    propose_allocation(d, system.sender(PROPOSER), 1, {a: ids})
    advance_time(system.w3, d.params.functions.challengeWindow().call())
    finalize(d, system.sender(PROPOSER), 1)
    res = {t: (keccak(b"r%d" % t), b"\3" * 32) for t in ids}
    commit_results(d, system.sender(1), 1, res)
    advance_time(system.w3, d.params.functions.commitWindow().call() + 1)
    reveal_results(d, system.sender(1), 1, res)
    advance_time(system.w3, d.params.functions.revealWindow().call() + 1)
    with reverts("TaskMarketLengthMismatch", expected=2, actual=1):
        system.sender(7).transact(w.m.functions.settleMany(ids, [[a]]))
    settle_many(d, system.sender(7), ids)
    assert [_task(w, t)[1] for t in ids] == [TaskStatus.SETTLED] * 2
    fee = d.params.functions.protocolFeeBps().call()
    assert w.m.functions.creditOf(a).call() == 50 * T - 50 * T * fee // 10_000
    w.check_conserved()
