"""The scripted devnet scenario: deploy, register nodes with stake, govern a parameter.

It runs against any dev chain (anvil or the in-process EVM) and reports each step,
so the same code is the README's first command and an end-to-end test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from contracts import (
    DeployConfig,
    Deployment,
    ErrorDecoder,
    Manifest,
    Sender,
    advance_time,
    compile_contracts,
    deploy,
    mine,
)
from contracts import governance as g
from contracts.kinds import TaskKind
from contracts.registry import node_info, register_node

TOKEN = 10**18


@dataclass
class ScenarioResult:
    """What the scenario did, for people and machines."""

    manifest: Manifest
    nodes: list[dict[str, Any]]
    proposal_id: int
    param: str
    old_value: int
    new_value: int
    proposal_state: str
    seconds: float
    steps: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether governance changed the parameter to the proposed value."""
        return self.proposal_state == "executed" and self.new_value != self.old_value

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary."""
        return {
            "chain_id": self.manifest.chain_id,
            "contracts": {k: v.address for k, v in self.manifest.contracts.items()},
            "nodes": [{"operator": n["operator"], "stake": str(n["stake"]), "active": n["active"]} for n in self.nodes],
            "proposal": {"id": str(self.proposal_id), "param": self.param, "old": self.old_value,
                         "new": self.new_value, "state": self.proposal_state},
            "passed": self.passed,
            "seconds": round(self.seconds, 2),
        }


def run_scenario(
    w3: Web3,
    deployer: LocalAccount,
    operators: list[tuple[LocalAccount, bytes]],
    *,
    config: DeployConfig | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> ScenarioResult:
    """Deploy, register ``operators`` (account, Ed25519 public key) with stake, and pass
    a proposal that doubles the slash fraction."""
    t0 = time.perf_counter()
    config = config or DeployConfig()
    artifacts = compile_contracts()
    decoder = ErrorDecoder.from_artifacts(artifacts.contracts.values())
    boss = Sender(w3, deployer, decoder)

    say(f"deploying to chain {w3.eth.chain_id}")
    manifest = deploy(w3, boss, artifacts, config, progress=say)
    d = Deployment.attach(w3, manifest, artifacts)
    stake = config.params.min_stake * 2

    prices = {int(TaskKind.REACT): TOKEN, int(TaskKind.REWOO): TOKEN, int(TaskKind.NEURO_SYMBOLIC): TOKEN // 2,
              int(TaskKind.MCTS): 2 * TOKEN}
    for i, (acct, pubkey) in enumerate(operators):
        boss.transact(d.token.functions.transfer(acct.address, stake * 2))
        op = Sender(w3, acct, decoder)
        register_node(d, op, signing_key=pubkey, endpoint=f"http://127.0.0.1:{9100 + i}", capacity=4 + i,
                      prices=prices, stake=stake)
        say(f"node {i + 1} registered: {acct.address}, staked {stake // TOKEN} NASH")
    nodes = [node_info(d, acct.address) for acct, _ in operators]

    key = g.ParamKey.SLASH_BPS
    old = int(d.params.functions.get(int(key)).call())
    new = min(old * 2 or 500, 10_000)
    boss.transact(d.token.functions.delegate(deployer.address))
    mine(w3, 1)  # votes are read at the block before the proposal's snapshot
    proposal = g.param_change(d, key, new, f"Raise slash_bps from {old} to {new}")
    pid = g.propose(d, boss, proposal)
    say(f"proposed: {proposal.description}")
    mine(w3, config.voting_delay_blocks + 1)
    g.vote(d, boss, pid, g.Support.FOR, "devnet scenario")
    say("voted for")
    mine(w3, config.voting_period_blocks + 1)
    g.queue(d, boss, proposal)
    say(f"queued; waiting out the {config.timelock_delay} s timelock")
    advance_time(w3, config.timelock_delay + 1)
    g.execute(d, boss, proposal)
    value = int(d.params.functions.get(int(key)).call())
    st = g.state(d, pid).name.lower()
    say(f"executed: slash_bps is now {value}")
    return ScenarioResult(manifest=manifest, nodes=nodes, proposal_id=pid, param=key.name.lower(), old_value=old,
                          new_value=value, proposal_state=st, seconds=time.perf_counter() - t0)
