"""The market on anvil end to end: 5 nodes, 50 tasks, a bad proposal challenged, a liar slashed.

Every actor is a client of :mod:`consensus.clients`; the expected money is recomputed from
the contract's published rules (share ``R // max(n, k)``, fee and slash in basis points) and
checked to the base unit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from consensus.clients import NodeResults, Outcome, Proposer, Watcher, result_hash, round_info, verify_audit
from contracts import (
    DeployConfig,
    Deployment,
    ErrorDecoder,
    Sender,
    advance_time,
    compile_contracts,
    connect,
    deploy,
)
from contracts.anvil import Anvil, dev_accounts
from contracts.market import claim, propose_allocation, submit_tasks
from contracts.registry import register_node

pytestmark = pytest.mark.integration

T = 10**18
REQUESTER, NODES, WATCHER, HONEST_PROPOSER, BAD_PROPOSER = 0, (1, 2, 3, 4, 5), 2, 1, 5
STAKE = 2_000 * T
TASKS = 50


@pytest.fixture()
def chain() -> Iterator[tuple[Deployment, list[Sender]]]:
    """A fresh deployment on anvil (free port), stopped after the test."""
    anvil = Anvil.start()
    try:
        w3 = connect(anvil.url)
        artifacts = compile_contracts()
        decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
        senders = [Sender(w3, w3.eth.account.from_key(k), decoder) for k in dev_accounts(8)]
        manifest = deploy(w3, senders[0], artifacts, DeployConfig(protocol="v1"))
        yield Deployment.attach(w3, manifest, artifacts), senders
    finally:
        anvil.stop()


def _settlement(
    d: Deployment, tasks: dict[int, int], alloc: dict[str, list[int]], votes: dict[tuple[str, int], bytes]
) -> tuple[dict[str, int], dict[str, int], int]:
    """(credits per account, stake per node, total slashed) that settling ``tasks`` in id order must give.

    A plain model of ``settle``: the strict-majority hash wins, its nodes get ``R // max(n, 3)``
    less the fee, the requester gets the rest, and every node outside the majority loses
    ``slashBps`` of its current stake.
    """
    p = d.params.functions
    fee_bps, slash_bps = p.protocolFeeBps().call(), p.slashBps().call()
    credits: dict[str, int] = {}
    stakes = {n: STAKE for n in alloc}
    slashed = 0

    def add(account: str, amount: int) -> None:
        credits[account] = credits.get(account, 0) + amount

    for tid, reward in sorted(tasks.items()):
        nodes = sorted((n for n, ts in alloc.items() if tid in ts), key=lambda a: int(a, 16))
        vs = [votes[(n, tid)] for n in nodes]
        winner = next((v for v in vs if 2 * vs.count(v) > len(vs)), None)
        paid = 0
        if winner is not None:
            share = reward // max(len(nodes), 3)
            fee = share * fee_bps // 10_000
            for n, v in zip(nodes, vs, strict=True):
                if v == winner:
                    add(n, share - fee)
                    add("treasury", fee)
                    paid += share
            for n, v in zip(nodes, vs, strict=True):
                if v != winner:
                    cut = stakes[n] * slash_bps // 10_000
                    stakes[n] -= cut
                    slashed += cut
        add("requester", reward - paid)
    return credits, stakes, slashed


def test_market_round_trip_on_anvil(chain: tuple[Deployment, list[Sender]]) -> None:
    d, s = chain
    addr = [x.address for x in s]
    token, m = d.token.functions, d.market.functions
    treasury = d.timelock.address
    for i in NODES:
        s[REQUESTER].transact(token.transfer(addr[i], 10_000 * T))
        # Every node serves both kinds; kind-1 prices rise and kind-2 prices fall with the index.
        prices = {1: (32 + i) * T, 2: (38 - i) * T}
        register_node(
            d,
            s[i],
            signing_key=bytes([i]) * 32,
            endpoint=f"http://127.0.0.1:{9000 + i}",
            capacity=40,
            prices=prices,
            stake=STAKE,
        )
    holders = [*addr, d.registry.address, d.market.address, treasury]
    supply = token.totalSupply().call()
    start = {h: token.balanceOf(h).call() for h in holders}
    assert sum(start.values()) == supply

    deadline = d.w3.eth.get_block("latest")["timestamp"] + 86_400
    specs = [
        {
            "spec": b"task %d" % j,
            "kind": 1 + j % 2,
            "reward": 120 * T + j * T // 5 + j,
            "deadline": deadline,
            "redundancy": 3,
        }
        for j in range(1, TASKS + 1)
    ]
    ids = submit_tasks(d, s[REQUESTER], specs)
    rewards = {t: spec["reward"] for t, spec in zip(ids, specs, strict=True)}

    # Round 1: a node proposes a spoiled equilibrium; the watcher proves it wrong and takes the bond.
    bond = d.params.functions.proposerBond().call()
    reward = bond * d.params.functions.challengeRewardBps().call() // 10_000
    honest = Proposer(d, s[HONEST_PROPOSER])
    eq = honest.plan()
    node, task = next((n, t) for n, t in eq.pairs if eq.counts()[t] == 3)
    spoiled = eq.without_pair(node, task)
    propose_allocation(
        d, s[BAD_PROPOSER], 1, {Web3.to_checksum_address(n): list(ts) for n, ts in spoiled.by_node().items()}
    )
    watcher = Watcher(d, s[WATCHER])
    verdict = watcher.watch()
    assert verdict.outcome is Outcome.CHALLENGED and verdict.round == 1, verdict
    assert round_info(d, 1).voided and m.creditOf(addr[WATCHER]).call() == reward

    # Round 2: the honest proposal stands and is finalized after the window.
    proposal = honest.propose()
    assert proposal is not None and proposal.round == 2 and proposal.allocation == eq
    assert watcher.watch().outcome is Outcome.EQUILIBRIUM
    advance_time(d.w3, proposal.closes_at - d.w3.eth.get_block("latest")["timestamp"])
    info = honest.finalize(2)
    assert info.finalized

    # Commit, reveal (one node lies), settle everything in one transaction, claim.
    clients = {i: NodeResults(d, s[i], b"secret of node %d......" % i) for i in NODES}
    work = {i: ts for i, c in clients.items() if (ts := c.assigned(2))}
    liar = max(work, key=lambda i: (len(work[i]), i))
    assert sorted(t for ts in work.values() for t in ts) == sorted(int(t) for _, t in eq.pairs)

    def hashes(i: int) -> dict[int, bytes]:
        return {t: result_hash(b"wrong" if i == liar else b"answer %d" % t) for t in work[i]}

    for i in work:
        clients[i].commit(2, hashes(i))
    advance_time(d.w3, info.commit_deadline + 1 - d.w3.eth.get_block("latest")["timestamp"])
    for i in work:
        clients[i].reveal(2, hashes(i), {t: b"ipfs://r/%d/%d" % (i, t) for t in work[i]})
    advance_time(d.w3, info.reveal_deadline + 1 - d.w3.eth.get_block("latest")["timestamp"])
    clients[WATCHER].settle(ids)

    alloc = {addr[i]: ts for i, ts in work.items()}
    votes = {(addr[i], t): h for i in work for t, h in hashes(i).items()}
    credits, stakes, slashed = _settlement(d, rewards, alloc, votes)
    assert stakes[addr[liar]] < STAKE and slashed > 0
    for i in NODES:
        assert d.registry.functions.stakeOf(addr[i]).call() == stakes.get(addr[i], STAKE), i
    credits[addr[WATCHER]] = credits.get(addr[WATCHER], 0) + reward  # the spoiled proposal's bond, in part
    credits["treasury"] = credits.get("treasury", 0) + bond - reward  # and the rest
    credits[addr[HONEST_PROPOSER]] = credits.get(addr[HONEST_PROPOSER], 0) + bond  # its own bond back
    who = {"requester": addr[REQUESTER], "treasury": treasury}
    for key, amount in credits.items():
        account = who.get(key, key)
        assert m.creditOf(account).call() == amount, key
    for i in NODES:
        assert clients[i].claim() == credits.get(addr[i], 0)
    assert claim(d, s[REQUESTER]) == credits["requester"]
    assert claim(d, s[WATCHER], treasury) == credits["treasury"]

    # Token totals, to the base unit.
    end = {h: token.balanceOf(h).call() for h in holders}
    assert sum(end.values()) == supply == token.totalSupply().call()
    assert end[d.market.address] == 0 and m.liabilities().call() == [0, 0, 0]
    assert end[treasury] - start[treasury] == credits["treasury"] + slashed
    assert start[d.registry.address] - end[d.registry.address] == slashed
    assert start[addr[REQUESTER]] - end[addr[REQUESTER]] == sum(rewards.values()) - credits["requester"]
    assert start[addr[BAD_PROPOSER]] - end[addr[BAD_PROPOSER]] == bond - credits.get(addr[BAD_PROPOSER], 0)
    for i in (1, 2, 3, 4):
        paid_in = bond if i == HONEST_PROPOSER else 0
        assert end[addr[i]] - start[addr[i]] == credits.get(addr[i], 0) - paid_in, i

    # Every task's audit head, rebuilt from its events.
    for t in ids:
        report = verify_audit(d, t)
        assert report.ok and report.steps == 3 + len([i for i in work if t in work[i]])
