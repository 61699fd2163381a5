"""The node daemon plays protocol v2 on anvil: three daemons, ticked in one thread, propose,
finalize, commit, reveal, settle and claim, and a watcher challenges a wrong proposal.

The executor here is a unit-test double (:class:`InstantExecutor`): it answers each task at
once from its spec, so the test exercises the daemon's protocol steps alone. The real Ray
executor runs under the same daemon in ``tests/node/test_e2e.py`` and ``test_scenario.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consensus.clearing import Allocation
from consensus.clients.market_v2 import TaskInput
from contracts import DeployConfig, Deployment, ErrorDecoder, Sender, compile_contracts, connect
from contracts.anvil import Anvil
from contracts.deploy import ParamsConfig, deploy
from contracts.kinds import TaskKind
from contracts.registry import register_node
from node.daemon.config import NodeConfig
from node.daemon.node import NodeDaemon
from node.daemon.outcome import Outcome
from node.daemon.view import TaskStatus
from node.identity import public_bytes
from node.keys import dev_account

TOKEN = 10**18
KIND = int(TaskKind.NEURO_SYMBOLIC)
PARAMS = ParamsConfig(challenge_window=6, commit_window=6, reveal_window=4, unbonding_delay=60,
                      proposer_bond=10 * TOKEN)


class InstantExecutor:
    """Answers every task at once; ``answer`` gives the answer of a spec (test double)."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer or (lambda spec: hashlib.sha256(spec).hexdigest()[:8])
        self._done: list[Outcome] = []
        self.seen: list[int] = []

    def submit(self, task_id: int, kind: int, spec: bytes, *, timeout_s: float) -> None:
        self.seen.append(task_id)
        self._done.append(Outcome.build(task_id, TaskKind(kind).label, {"spec": spec.decode()}, ok=True,
                                        answer=self.answer(spec)))

    def pending(self) -> set[int]:
        return set()

    def poll(self, timeout: float = 0) -> list[Outcome]:
        out, self._done = self._done, []
        return out

    def close(self) -> None:
        pass


@dataclass
class Net:
    chain: Anvil
    d: Deployment
    boss: Sender
    requester: Sender
    daemons: list[NodeDaemon]

    def tick(self, rounds: int = 1) -> None:
        for _ in range(rounds):
            for n in self.daemons:
                n.tick()

    def run_until(self, done: Any, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"not done after {timeout} s: {[n.status() for n in self.daemons]}")
            self.tick()
            time.sleep(0.2)

    def submit(self, n: int, *, redundancy: int = 2) -> list[int]:
        m = self.d.client()
        inputs = [TaskInput(b'{"q":%d}' % i, KIND, 4 * TOKEN, int(time.time()) + 3600, redundancy)
                  for i in range(n)]
        self.requester.transact(self.d.token.functions.approve(self.d.market.address, sum(x.reward for x in inputs)))
        return m.submit(self.requester, inputs)

    def conserved(self) -> bool:
        m = self.d.market.functions
        held = int(self.d.token.functions.balanceOf(self.d.market.address).call())
        return held == int(m.escrowed().call()) + int(m.bonds().call()) + int(m.unclaimed().call())


def _node(d: Deployment, sender: Sender, folder: Path, price: int, executor: InstantExecutor,
          **cfg: Any) -> NodeDaemon:
    key = Ed25519PrivateKey.generate()
    register_node(d, sender, signing_key=public_bytes(key), endpoint="http://127.0.0.1:1", capacity=8,
                  prices={KIND: price}, stake=2_000 * TOKEN)
    daemon = NodeDaemon(d, sender, key, NodeConfig(poll_interval=0.1, settle_grace=1, propose_grace=1, **cfg),
                        folder, executor=executor)
    daemon.start()
    daemon.approve_bonds()
    return daemon


