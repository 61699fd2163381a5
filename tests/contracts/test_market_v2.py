"""TaskMarketV2 on the in-process EVM: the whole round, the defects refused at propose, the
challenges, and the review's findings replayed (F1, F2, F3, F4, F9, F11, F13).

The proposals come from the v2 solver through ``consensus.clients.market_v2``; wrong ones
are built by hand from the same client so that only the defect under test differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from eth_utils import keccak

from consensus.clearing import Allocation
from consensus.clients.audit import verify_history
from consensus.clients.errors import AuditMismatch
from consensus.clients.history import Reveal, UnknownTask, histories
from consensus.clients.market_v2 import MarketV2, MoveKind, ProposalV2, TaskInput, move_args, results_for
from contracts import advance_time, codec, mine
from contracts.deploy import ParamsConfig, deploy_market_v2
from contracts.errors import ConfigError
from contracts.tx import ErrorDecoder, Sender

from .conftest import TOKEN, System, reverts

PARAMS = ParamsConfig(challenge_window=60, commit_window=600, reveal_window=600, unbonding_delay=3_600,
                      proposer_bond=100 * TOKEN)
KIND = 3  # mcts
NODES = (1, 2, 3)
REQUESTER, WATCHER = 4, 5


@dataclass
class World:
    """A v2 market with three staked nodes (prices 1, 2, 3 tokens for kind 3) on the session chain."""

    system: System
    m: MarketV2
    market: object
    registry: object
    params: object
    library: object

    def sender(self, i: int) -> Sender:
        return self.system.sender(i)

    def now(self) -> int:
        return int(self.system.w3.eth.get_block("latest")["timestamp"])

    def submit(self, n: int, reward: int = 30 * TOKEN, redundancy: int = 3, deadline_s: int = 7_200,
               kind: int = KIND) -> list[int]:
        s = self.sender(REQUESTER)
        s.transact(self.system.d.token.functions.approve(self.market.address, n * reward))
        inputs = [TaskInput(spec=b"task %d" % i, kind=kind, reward=reward, deadline=self.now() + deadline_s,
                            redundancy=redundancy) for i in range(n)]
        return self.m.submit(s, inputs)

    def propose(self, p: ProposalV2, by: int = WATCHER) -> None:
        s = self.sender(by)
        s.transact(self.system.d.token.functions.approve(self.market.address, PARAMS.proposer_bond))
        self.m.propose(s, p)

    def balance_ok(self) -> bool:
        f = self.market.functions
        held = int(self.system.d.token.functions.balanceOf(self.market.address).call())
        return held == int(f.escrowed().call()) + int(f.bonds().call()) + int(f.unclaimed().call())


@pytest.fixture(scope="module")
def _world(_system: System, artifacts) -> Iterator[World]:  # noqa: ANN001
    start = _system.chain.snapshot()  # the session chain is left as this module found it
    w3 = _system.w3
    decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
    boss = Sender(w3, _system.chain.accounts[0], decoder)
    token = _system.d.token
    v2 = deploy_market_v2(boss, artifacts, token=token.address, treasury=_system.d.timelock.address, params=PARAMS)
    params, registry, market = v2["params"], v2["registry"], v2["market"]
    for price, i in enumerate(NODES, start=1):
        op = _system.sender(i)
        op.transact(registry.functions.register(bytes([i]) * 32, f"http://n{i}", 10, [KIND, 4], [price * TOKEN, TOKEN]))
        op.transact(token.functions.approve(registry.address, 2_000 * TOKEN))
        op.transact(registry.functions.stake(2_000 * TOKEN))
    block = int(w3.eth.block_number)
    yield World(_system, MarketV2(w3, market, registry, params, from_block=block), market, registry, params,
                v2["library"])
    _system.chain.revert(start)


@pytest.fixture()
def world(_world: World) -> Iterator[World]:
    snap = _world.system.chain.snapshot()
    _world.m._records.clear()
    _world.m._scanned = _world.m.from_block - 1
    yield _world
    _world.system.chain.revert(snap)


def _digest(tid: int, answer: str = "42") -> bytes:
    return keccak(text=f"{tid}:{answer}")


def _run_round(w: World, p: ProposalV2, answers: dict[int, dict[int, str]] | None = None,
               silent: tuple[int, ...] = (), payloads: bool = False) -> None:
    """Finalize, commit, reveal and settle ``p``; ``answers[node][task]`` overrides the honest answer;
    with ``payloads`` each node reveals ``b"<node>:<task>"`` per task, else one unstructured blob."""
    w.propose(p)
    advance_time(w.system.w3, PARAMS.challenge_window)
    w.m.finalize(w.sender(WATCHER), p.round)
    secret = b"\x07" * 32
    vectors = {}
    for i in NODES:
        me = w.sender(i).address
        digests = {t: _digest(t, (answers or {}).get(i, {}).get(t, "42")) for t in p.assigned(me)}
        vectors[i] = results_for(p, me, digests)
        if i not in silent and vectors[i]:
            w.m.commit(w.sender(i), p.round, secret, vectors[i])
    advance_time(w.system.w3, PARAMS.commit_window + 1)
    for i in NODES:
        if i not in silent and vectors[i]:
            me = w.sender(i).address
            blob = codec.encode_payloads([b"%d:%d" % (i, t) for t in p.assigned(me)]) if payloads else b"ipfs://results"
            w.m.reveal(w.sender(i), p.round, secret, vectors[i], blob)
    advance_time(w.system.w3, PARAMS.reveal_window + 1)
    w.m.settle(w.sender(WATCHER), p.round)


def test_a_round_allocates_at_the_clearing_price_and_settles_from_calldata(world: World) -> None:
    w = world
    ids = w.submit(4, reward=30 * TOKEN, redundancy=2)
    p = w.m.build_proposal()
    # Capped slots: two nodes per task, the two cheapest with capacity.
    assert [len(t.nodes) for t in p.tasks] == [2, 2, 2, 2]
    assert p.allocated_ids == ids and w.balance_ok()
    _run_round(w, p)
    credits = {i: int(w.market.functions.creditOf(w.sender(i).address).call()) for i in (*NODES, REQUESTER, WATCHER)}
    price = min(15 * TOKEN, p.lambdas[KIND])
    fee = price * PARAMS.protocol_fee_bps // 10_000
    paid = {i: sum(price - fee for t in p.tasks if p.node_index(w.sender(i).address) in t.nodes) for i in NODES}
    assert {i: credits[i] for i in NODES} == paid
    assert credits[REQUESTER] == 4 * (30 * TOKEN - 2 * price)
    assert credits[WATCHER] == PARAMS.proposer_bond  # the bond came back at finalize
    assert all(w.m.status(t).name == "CLOSED" for t in ids)
    assert int(w.market.functions.escrowed().call()) == 0 and w.balance_ok()
    for i in (*NODES, REQUESTER, WATCHER):
        if credits[i]:
            w.m.claim(w.sender(i))
    fees = int(w.market.functions.creditOf(w.system.d.timelock.address).call())
    assert fees == 8 * fee  # what is left is the treasury's, until it claims
    assert int(w.system.d.token.functions.balanceOf(w.market.address).call()) == fees


def test_submissions_are_packed_and_their_records_read_back_from_one_event(world: World) -> None:
    """submit takes packed tasks and hashes each spec itself; the one TasksSubmitted event gives
    back every record with the defaults resolved, and each head is task_head0 of that record."""
    w = world
    s = w.sender(REQUESTER)
    s.transact(w.system.d.token.functions.approve(w.market.address, 10 * TOKEN))
    due = w.now() + 7_200
    ids = w.m.submit(s, [TaskInput(b"one", KIND, 3 * TOKEN, due), TaskInput(b"", KIND, 7 * TOKEN, due, 2, 2)])
    [first, second] = [w.m.record(t) for t in ids]
    assert (first.redundancy, first.min_redundancy) == (PARAMS.default_redundancy, 1)  # 0 and 0: the defaults
    assert (second.redundancy, second.min_redundancy, second.reward) == (2, 2, 7 * TOKEN)
    assert first.spec_hash == keccak(b"one") and second.spec_hash == keccak(b"")
    assert first.requester == second.requester == s.address and w.m.spec(ids[0]) == b"one"
    for t in ids:
        assert bytes(w.market.functions.headOf(t).call()) == codec.task_head0(w.m.record(t))
    assert w.balance_ok()


def test_malformed_or_invalid_submissions_are_refused_and_take_nothing(world: World) -> None:
    w = world
    s = w.sender(REQUESTER)
    s.transact(w.system.d.token.functions.approve(w.market.address, 10 * TOKEN))
    due = w.now() + 7_200
    good = TaskInput(b"spec", KIND, TOKEN, due).packed()
    before = int(w.market.functions.nextTaskId().call())
    with reverts("MarketBadTaskEncoding", offset=len(good)):  # the second one ends inside its spec
        s.transact(w.market.functions.submit(good + good[:-1]))
    with reverts("MarketBadTaskEncoding", offset=0):  # shorter than a header
        s.transact(w.market.functions.submit(good[:20]))
    with reverts("MarketInvalidKind", kind=0):
        s.transact(w.market.functions.submit(TaskInput(b"x", 0, TOKEN, due).packed()))
    with reverts("MarketZeroReward"):
        s.transact(w.market.functions.submit(TaskInput(b"x", KIND, 0, due).packed()))
    with reverts("MarketInvalidRedundancy", redundancy=2, minRedundancy=3):
        s.transact(w.market.functions.submit(TaskInput(b"x", KIND, TOKEN, due, 2, 3).packed()))
    with pytest.raises(ConfigError, match="reward: -1 does not fit in 16 byte"):
        TaskInput(b"x", KIND, -1, due).packed()
    with pytest.raises(ConfigError, match="spec: 65,536 bytes; at most 65,535"):
        TaskInput(b"x" * 65_536, KIND, TOKEN, due).packed()
    assert int(w.market.functions.nextTaskId().call()) == before and w.balance_ok()


def test_the_proposal_is_readable_from_the_log_whoever_sent_it(world: World) -> None:
    """F7: clients read a proposal from AllocationProposed alone."""
    w = world
    w.submit(3)
    p = w.m.build_proposal()
    w.propose(p)
    assert w.m.proposal_of(p.round) == p


def test_defects_are_refused_at_propose(world: World) -> None:
    w = world
    ids = w.submit(3)
    good = w.m.build_proposal()
    missing = replace(good, tasks=good.tasks[1:])
    w.sender(WATCHER).transact(w.system.d.token.functions.approve(w.market.address, 10**30))
    with reverts("MarketMissingTasks", word=0, open=3, listed=2):
        w.m.propose(w.sender(WATCHER), missing)
    stale = replace(good, nodes=(replace(good.nodes[0], capacity=good.nodes[0].capacity + 1), *good.nodes[1:]))
    with reverts("MarketStaleNodeEntry", node=good.nodes[0].node):
        w.m.propose(w.sender(WATCHER), stale)
    t0 = good.tasks[0]
    over = replace(good, tasks=(replace(t0, nodes=(0, 1, 2, 2)), *good.tasks[1:]))
    with reverts("MarketOverfull", id=ids[0], nodes=4, redundancy=3):
        w.m.propose(w.sender(WATCHER), over)
    wrong_record = replace(good, tasks=(replace(t0, record=replace(t0.record, reward=1)), *good.tasks[1:]))
    with reverts("MarketRecordMismatch", id=ids[0]):
        w.m.propose(w.sender(WATCHER), wrong_record)
    bad_load = replace(good, loads=(good.loads[0] + 1, *good.loads[1:]))
    with reverts("MarketBadLoad", node=good.nodes[0].node, load=good.loads[0] + 1, counted=good.loads[0],
                 capacity=good.nodes[0].capacity):
        w.m.propose(w.sender(WATCHER), bad_load)
    with reverts("MarketBadNodeList", index=2, node="0x" + "00" * 20):
        w.m.propose(w.sender(WATCHER), replace(good, nodes=good.nodes[:2], loads=good.loads[:2]))
    with reverts("MarketWrongRound", round=2, currentRound=1):
        w.m.propose(w.sender(WATCHER), replace(good, round=2))
    limit, nodes, loads, packed, lambdas = good.as_tuple()
    second = len(good.tasks[0].packed())
    with reverts("MarketBadTaskEncoding", offset=second):  # the second leaf ends early
        w.sender(WATCHER).transact(w.market.functions.propose(good.round, (limit, nodes, loads,
                                                                            packed[: second + 50], lambdas)))
    sixteen = replace(t0, nodes=tuple(range(16))).packed()
    with reverts("MarketBadTaskEncoding", offset=0):  # more nodes than any task may have
        w.sender(WATCHER).transact(w.market.functions.propose(good.round, (limit, nodes, loads,
                                                                            sixteen + packed[second:], lambdas)))
    w.m.propose(w.sender(WATCHER), good)  # the honest one goes through


def test_an_ineligible_node_cannot_be_given_work(world: World) -> None:
    w = world
    ids = w.submit(1)
    w.sender(1).transact(w.registry.functions.requestUnstake(1_500 * TOKEN))  # below the minimum stake
    p = w.m.build_proposal()
    assert not p.eligible[p.node_index(w.sender(1).address)]
    assert p.node_index(w.sender(1).address) not in p.tasks[0].nodes
    forced = replace(p, tasks=(replace(p.tasks[0], nodes=(0, 1, 2)),), loads=(1, 1, 1))
    w.sender(WATCHER).transact(w.system.d.token.functions.approve(w.market.address, 10**30))
    with reverts("MarketIneligibleNode", id=ids[0], node=p.nodes[p.node_index(w.sender(1).address)].node):
        w.m.propose(w.sender(WATCHER), forced)
    assert len(p.nodes) == len(NODES)  # the snapshot still lists every registered node


def _challenge(w: World, round_: int, move: tuple, by: int = WATCHER, salt: bytes = b"\x01" * 32) -> None:
    w.m.commit_challenge(w.sender(by), round_, move, salt)
    mine(w.system.w3, 1)
    w.m.challenge(w.sender(by), round_, move, salt)


def test_a_profitable_move_voids_a_wrong_proposal_and_pays_part_of_the_bond(world: World) -> None:
    """F4: the challenger gets challengeRewardBps of the bond, the treasury the rest, so a
    proposer challenging its own junk loses the difference."""
    w = world
    ids = w.submit(2, redundancy=2)
    honest = w.m.build_proposal()
    # Leave the first task empty although nodes 1 and 2 would take it at a profit.
    pairs = [(n.node, t.id) for t in honest.tasks[1:] for n in (honest.nodes[i] for i in t.nodes)]
    wrong = w.m.build_proposal(allocation=Allocation.of(pairs, {KIND: honest.lambdas[KIND]}))
    w.propose(wrong, by=WATCHER)
    cheapest = w.sender(1).address
    move = move_args(wrong, MoveKind.ADD, node=cheapest, task=ids[0])
    before = int(w.market.functions.creditOf(w.system.d.timelock.address).call())
    _challenge(w, wrong.round, move, by=WATCHER)  # the proposer itself
    bond = PARAMS.proposer_bond
    share = bond * PARAMS.challenge_reward_bps // 10_000
    assert int(w.market.functions.creditOf(w.sender(WATCHER).address).call()) == share
    assert int(w.market.functions.creditOf(w.system.d.timelock.address).call()) - before == bond - share
    assert w.m.round_info(wrong.round)["state"] == 2  # voided
    assert int(w.market.functions.currentRound().call()) == wrong.round + 1 and w.balance_ok()


def test_an_honest_proposal_survives_registry_changes(world: World) -> None:
    """F2 replayed: after an honest proposal a node lowers its price, raises its capacity and
    unstakes; a challenge with its new configuration fails the proof, and with the snapshot it
    is no valid move. The proposal finalizes."""
    w = world
    ids = w.submit(2, redundancy=2)
    p = w.m.build_proposal()
    w.propose(p)
    dearest = w.sender(3)
    i = p.node_index(dearest.address)
    assert all(i not in t.nodes for t in p.tasks)
    dearest.transact(w.registry.functions.setPrices([KIND], [1]))
    dearest.transact(w.registry.functions.setCapacity(50))
    # with the node's current configuration: the proof does not match the stored root
    now_entries, _ = w.m.snapshot()
    fresh = replace(p, nodes=tuple(now_entries))
    with reverts("MarketProofMismatch", round=p.round):
        _challenge(w, p.round, move_args(fresh, MoveKind.ADD, node=dearest.address, task=ids[0]))
    # with the snapshot: not profitable, refused
    with reverts("MarketChallengeFailed", round=p.round, kind=int(MoveKind.ADD)):
        _challenge(w, p.round, move_args(p, MoveKind.ADD, node=dearest.address, task=ids[0]), salt=b"\x02" * 32)
    dearest.transact(w.registry.functions.requestUnstake(2_000 * TOKEN))
    advance_time(w.system.w3, PARAMS.challenge_window)
    w.m.finalize(w.sender(WATCHER), p.round)
    assert all(w.m.status(t).name == "ALLOCATED" for t in ids)


def test_a_copied_challenge_cannot_take_the_bond(world: World) -> None:
    """F11: a challenge without its sender's earlier commitment is refused, so a copy from the
    mempool wins nothing; the same block does not count either."""
    w = world
    ids = w.submit(2, redundancy=2)
    honest = w.m.build_proposal()
    pairs = [(n.node, t.id) for t in honest.tasks[1:] for n in (honest.nodes[i] for i in t.nodes)]
    wrong = w.m.build_proposal(allocation=Allocation.of(pairs, {KIND: honest.lambdas[KIND]}))
    w.propose(wrong)
    move = move_args(wrong, MoveKind.ADD, node=w.sender(1).address, task=ids[0])
    salt = b"\x09" * 32
    w.m.commit_challenge(w.sender(WATCHER), wrong.round, move, salt)
    mine(w.system.w3, 1)
    copier = w.sender(REQUESTER)
    with reverts("MarketNoChallengeCommitment", round=wrong.round, challenger=copier.address):
        copier.transact(w.market.functions.challenge(wrong.round, move, salt))  # straight to the contract
    w.m.challenge(w.sender(WATCHER), wrong.round, move, salt)


def test_a_task_in_the_pending_round_cannot_be_expired_or_cancelled(world: World) -> None:
    """F1 replayed: expire (or cancel) of an open task of the pending proposal waits; finalize
    and then settle or a later round take it; a stale proposal can be abandoned."""
    w = world
    ids = w.submit(1, deadline_s=PARAMS.challenge_window + 30)
    p = w.m.build_proposal()
    w.propose(p)
    advance_time(w.system.w3, PARAMS.challenge_window + 60)
    with reverts("MarketTaskInPendingRound", id=ids[0], round=p.round):
        w.m.expire(w.sender(WATCHER), ids[0])
    with reverts("MarketTaskInPendingRound", id=ids[0], round=p.round):
        w.m.cancel(w.sender(REQUESTER), ids[0])
    with reverts("MarketAbandonTooEarly"):
        w.sender(WATCHER).transact(w.market.functions.abandon(p.round))
    advance_time(w.system.w3, PARAMS.commit_window)
    w.sender(WATCHER).transact(w.market.functions.abandon(p.round))
    w.m.expire(w.sender(WATCHER), ids[0])  # no longer pending: refunded
    assert int(w.market.functions.creditOf(w.sender(REQUESTER).address).call()) == 30 * TOKEN
    assert w.balance_ok()


def test_past_deadline_tasks_get_no_nodes(world: World) -> None:
    """F13: a task due inside the challenge window is listed with no nodes; giving it some is refused."""
    w = world
    ids = w.submit(1, deadline_s=PARAMS.challenge_window // 2)
    p = w.m.build_proposal()
    assert p.tasks[0].nodes == () and p.allocated_ids == []
    forced = replace(p, tasks=(replace(p.tasks[0], nodes=(0,)),), loads=(1, 0, 0))
    w.sender(WATCHER).transact(w.system.d.token.functions.approve(w.market.address, 10**30))
    with reverts("MarketNotAllocatable"):
        w.m.propose(w.sender(WATCHER), forced)
    assert ids


def test_cancel_refunds_only_the_requester(world: World) -> None:
    """F13: a requester can cancel its open task; nobody else can."""
    w = world
    ids = w.submit(1)
    with reverts("MarketNotRequester", id=ids[0], caller=w.sender(WATCHER).address):
        w.m.cancel(w.sender(WATCHER), ids[0])
    w.m.cancel(w.sender(REQUESTER), ids[0])
    assert w.m.status(ids[0]).name == "CLOSED"
    assert int(w.market.functions.creditOf(w.sender(REQUESTER).address).call()) == 30 * TOKEN


def test_minority_and_silence_without_a_majority(world: World) -> None:
    """F9: with no strict majority nobody is paid and the requester gets everything back;
    silent nodes are slashed, revealers are not. With a majority the minority is slashed."""
    w = world
    ids = w.submit(2, redundancy=3)
    p = w.m.build_proposal()
    assert all(len(t.nodes) == 3 for t in p.tasks)
    # task 0: answers a, b, silent → no majority; task 1: a, a, silent → majority of 2 of 3
    answers = {1: {ids[0]: "a", ids[1]: "a"}, 2: {ids[0]: "b", ids[1]: "a"}}
    stakes = {i: int(w.registry.functions.slashableOf(w.sender(i).address).call()) for i in NODES}
    _run_round(w, p, answers=answers, silent=(3,))
    slashed = {e["args"]["node"]: (int(e["args"]["badTasks"]), int(e["args"]["amount"]))
               for e in w.market.events.NodeSlashed().get_logs(from_block=w.m.from_block)}
    assert slashed == {w.sender(3).address: (2, stakes[3] * 2 * PARAMS.slash_bps // 10_000)}
    settled = {o.id: o for e in w.market.events.RoundSettled().get_logs(from_block=w.m.from_block)
               for o in codec.unpack_outcomes(e["args"]["outcomes"])}
    assert settled[ids[0]].refund == 30 * TOKEN and settled[ids[0]].winner == b"\0" * 32  # whole refund
    paid = {i: int(w.market.functions.creditOf(w.sender(i).address).call()) for i in (1, 2)}
    assert paid[1] > 0 and paid[1] == paid[2]  # both won task 1 only
    assert w.balance_ok()


@pytest.mark.parametrize("escape", ["unstake_all", "deregister"])
def test_f3_unbonding_after_finalize_does_not_escape_the_slash(world: World, escape: str) -> None:
    """F3 replayed: a node that moves its whole stake to unbonding (or deregisters) after finalize
    and then stays silent is still slashed slashBps of its bonded + unbonding stake."""
    w = world
    [tid] = w.submit(1, redundancy=3)
    p = w.m.build_proposal()
    w.propose(p)
    advance_time(w.system.w3, PARAMS.challenge_window)
    w.m.finalize(w.sender(WATCHER), p.round)
    silent, reg = w.sender(3), w.registry.functions
    if escape == "deregister":
        silent.transact(reg.deregister())
    else:
        silent.transact(reg.requestUnstake(2_000 * TOKEN))
    assert reg.stakeOf(silent.address).call() == 0 and reg.slashableOf(silent.address).call() == 2_000 * TOKEN
    secret = b"\x07" * 32
    for i in (1, 2):
        w.m.commit(w.sender(i), p.round, secret, [_digest(tid)])
    advance_time(w.system.w3, PARAMS.commit_window + 1)
    for i in (1, 2):
        w.m.reveal(w.sender(i), p.round, secret, [_digest(tid)])
    advance_time(w.system.w3, PARAMS.reveal_window + 1)
    w.m.settle(w.sender(WATCHER), p.round)
    amount = 2_000 * TOKEN * PARAMS.slash_bps // 10_000
    slashed = [(e["args"]["node"], int(e["args"]["amount"]), int(e["args"]["badTasks"]))
               for e in w.market.events.NodeSlashed().get_logs(from_block=w.m.from_block)]
    assert slashed == [(silent.address, amount, 1)]
    assert reg.slashableOf(silent.address).call() == 2_000 * TOKEN - amount
    assert w.balance_ok()


def test_task_histories_tell_the_requester_everything(world: World) -> None:
    """From events alone: who was assigned, what each revealed, the winner, price, refund and each
    bad node's share of its slash; every history verifies against the chain's head, a changed
    step does not."""
    w = world
    ids = w.submit(3, redundancy=3)
    p = w.m.build_proposal()
    answers = {1: {ids[0]: "a", ids[1]: "a"}, 2: {ids[0]: "b", ids[1]: "a"}}
    _run_round(w, p, answers=answers, silent=(3,), payloads=True)
    [late] = w.submit(1, redundancy=3)
    hs = histories(w.m, [*ids, late])
    a, b = (w.sender(i).address for i in (1, 2))
    silent = w.sender(3).address
    assert [hs[t].status for t in (*ids, late)] == ["refunded", "settled", "settled", "open"]
    assert all(set(hs[t].nodes) == {a, b, silent} and hs[t].round == p.round for t in ids)
    assert hs[ids[1]].winner == _digest(ids[1], "a") and hs[ids[1]].winners == 2
    assert hs[ids[0]].winner is None and hs[ids[0]].refund == 30 * TOKEN
    assert hs[ids[1]].refund == 30 * TOKEN - 2 * hs[ids[1]].price and hs[ids[1]].price > 0
    assert hs[ids[1]].reveals[b] == Reveal(_digest(ids[1], "a"), b"2:%d" % ids[1])
    assert set(hs[ids[0]].reveals) == {a, b}  # the silent node revealed nothing
    assert hs[ids[1]].winning_reveal() == (a, hs[ids[1]].reveals[a])
    taken = {e["args"]["node"]: int(e["args"]["amount"])
             for e in w.market.events.NodeSlashed().get_logs(from_block=w.m.from_block)}
    assert [hs[t].slashed for t in ids] == [{silent: taken[silent] // 3}] * 3
    assert hs[late].nodes == () and hs[late].round is None and hs[late].slashed == {}
    for t in (*ids, late):
        rep = verify_history(w.m, hs[t])
        assert rep.head == bytes(w.market.functions.headOf(t).call())
        assert rep.steps == (0 if t == late else 1)
    step = hs[ids[1]].steps[0]
    with pytest.raises(AuditMismatch) as e:
        verify_history(w.m, hs[ids[1]], [(step.kind, step.data + b"\0", step.head)])
    assert step.head is None and e.value.step is None  # a settlement is checked against headOf
    with pytest.raises(AuditMismatch) as e:
        verify_history(w.m, replace(hs[late], record=replace(hs[late].record, reward=1)))
    assert e.value.step == 0
    with pytest.raises(UnknownTask, match=f"task {late + 1}: unknown"):
        histories(w.m, [late + 1])


def _python_verdicts(w: World, p: ProposalV2, closes: int) -> tuple[object, object]:
    """The v2 game's instance and ledger of ``p``, as the Python judge sees them."""
    from consensus.clearing import Instance, Node, Task, validate

    instance = Instance(
        [Task(t.id, t.record.kind, t.record.reward, t.record.redundancy, allocatable=t.record.deadline > closes)
         for t in p.tasks],
        [Node(n.node, n.capacity, {k: n.prices[k] for k in range(16) if (n.kind_mask >> k) & 1},
              eligible=p.eligible[i]) for i, n in enumerate(p.nodes)],
    )
    pairs = [(p.nodes[i].node, t.id) for t in p.tasks for i in t.nodes]
    kinds = {t.record.kind for t in p.tasks}
    return instance, validate(instance, Allocation.of(pairs, {k: p.lambdas[k] for k in kinds}))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_contract_judges_every_move_as_the_python_judge(world: World, seed: int) -> None:
    """Differential: on random proposals, every Add, Drop, Swap and Discount gets the same verdict
    from AllocationCheck.judge on chain and from consensus.clearing's judge."""
    import random

    from consensus.clearing import Add, Discount, Drop, Swap
    from consensus.clearing.moves import move_is_valid_on

    rng = random.Random(seed)
    w = world
    ids = []
    for _ in range(5):
        ids += w.submit(1, reward=rng.randint(1, 12) * TOKEN, redundancy=rng.randint(1, 3),
                        deadline_s=rng.choice([30, 7_200]))
    base = w.m.build_proposal(allocation=Allocation.of([], {KIND: 0}))  # just the tasks and nodes
    pairs = []
    load = {i: 0 for i in range(len(base.nodes))}
    for t in base.tasks:
        if t.record.deadline <= w.now() + PARAMS.challenge_window + 5:
            continue
        for i in rng.sample(range(len(base.nodes)), rng.randint(0, t.record.redundancy)):
            if load[i] < base.nodes[i].capacity:
                pairs.append((base.nodes[i].node, t.id))
                load[i] += 1
    lam = rng.randint(0, 6) * TOKEN
    p = w.m.build_proposal(allocation=Allocation.of(pairs, {KIND: lam}))
    w.propose(p)
    info = w.m.round_info(p.round)
    instance, ledger = _python_verdicts(w, p, int(info["challengeCloses"]))
    agree = valid = 0
    for t in ids:
        moves = [(MoveKind.DISCOUNT, {"task": t}, Discount(t))]
        for n in p.nodes:
            moves.append((MoveKind.ADD, {"task": t, "node": n.node}, Add(n.node.lower(), t)))
            moves.append((MoveKind.DROP, {"task": t, "node": n.node}, Drop(n.node.lower(), t)))
            for o in rng.sample([o for o in ids if o != t], 2):
                if o != t:
                    moves.append((MoveKind.SWAP, {"task": t, "node": n.node, "other": o}, Swap(n.node.lower(), t, o)))
        for kind, kw, py_move in moves:
            on_chain = int(w.market.functions.checkMove(p.round, move_args(p, kind, **kw)).call()) == 0
            expected = move_is_valid_on(instance, ledger, py_move)
            assert on_chain == expected, (kind.name, kw, on_chain, expected)
            agree += 1
            valid += expected
    assert agree > 50 and 0 < valid < agree  # both verdicts occur
