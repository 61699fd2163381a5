"""Consensus clients on the in-process chain: proposer, watcher/challenger, results, audit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_utils import keccak

from consensus.clients import (
    AuditMismatch,
    ChallengeWindowOpen,
    ClientError,
    NodeResults,
    Outcome,
    Proposer,
    ResultError,
    RoundStateError,
    Watcher,
    derive_salt,
    instance_from_chain,
    result_hash,
    round_info,
    to_chain_move,
    verify_audit,
)
from consensus.game import Add, Allocation, UnknownTask, UnsupportedKind, find_profitable_move, solve
from contracts import (
    DeployConfig,
    Deployment,
    ErrorDecoder,
    InProcessChain,
    NashnetError,
    Sender,
    advance_time,
    compile_contracts,
    deploy,
)
from contracts.market import (
    ChainMove,
    MoveKind,
    TaskStatus,
    check_move,
    propose_allocation,
    submit_task,
    transitions,
)
from tests.contracts.conftest import TOKEN, System
from tests.contracts.market_world import CHALLENGER, NODES, PROPOSER, REQUESTER, World, make_world

T = TOKEN
TASKS = [(1, 60 * T, 3), (1, 45 * T, 2), (2, 70 * T, 3), (2, 9 * T, 1), (1, 33 * T, 1)]
SECRET = b"node secret for tests, 32 bytes!"


@pytest.fixture(scope="module")
def _deployed() -> System:
    """One deployment for the module, with tokens for the node accounts (as tests/contracts)."""
    artifacts = compile_contracts()
    chain = InProcessChain.start()
    decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
    manifest = deploy(chain.w3, Sender(chain.w3, chain.accounts[0], decoder), artifacts, DeployConfig(protocol="v1"))
    d = Deployment.attach(chain.w3, manifest, artifacts)
    system = System(chain=chain, d=d, config=DeployConfig(protocol="v1"), decoder=decoder)
    for i in NODES:
        system.sender(REQUESTER).transact(d.token.functions.transfer(system.address(i), 100_000 * T))
    return system


@pytest.fixture()
def system(_deployed: System) -> Iterator[System]:
    snap = _deployed.chain.snapshot()
    yield _deployed
    _deployed.chain.revert(snap)


def _world(system: System) -> World:
    return make_world(system, tasks=TASKS)


def _window(w: World) -> int:
    return int(w.d.params.functions.challengeWindow().call())


def _all_single_moves(w: World, alloc: dict[str, list[int]]) -> list[ChainMove]:
    """Every add, drop and swap a challenger could try, with the counts the contract holds."""
    count = {t: sum(t in ts for ts in alloc.values()) for t in w.tasks}
    moves = []
    for i in NODES:
        node = w.system.address(i)
        mine = alloc.get(node, [])
        for t in w.tasks:
            if t in mine:
                moves.append(ChainMove(MoveKind.DROP, node, task=t, count=count[t]))
                moves += [
                    ChainMove(MoveKind.SWAP, node, task=t, other_task=u, count=count[t], other_count=count[u])
                    for u in w.tasks
                    if u not in mine
                ]
            else:
                moves.append(ChainMove(MoveKind.ADD, node, task=t, load=len(mine), count=count[t]))
    return moves


def test_instance_from_chain_is_the_round_game_and_stops_at_the_task_limit(system: System) -> None:
    w = _world(system)
    instance = instance_from_chain(w.d)
    assert instance == w.instance()
    assert [t.id for t in instance.tasks] == sorted(w.tasks)
    Proposer(w.d, system.sender(PROPOSER)).propose()
    late = submit_task(w.d, system.sender(REQUESTER), spec=b"late", kind=1, reward=50 * T, deadline=w.now() + 9_999)
    assert w.m.functions.getTask(late).call()[1] == TaskStatus.OPEN
    assert instance_from_chain(w.d, 1) == instance  # the late task cannot judge the proposal
    with pytest.raises(RoundStateError, match="round=2: chain state describes only the current round 1"):
        instance_from_chain(w.d, 2)


def test_proposer_proposes_nothing_when_no_task_is_open(system: System) -> None:
    w = make_world(system, tasks=[])
    assert Proposer(w.d, system.sender(PROPOSER)).propose() is None
    assert round_info(w.d, 1).proposer is None


def test_proposer_proposes_an_equilibrium_no_challenger_can_beat(system: System) -> None:
    w = _world(system)
    d, bond = w.d, w.d.params.functions.proposerBond().call()
    proposer = Proposer(d, system.sender(PROPOSER))
    before = w.balance(system.address(PROPOSER))
    proposal = proposer.propose()
    assert proposal is not None and proposal.round == 1 and proposal.tx_hash.startswith("0x")
    assert proposal.allocation == solve(w.instance())
    assert w.balance(system.address(PROPOSER)) == before - bond
    assert find_profitable_move(w.instance(), proposal.allocation) is None
    with pytest.raises(RoundStateError, match="round 1 already has a proposal"):
        proposer.propose()

    watcher = Watcher(d, system.sender(CHALLENGER))
    verdict = watcher.watch()
    assert verdict.outcome is Outcome.EQUILIBRIUM and verdict.tx_hash is None
    alloc = {
        str(system.w3.to_checksum_address(n)): [int(t) for t in ts] for n, ts in proposal.allocation.by_node().items()
    }
    tried = _all_single_moves(w, alloc)
    assert len(tried) > 40 and not any(check_move(d, 1, m) for m in tried)

    with pytest.raises(ChallengeWindowOpen, match="round 1: the challenge window closes at") as err:
        proposer.finalize(1)
    assert isinstance(err.value, NashnetError) and err.value.closes_at == proposal.closes_at
    advance_time(system.w3, _window(w))
    assert watcher.watch(1).outcome is Outcome.CLOSED
    info = proposer.finalize(1)
    assert info.finalized and info.commit_deadline > info.proposed_at
    assert w.m.functions.creditOf(system.address(PROPOSER)).call() == bond  # bond back
    allocated = {int(t) for _, t in proposal.allocation.pairs}
    assert all(w.m.functions.getTask(t).call()[1] == TaskStatus.ALLOCATED for t in allocated)
    with pytest.raises(RoundStateError, match="round 1 cannot be finalized: it is finalized"):
        proposer.finalize(1)
    with pytest.raises(RoundStateError, match="it is no proposal"):
        proposer.finalize(2)
    w.check_conserved()


def _missing_pair(w: World, eq: Allocation) -> Allocation:
    node, task = eq.pairs[0]
    return eq.without_pair(node, task)


def _unsupported_kind(w: World, eq: Allocation) -> Allocation:
    kind2 = next(t for t in w.tasks if w.m.functions.getTask(t).call()[2] == 2)
    return eq.with_pair(w.system.address(1).lower(), kind2)  # node 1 serves kind 1 only


@pytest.mark.parametrize("spoil", [_missing_pair, _unsupported_kind], ids=["missing_pair", "unsupported_kind"])
def test_watcher_challenges_a_bad_proposal_and_takes_the_bond(system: System, spoil) -> None:  # noqa: ANN001
    nodes = {1: (4, {1: 11 * T}), 2: (4, {1: 12 * T, 2: 5 * T}), 3: (4, {1: 13 * T, 2: 6 * T})}
    w = make_world(system, nodes=nodes, tasks=TASKS)
    d, bond = w.d, w.d.params.functions.proposerBond().call()
    bad = spoil(w, solve(w.instance()))
    assert find_profitable_move(w.instance(), bad) is not None
    alloc = {system.w3.to_checksum_address(n): [int(t) for t in ts] for n, ts in bad.by_node().items()}
    propose_allocation(d, system.sender(PROPOSER), 1, alloc)

    watcher = Watcher(d, system.sender(CHALLENGER))
    looked = watcher.inspect()
    assert looked.outcome is Outcome.REFUTED and looked.tx_hash is None
    assert w.m.functions.creditOf(system.address(CHALLENGER)).call() == 0  # inspecting sends nothing
    verdict = watcher.watch()
    assert verdict.outcome is Outcome.CHALLENGED and verdict.round == 1 and verdict.tx_hash
    assert verdict.move == looked.move and verdict.chain_move == to_chain_move(verdict.move)
    reward = bond * d.params.functions.challengeRewardBps().call() // 10_000
    assert w.m.functions.creditOf(system.address(CHALLENGER)).call() == reward  # the rest to the treasury
    assert w.m.functions.creditOf(d.timelock.address).call() == bond - reward
    info = round_info(d, 1)
    assert info.voided and not info.finalized
    assert watcher.watch(1).outcome is Outcome.CLOSED
    w.check_conserved()

    # The tasks roll to round 2, where the honest proposal stands.
    assert watcher.watch().outcome is Outcome.NO_PROPOSAL
    proposal = Proposer(d, system.sender(PROPOSER)).propose()
    assert proposal is not None and proposal.round == 2
    assert watcher.watch().outcome is Outcome.EQUILIBRIUM


def test_results_settle_claim_and_the_audit_trail(system: System) -> None:
    w = _world(system)
    d = w.d
    proposal = Proposer(d, system.sender(PROPOSER)).propose()
    assert proposal is not None
    advance_time(system.w3, _window(w))
    info = Proposer(d, system.sender(PROPOSER)).finalize(1)
    clients = {i: NodeResults(d, system.sender(i), SECRET + bytes([i])) for i in NODES}
    work = {i: ts for i, c in clients.items() if (ts := c.assigned(1))}
    assert sum(map(len, work.values())) == len(proposal.allocation)
    liar = min(work)

    def hashes(i: int) -> dict[int, bytes]:
        return {t: result_hash(b"wrong" if i == liar else b"answer %d" % t) for t in work[i]}

    for i in work:
        clients[i].commit(1, hashes(i))
    advance_time(system.w3, info.commit_deadline - w.now())
    for i in work:  # a restarted node derives the same salts from its secret
        restarted = NodeResults(d, system.sender(i), SECRET + bytes([i]))
        restarted.reveal(1, hashes(i), {t: b"ipfs://result/%d" % t for t in work[i]})
    advance_time(system.w3, info.reveal_deadline - w.now())
    settled = sorted({t for ts in work.values() for t in ts})
    clients[liar].settle(settled)
    assert all(w.m.functions.getTask(t).call()[1] in (TaskStatus.SETTLED, TaskStatus.REFUNDED) for t in settled)

    for i in work:
        credit = clients[i].credit()
        before = w.balance(system.address(i))
        assert clients[i].claim() == credit
        assert w.balance(system.address(i)) == before + credit and clients[i].credit() == 0
        assert clients[i].claim() == 0  # nothing left, no transaction
    w.check_conserved()

    for t in settled[:2]:  # each reads the event log (slow on the in-process chain); anvil checks all
        report = verify_audit(d, t)
        assert report.ok and report.task_id == t and report.head == w.m.functions.headOf(t).call()
        assert report.steps == 2 + len([i for i in work if t in work[i]]) + 1  # submit, allocate, reveals, settle

    honest = transitions(d, settled[0])
    kind, data, head = honest[2]  # a Revealed step: swap the revealed result
    tampered = [*honest[:2], (kind, data.replace(b"ipfs", b"IPFS"), head), *honest[3:]]
    assert tampered != honest
    with pytest.raises(AuditMismatch, match=f"task {settled[0]}: audit step 2 folds to") as err:
        verify_audit(d, settled[0], tampered)
    assert err.value.step == 2 and isinstance(err.value, NashnetError)
    with pytest.raises(AuditMismatch, match="audit final head"):
        verify_audit(d, settled[0], honest[:-1])  # a history cut short


def test_node_results_reject_bad_input_before_any_transaction(system: System) -> None:
    w = _world(system)
    with pytest.raises(ResultError, match="secret: expected at least 16 random bytes, got 3 bytes"):
        NodeResults(w.d, system.sender(1), b"abc")
    assert derive_salt(SECRET, 7, 2) == derive_salt(SECRET, 7, 2) != derive_salt(SECRET, 7, 3)
    assert derive_salt(SECRET, 7, 2) != derive_salt(SECRET + b"x", 7, 2) != derive_salt(SECRET, 8, 2)
    Proposer(w.d, system.sender(PROPOSER)).propose()
    advance_time(system.w3, _window(w))
    Proposer(w.d, system.sender(PROPOSER)).finalize(1)
    node = NodeResults(w.d, system.sender(1), SECRET)
    mine = node.assigned(1)
    other = next(t for t in w.tasks if t not in mine)
    with pytest.raises(ResultError, match=f"task {other} is not assigned to {system.address(1)} in round 1"):
        node.commit(1, {other: keccak(b"x")})
    with pytest.raises(ResultError, match=r"results\[\d+\]=b'short': expected a 32-byte result hash"):
        node.commit(1, {mine[0]: b"short"})
    with pytest.raises(ResultError, match="the zero hash means 'not revealed'"):
        node.commit(1, {mine[0]: b"\0" * 32})
    with pytest.raises(ResultError, match="no results given"):
        node.commit(1, {})
    assert w.m.functions.commitmentOf(1, system.address(1)).call() == b"\0" * 32


def test_defects_without_a_challenge_form_are_client_errors() -> None:
    with pytest.raises(ClientError, match="UnknownTask is rejected by proposeAllocation"):
        to_chain_move(UnknownTask("0x" + "11" * 20, 5))
    move = to_chain_move(Add(0x11, 5, load=1, count=2))
    assert move == ChainMove(MoveKind.ADD, "0x" + "00" * 19 + "11", task=5, load=1, count=2)
    assert to_chain_move(UnsupportedKind("0x" + "ab" * 20, 3)).kind is MoveKind.UNSUPPORTED_KIND
    assert issubclass(ClientError, NashnetError)
