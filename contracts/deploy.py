"""Deploy and wire nashnet's contracts, leaving no deployer backdoor.

Order: token → timelock → params (governed by the timelock) → node registry →
task market (its treasury is the timelock) → governor; the market gets the registry's
SLASHER_ROLE, the governor becomes the timelock's only proposer and canceller, anyone
may execute, the registry's admin role moves to the timelock, and the deployer
renounces every admin role it held. What the deployer keeps is tokens, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from web3 import Web3

from .compiler import EVM_VERSION, Artifacts
from .errors import ChainError
from .manifest import CONTRACT_NAMES, DeployedContract, Manifest
from .tx import Sender

TOKEN = 10**18
ZERO_ADDRESS = "0x" + "00" * 20


class ParamsConfig(BaseModel):
    """Initial protocol parameters (token base units and seconds)."""

    model_config = ConfigDict(extra="forbid")

    min_stake: int = Field(1_000 * TOKEN, ge=1)
    unbonding_delay: int = Field(3_600, ge=0)
    default_redundancy: int = Field(3, ge=1, le=15)
    commit_window: int = Field(600, ge=2)
    reveal_window: int = Field(600, ge=2)
    challenge_window: int = Field(60, ge=2)
    slash_bps: int = Field(1_000, ge=0, le=10_000)
    protocol_fee_bps: int = Field(100, ge=0, le=2_000)
    proposer_bond: int = Field(100 * TOKEN, ge=0)
    challenge_reward_bps: int = Field(5_000, ge=0, le=9_000)

    def as_tuple(self) -> tuple[int, ...]:
        """The values in the order of ``Params.Init``."""
        return (
            self.min_stake,
            self.unbonding_delay,
            self.default_redundancy,
            self.commit_window,
            self.reveal_window,
            self.challenge_window,
            self.slash_bps,
            self.protocol_fee_bps,
            self.proposer_bond,
            self.challenge_reward_bps,
        )


class DeployConfig(BaseModel):
    """Everything a deployment can be told. Defaults suit a local devnet."""

    model_config = ConfigDict(extra="forbid")

    token_name: str = "Nash"
    token_symbol: str = "NASH"
    token_supply: int = Field(1_000_000_000 * TOKEN, gt=0)
    voting_delay_blocks: int = Field(1, ge=0)
    voting_period_blocks: int = Field(20, ge=1)
    proposal_threshold: int = Field(0, ge=0)
    quorum_percent: int = Field(4, ge=0, le=100)
    timelock_delay: int = Field(60, ge=0)
    params: ParamsConfig = Field(default_factory=ParamsConfig)


def deploy(
    w3: Web3,
    sender: Sender,
    artifacts: Artifacts,
    config: DeployConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Manifest:
    """Deploy the whole system from ``sender``'s account and return its manifest."""
    config = config or DeployConfig()
    say = progress or (lambda _msg: None)
    deployer = sender.address
    deployed: dict[str, DeployedContract] = {}

    def put(key: str, *args: Any) -> Any:
        name = CONTRACT_NAMES[key]
        say(f"deploying {name}")
        address, receipt = sender.deploy(artifacts[name], *args)
        deployed[key] = DeployedContract(
            name=name,
            address=address,
            block=int(receipt["blockNumber"]),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            abi_hash=artifacts[name].abi_hash,
        )
        return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts[name].abi)

    token = put("token", config.token_name, config.token_symbol, deployer, config.token_supply)
    timelock = put("timelock", config.timelock_delay, [], [ZERO_ADDRESS], deployer)
    put("params", timelock.address, config.params.as_tuple())
    registry = put("registry", token.address, deployed["params"].address, deployer)
    market = put("market", token.address, deployed["params"].address, registry.address, timelock.address)
    governor = put(
        "governor",
        token.address,
        timelock.address,
        config.voting_delay_blocks,
        config.voting_period_blocks,
        config.proposal_threshold,
        config.quorum_percent,
    )

    say("wiring roles")
    admin = timelock.functions.DEFAULT_ADMIN_ROLE().call()
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE"):
        sender.transact(timelock.functions.grantRole(getattr(timelock.functions, role)().call(), governor.address))
    registry_admin = registry.functions.DEFAULT_ADMIN_ROLE().call()
    # The market slashes through the registry; only the admin can grant that, so before renouncing.
    sender.transact(registry.functions.grantRole(registry.functions.SLASHER_ROLE().call(), market.address))
    sender.transact(registry.functions.grantRole(registry_admin, timelock.address))
    sender.transact(registry.functions.renounceRole(registry_admin, deployer))
    sender.transact(timelock.functions.renounceRole(admin, deployer))
    if timelock.functions.hasRole(admin, deployer).call() or registry.functions.hasRole(
        registry_admin, deployer
    ).call():
        raise ChainError("the deployer still holds an admin role after wiring; the deployment is not safe to use")

    return Manifest(
        chain_id=int(w3.eth.chain_id),
        deployer=deployer,
        compiler=artifacts.compiler,
        evm_version=EVM_VERSION,
        contracts=deployed,
        config=config.model_dump(),
    )
