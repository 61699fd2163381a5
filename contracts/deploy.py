"""Deploy and wire nashnet's contracts, leaving no deployer backdoor.

Order: token → timelock → params (governed by the timelock) → node registry →
``AllocationCheck`` library → ``TaskMarketV2`` linked to it (its treasury is the timelock) →
governor; the registry names the market as
its only slasher (once, for good), the governor becomes the timelock's only proposer and
canceller, anyone may execute, and the deployer renounces the timelock's admin role.
What the deployer keeps is tokens, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
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
    slash_cap_bps: int = Field(5_000, ge=0, le=10_000)
    max_tasks_per_round: int = Field(500, ge=1, le=800)
    #: Smallest window governance may ever set, fixed at deployment. Default: the smallest of the
    #: three windows, at most 60 s; so a devnet with 5 s windows keeps seconds, a public chain minutes.
    window_floor: int | None = Field(None, ge=1, le=7 * 86_400)

    @model_validator(mode="after")
    def _cross_bounds(self) -> ParamsConfig:
        windows = self.challenge_window + self.commit_window + self.reveal_window
        if self.unbonding_delay < windows:
            raise ValueError(
                f"unbonding_delay: expected at least the challenge + commit + reveal windows ({windows} s), "
                f"got {self.unbonding_delay} s; stake must not leave before its round can be settled"
            )
        if self.slash_bps > self.slash_cap_bps:
            raise ValueError(f"slash_bps: expected at most slash_cap_bps ({self.slash_cap_bps}), got {self.slash_bps}")
        floor = self.effective_window_floor
        for name in ("challenge_window", "commit_window", "reveal_window"):
            if getattr(self, name) < floor:
                raise ValueError(f"{name}: expected at least window_floor ({floor} s), got {getattr(self, name)} s")
        return self

    @property
    def effective_window_floor(self) -> int:
        """The floor the deployment fixes: ``window_floor``, or the smallest window capped at 60 s."""
        if self.window_floor is not None:
            return self.window_floor
        return min(60, self.challenge_window, self.commit_window, self.reveal_window)

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
            self.slash_cap_bps,
            self.max_tasks_per_round,
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
    #: Seconds below which the timelock's delay never drops; default: the initial delay.
    timelock_delay_floor: int | None = Field(None, ge=0)
    params: ParamsConfig = Field(default_factory=ParamsConfig)

    @model_validator(mode="after")
    def _floor_below_delay(self) -> DeployConfig:
        if self.timelock_delay_floor is not None and self.timelock_delay_floor > self.timelock_delay:
            raise ValueError(
                f"timelock_delay_floor: expected at most timelock_delay ({self.timelock_delay} s), "
                f"got {self.timelock_delay_floor} s"
            )
        return self

    @property
    def effective_timelock_floor(self) -> int:
        """The timelock's delay floor: ``timelock_delay_floor``, or the initial delay."""
        return self.timelock_delay if self.timelock_delay_floor is None else self.timelock_delay_floor


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

    def put(key: str, *args: Any, name: str | None = None, artifact: Any = None) -> Any:
        name = name or CONTRACT_NAMES[key]
        say(f"deploying {name}")
        address, receipt = sender.deploy(artifact or artifacts[name], *args)
        deployed[key] = DeployedContract(
            name=name,
            address=address,
            block=int(receipt["blockNumber"]),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            abi_hash=artifacts[name].abi_hash,
        )
        return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts[name].abi)

    token = put("token", config.token_name, config.token_symbol, deployer, config.token_supply)
    timelock = put("timelock", config.timelock_delay, config.effective_timelock_floor, [], [ZERO_ADDRESS], deployer)
    put("params", timelock.address, config.params.effective_window_floor, config.params.as_tuple())
    registry = put("registry", token.address, deployed["params"].address)
    library = put("library")
    linked = artifacts["TaskMarketV2"].linked((artifacts["AllocationCheck"], library.address))
    market = put("market", token.address, deployed["params"].address, registry.address, timelock.address,
                 artifact=linked)
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
    # The market is the registry's only slasher, named once: nobody, governance included, can add one.
    sender.transact(registry.functions.setMarket(market.address))
    sender.transact(timelock.functions.renounceRole(admin, deployer))
    if timelock.functions.hasRole(admin, deployer).call():
        raise ChainError("the deployer still holds an admin role after wiring; the deployment is not safe to use")
    if Web3.to_checksum_address(registry.functions.market().call()) != Web3.to_checksum_address(market.address):
        raise ChainError("the registry does not name the market as its slasher; the deployment is not safe to use")

    return Manifest(
        chain_id=int(w3.eth.chain_id),
        deployer=deployer,
        compiler=artifacts.compiler,
        evm_version=EVM_VERSION,
        contracts=deployed,
        config=config.model_dump(),
    )


def deploy_market_v2(
    sender: Sender,
    artifacts: Artifacts,
    *,
    token: str,
    treasury: str,
    params: ParamsConfig | None = None,
    governance: str | None = None,
) -> dict[str, Any]:
    """Deploy protocol v2's market beside a token: params, a registry whose only slasher is the
    new market, the ``AllocationCheck`` library and ``TaskMarketV2`` linked to it.

    Args:
        sender: The deployer.
        artifacts: The compiled contracts.
        token: The token address.
        treasury: Where fees, slashed stake and forfeited bonds go.
        params: Initial parameters (default :class:`ParamsConfig`).
        governance: Who may change parameters (default: the deployer, for tests and benchmarks).

    Returns:
        ``{"params", "registry", "library", "market"}`` as web3 contracts.
    """
    params = params or ParamsConfig()
    w3 = sender.w3
    out: dict[str, Any] = {}

    def put(key: str, name: str, *args: Any, artifact: Any = None) -> Any:
        a = artifact or artifacts[name]
        address, _ = sender.deploy(a, *args)
        out[key] = w3.eth.contract(address=Web3.to_checksum_address(address), abi=a.abi)
        return out[key]

    put("params", "Params", governance or sender.address, params.effective_window_floor, params.as_tuple())
    put("registry", "NodeRegistry", token, out["params"].address)
    put("library", "AllocationCheck")
    linked = artifacts["TaskMarketV2"].linked((artifacts["AllocationCheck"], out["library"].address))
    put("market", "TaskMarketV2", token, out["params"].address, out["registry"].address, treasury, artifact=linked)
    sender.transact(out["registry"].functions.setMarket(out["market"].address))
    return out