@pytest.fixture()
def net(tmp_path: Path) -> Iterator[Net]:
    chain = Anvil.start(block_time=1)  # as on the devnet: time moves without transactions
    daemons: list[NodeDaemon] = []
    try:
        w3 = connect(chain.url)
        artifacts = compile_contracts()
        chain_id = int(w3.eth.chain_id)
        decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
        boss = Sender(w3, dev_account(0, chain_id), decoder)
        manifest = deploy(w3, boss, artifacts, DeployConfig(params=PARAMS))
        d = Deployment.attach(w3, manifest, artifacts)
        senders = [Sender(w3, dev_account(i, chain_id), decoder) for i in (2, 3, 4)]
        requester = Sender(w3, dev_account(1, chain_id), decoder)
        for s in [*senders, requester]:
            boss.transact(d.token.functions.transfer(s.address, 10_000 * TOKEN))
        for i, s in enumerate(senders):
            daemons.append(_node(d, s, tmp_path / f"n{i}", (i + 1) * TOKEN // 2, InstantExecutor()))
        yield Net(chain, d, boss, requester, daemons)
    finally:
        for n in daemons:
            n.close()
        chain.stop()


def test_three_daemons_settle_a_round_at_the_clearing_price(net: Net) -> None:
    """Every task is allocated to its two cheapest nodes (k_t = 2 slots, never more), committed,
    revealed, settled with a majority and claimed; nothing is slashed and tokens are conserved."""
    ids = net.submit(4, redundancy=2)
    view = net.daemons[0].view
    net.run_until(lambda: all(view.tasks.get(t) is not None and view.tasks[t].status is TaskStatus.SETTLED
                              for t in ids))
    rv = next(r for r in view.rounds.values() if r.settled)
    p = rv.parsed
    cheapest = {net.daemons[0].me, net.daemons[1].me}
    for t in p.tasks:
        assert {p.nodes[i].node for i in t.nodes} == cheapest
    d = net.d
    assert not d.market.events.NodeSlashed().get_logs(from_block=0)
    net.run_until(lambda: all(int(d.market.functions.creditOf(n.me).call()) == 0 for n in net.daemons), 30)
    # The third node was never given work; the two that did it were paid more than their price.
    earned = [int(d.token.functions.balanceOf(n.me).call()) for n in net.daemons]
    assert earned[2] == 10_000 * TOKEN - 2_000 * TOKEN
    assert earned[0] > 8_000 * TOKEN and earned[1] > 8_000 * TOKEN
    assert net.conserved()


def test_a_watching_daemon_challenges_a_wrong_proposal(net: Net) -> None:
    """A proposal giving the task to the dearest node only is refuted (Add by a cheaper node) by a
    daemon watching the round; the round is voided and the next one settles the task."""
    ids = net.submit(1, redundancy=1)
    m = net.d.client()
    dearest = net.daemons[2].me
    wrong = m.build_proposal(allocation=Allocation.of([(dearest, ids[0])], {KIND: 4 * TOKEN}))
    net.requester.transact(net.d.token.functions.approve(net.d.market.address, 10 * TOKEN))
    m.propose(net.requester, wrong)
    view = net.daemons[0].view
    net.run_until(lambda: view.tasks.get(ids[0]) is not None and view.tasks[ids[0]].status is TaskStatus.SETTLED)
    challenged = net.d.market.events.AllocationChallenged().get_logs(from_block=0)
    assert [int(e["args"]["round"]) for e in challenged] == [wrong.round]
    assert {e["args"]["challenger"] for e in challenged} <= {n.me for n in net.daemons}
    settled = next(r for r in view.rounds.values() if r.settled)
    assert settled.round == wrong.round + 1
    assert [net.daemons[0].me] == [settled.parsed.nodes[i].node for i in settled.parsed.tasks[0].nodes]
    assert net.conserved()


def test_a_lagging_chain_log_does_not_starve_proposals(net: Net) -> None:
    """With ``confirmations = 2`` every node's chain log is two blocks behind the head, and a task
    arrives (approve, then submit) just before each tick, so no view ever holds the newest task.
    The market takes no proposal that leaves an open task out; the designated node reads the
    newest submissions directly and still proposes, and every task settles."""
    for n in net.daemons:
        n.chainlog.confirmations = 2
    ids: list[int] = []
    deadline = time.monotonic() + 30
    while not net.d.market.events.AllocationProposed().get_logs(from_block=0):
        assert time.monotonic() < deadline, "no proposal while tasks kept arriving"
        ids += net.submit(1)
        net.tick()
    assert len(ids) >= 2
    view = net.daemons[0].view
    net.run_until(lambda: all(view.tasks.get(t) is not None and view.tasks[t].status is TaskStatus.SETTLED
                              for t in ids), timeout=120)
    assert net.conserved()


def test_a_round_without_clearing_prices_does_not_stop_the_node(
    net: Net, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Where the solver finds no challenge-free proposal (``NoClearingPrices``) the designated
    node must not crash or propose: it says so once per round, keeps ticking, and proposes as soon as a
    proposal exists. The solver is replaced by one that raises (a test double: the real solver
    runs in every other test here, and ``tests/consensus`` covers where it raises)."""
    from consensus.clearing import NoClearingPrices
    from consensus.clients import market_v2

    real = market_v2.solve

    def unpriced(instance: object) -> object:
        raise NoClearingPrices("no per-kind prices clear this instance")

    monkeypatch.setattr(market_v2, "solve", unpriced)
    ids = net.submit(1, redundancy=2)
    with caplog.at_level("WARNING", logger="nashnet.node"):
        for _ in range(8):
            net.tick()  # must not raise
            time.sleep(0.3)
    assert not net.d.market.events.AllocationProposed().get_logs(from_block=0)
    warned = [r.getMessage() for r in caplog.records if "no challenge-free proposal" in r.getMessage()]
    # each node that tried says so once for the round, not once a tick
    assert 1 <= len(warned) <= len(net.daemons) and "no per-kind prices" in warned[0], warned
    monkeypatch.setattr(market_v2, "solve", real)
    view = net.daemons[0].view
    net.run_until(lambda: view.tasks[ids[0]].status is TaskStatus.SETTLED)
    assert net.conserved()
