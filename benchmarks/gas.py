"""Gas of every external state-changing function of the foundation contracts, on anvil.

Starts anvil on 127.0.0.1, deploys, and exercises each function once from a
realistic state. Prints a table; the last line is one JSON object mapping
``Contract.function`` to gas used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts import (  # noqa: E402
    DeployConfig,
    Deployment,
    ErrorDecoder,
    Sender,
    advance_time,
    compile_contracts,
    connect,
    deploy,
    mine,
)
from contracts import governance as g  # noqa: E402
from contracts.anvil import Anvil  # noqa: E402
from node.keys import dev_account  # noqa: E402

TOKEN = 10**18


def main() -> None:
    gas: dict[str, int] = {}
    artifacts = compile_contracts()
    decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
    with Anvil.start() as chain:
        w3 = connect(chain.url)
        acct = [dev_account(i, chain.chain_id) for i in range(4)]
        boss, op, op2, voter = (Sender(w3, a, decoder) for a in acct)
        config = DeployConfig()
        manifest = deploy(w3, boss, artifacts, config)
        for c in manifest.contracts.values():
            gas[f"{c.name}.constructor"] = int(w3.eth.get_transaction_receipt(c.tx_hash)["gasUsed"])
        d = Deployment.attach(w3, manifest, artifacts)
        t, r = d.token.functions, d.registry.functions

        def rec(name: str, sender: Sender, fn: object) -> None:
            gas[name] = int(sender.transact(fn)["gasUsed"])

        rec("NashToken.transfer", boss, t.transfer(op.address, 10_000 * TOKEN))
        boss.transact(t.transfer(op2.address, 10_000 * TOKEN))
        rec("NashToken.approve", op, t.approve(d.registry.address, 5_000 * TOKEN))
        rec("NashToken.delegate", boss, t.delegate(boss.address))
        rec("NodeRegistry.register", op, r.register(b"\x01" * 32, "http://127.0.0.1:9001", 4, [1, 2, 4],
                                                    [TOKEN, TOKEN, TOKEN // 2]))
        rec("NodeRegistry.stake", op, r.stake(2_000 * TOKEN))
        rec("NodeRegistry.setCapacity", op, r.setCapacity(8))
        rec("NodeRegistry.setEndpoint", op, r.setEndpoint("http://127.0.0.1:9002"))
        rec("NodeRegistry.setSigningKey", op, r.setSigningKey(b"\x02" * 32))
        rec("NodeRegistry.setPrices", op, r.setPrices([1, 3], [TOKEN, 2 * TOKEN]))
        rec("NodeRegistry.requestUnstake", op, r.requestUnstake(500 * TOKEN))
        advance_time(w3, config.params.unbonding_delay)
        rec("NodeRegistry.withdraw", op, r.withdraw())
        op2.transact(r.register(b"\x03" * 32, "http://127.0.0.1:9003", 2, [1], [TOKEN]))
        op2.transact(t.approve(d.registry.address, 2_000 * TOKEN))
        op2.transact(r.stake(2_000 * TOKEN))
        rec("NodeRegistry.deregister", op2, r.deregister())

        # governance: two parameter changes in one proposal (only the market can ever slash, so
        # NodeRegistry.slash is measured with the market's settlement, not here)
        mine(w3, 1)
        fee = g.param_change(d, g.ParamKey.PROTOCOL_FEE_BPS, 200)
        change = g.param_change(d, g.ParamKey.SLASH_BPS, 2_000)
        proposal = g.Proposal([d.params.address, d.params.address], [0, 0],
                              [fee.calldatas[0], change.calldatas[0]], "protocol_fee_bps 200; slash_bps 2000")
        gas["NashGovernor.propose"] = int(boss.transact(d.governor.functions.propose(
            proposal.targets, proposal.values, proposal.calldatas, proposal.description))["gasUsed"])
        pid = proposal.proposal_id(d)
        mine(w3, config.voting_delay_blocks + 1)
        gas["NashGovernor.castVote"] = int(g.vote(d, boss, pid, g.Support.FOR)["gasUsed"])
        mine(w3, config.voting_period_blocks + 1)
        gas["NashGovernor.queue"] = int(g.queue(d, boss, proposal)["gasUsed"])
        advance_time(w3, config.timelock_delay + 1)
        gas["NashGovernor.execute (2 actions)"] = int(g.execute(d, boss, proposal)["gasUsed"])

    width = max(len(k) for k in gas)
    print(f"{'function':<{width}}  {'gas':>10}")
    print("-" * (width + 12))
    for name, value in gas.items():
        print(f"{name:<{width}}  {value:>10,}")
    print(json.dumps(gas))


if __name__ == "__main__":
    main()
