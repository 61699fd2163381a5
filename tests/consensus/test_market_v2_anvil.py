"""The v2 market on anvil: a wrong proposal voided by a committed challenge, then the
solver's proposal finalized, committed, revealed (one node lies on one task) and settled
whole from calldata; every token accounted for to the base unit.

Every actor goes through :mod:`consensus.clients.market_v2`, against a separate anvil
process, with real blocks between the challenge's commitment and its reveal.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak

from consensus.clearing import Allocation
from consensus.clients.market_v2 import MarketV2, MoveKind, TaskInput, move_args, results_for
from contracts import ErrorDecoder, Sender, advance_time, compile_contracts, connect, mine
from contracts.anvil import Anvil, dev_accounts
from contracts.deploy import ParamsConfig, deploy_market_v2

pytestmark = pytest.mark.integration

T = 10**18
PARAMS = ParamsConfig(challenge_window=30, commit_window=60, reveal_window=60, unbonding_delay=600,
                      proposer_bond=10 * T)
NODES = (1, 2, 3)
REQUESTER, PROPOSER, WATCHER, TREASURY = 4, 5, 6, 7


def test_a_v2_round_on_anvil() -> None:
    with Anvil.start() as anvil:
        w3 = connect(anvil.url)
        artifacts = compile_contracts()
        decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
        s = [Sender(w3, w3.eth.account.from_key(k), decoder) for k in dev_accounts(8)]
        token_address, _ = s[0].deploy(artifacts["NashToken"], "Nash", "NASH", s[0].address, 10**9 * T)
        token = w3.eth.contract(address=token_address, abi=artifacts["NashToken"].abi)
        v2 = deploy_market_v2(s[0], artifacts, token=token_address, treasury=s[TREASURY].address, params=PARAMS)
        market, registry = v2["market"], v2["registry"]
        m = MarketV2(w3, market, registry, v2["params"], from_block=int(w3.eth.block_number))
        for i in (*NODES, REQUESTER, PROPOSER, WATCHER):
            s[0].transact(token.functions.transfer(s[i].address, 10_000 * T))
        for price, i in enumerate(NODES, start=1):
            s[i].transact(registry.functions.register(bytes([i]) * 32, f"http://n{i}", 10, [3], [price * T]))
            s[i].transact(token.functions.approve(registry.address, 2_000 * T))
            s[i].transact(registry.functions.stake(2_000 * T))
        s[REQUESTER].transact(token.functions.approve(market.address, 6 * 30 * T))
        now = int(w3.eth.get_block("latest")["timestamp"])
        ids = m.submit(s[REQUESTER], [TaskInput(b"t%d" % j, 3, 30 * T, now + 3_600, 3) for j in range(6)])
        for i in (PROPOSER, WATCHER):
            s[i].transact(token.functions.approve(market.address, 10**30))

        # A proposal that leaves the first task empty at full price: Add is profitable, so it is voided.
        honest = m.build_proposal()
        pairs = [(honest.nodes[i].node, t.id) for t in honest.tasks[1:] for i in t.nodes]
        wrong = m.build_proposal(allocation=Allocation.of(pairs, {3: 10 * T}))
        m.propose(s[PROPOSER], wrong)
        move = move_args(wrong, MoveKind.ADD, node=s[1].address, task=ids[0])
        m.commit_challenge(s[WATCHER], wrong.round, move, b"\x03" * 32)
        mine(w3, 1)  # the challenge is taken only in a later block than its commitment
        m.challenge(s[WATCHER], wrong.round, move, b"\x03" * 32)
        assert m.round_info(wrong.round)["state"] == 2

        p = m.build_proposal()
        assert p.round == wrong.round + 1 and p.allocated_ids == ids
        m.propose(s[PROPOSER], p)
        advance_time(w3, PARAMS.challenge_window)
        m.finalize(s[PROPOSER], p.round)
        secret = b"\x11" * 32
        vectors = {}
        for i in NODES:
            digests = {t: keccak(b"lie" if (i == 1 and t == ids[0]) else b"ok %d" % t)
                       for t in p.assigned(s[i].address)}
            vectors[i] = results_for(p, s[i].address, digests)
            if vectors[i]:
                m.commit(s[i], p.round, secret, vectors[i])
        advance_time(w3, PARAMS.commit_window + 1)
        for i in NODES:
            if vectors[i]:
                m.reveal(s[i], p.round, secret, vectors[i], b"http://n/round")
        advance_time(w3, PARAMS.reveal_window + 1)
        m.settle(s[WATCHER], p.round)

        assert all(m.status(t).name == "CLOSED" for t in ids)
        f = market.functions
        held = int(token.functions.balanceOf(market.address).call())
        assert held == int(f.escrowed().call()) + int(f.bonds().call()) + int(f.unclaimed().call())
        assert int(f.escrowed().call()) == 0 and int(f.bonds().call()) == 0
        # Node 1 lied on the first task and was outvoted 2 to 1: slashed slash_bps of its stake once.
        slashed = {e["args"]["node"]: int(e["args"]["amount"])
                   for e in market.events.NodeSlashed().get_logs(from_block=m.from_block)}
        assert slashed == {s[1].address: 2_000 * T * PARAMS.slash_bps // 10_000}
        price = min(10 * T, p.lambdas[3])
        fee = price * PARAMS.protocol_fee_bps // 10_000
        credits = {i: int(f.creditOf(s[i].address).call()) for i in (*NODES, REQUESTER, PROPOSER, WATCHER, TREASURY)}
        assert credits[1] == 5 * (price - fee) and credits[2] == credits[3] == 6 * (price - fee)
        # Each task refunds R - winners * price; the liar's slot on the first task is refunded too.
        assert credits[REQUESTER] == 6 * (30 * T - 3 * price) + price
        assert credits[WATCHER] == PARAMS.proposer_bond * PARAMS.challenge_reward_bps // 10_000
        assert credits[PROPOSER] == PARAMS.proposer_bond  # the second proposal's bond came back
        for i in (*NODES, REQUESTER, PROPOSER, WATCHER, TREASURY):
            if int(f.creditOf(s[i].address).call()):
                m.claim(s[i])
        assert int(token.functions.balanceOf(market.address).call()) == 0
