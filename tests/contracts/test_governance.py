"""Governance end to end on the in-process chain, and Params bounds."""

from __future__ import annotations

import pytest

from contracts import advance_time, mine
from contracts import governance as g
from contracts.errors import ConfigError
from contracts.registry import register_node

from .conftest import TOKEN, System, reverts


def _pass(system: System, proposal: g.Proposal) -> int:
    d, boss = system.d, system.sender(0)
    boss.transact(d.token.functions.delegate(system.address(0)))
    mine(system.w3, 1)
    pid = g.propose(d, boss, proposal)
    assert g.state(d, pid) is g.ProposalState.PENDING
    mine(system.w3, system.config.voting_delay_blocks + 1)
    assert g.state(d, pid) is g.ProposalState.ACTIVE
    g.vote(d, boss, pid, g.Support.FOR)
    mine(system.w3, system.config.voting_period_blocks + 1)
    assert g.state(d, pid) is g.ProposalState.SUCCEEDED
    g.queue(d, boss, proposal)
    assert g.state(d, pid) is g.ProposalState.QUEUED
    with reverts("TimelockUnexpectedOperationState"):
        g.execute(d, boss, proposal)
    advance_time(system.w3, system.config.timelock_delay + 1)
    g.execute(d, boss, proposal)
    assert g.state(d, pid) is g.ProposalState.EXECUTED
    return pid


def test_proposal_changes_a_parameter(system: System) -> None:
    d = system.d
    assert d.params.functions.slashBps().call() == 1_000
    _pass(system, g.param_change(d, g.ParamKey.SLASH_BPS, 2_500))
    assert d.params.functions.slashBps().call() == 2_500
    ev = d.params.events.ParamChanged().get_logs(from_block=d.manifest.contracts["params"].block + 1)
    assert [(e["args"]["key"], e["args"]["oldValue"], e["args"]["newValue"]) for e in ev] == [(6, 1_000, 2_500)]
    assert [p["state"] for p in g.proposals(d)] == ["executed"]


def test_defeated_proposal_changes_nothing(system: System) -> None:
    d, boss = system.d, system.sender(0)
    boss.transact(d.token.functions.delegate(system.address(0)))
    mine(system.w3, 1)
    proposal = g.param_change(d, g.ParamKey.PROTOCOL_FEE_BPS, 500)
    pid = g.propose(d, boss, proposal)
    mine(system.w3, system.config.voting_delay_blocks + 1)
    g.vote(d, boss, pid, g.Support.AGAINST)
    mine(system.w3, system.config.voting_period_blocks + 1)
    assert g.state(d, pid) is g.ProposalState.DEFEATED
    with reverts("GovernorUnexpectedProposalState"):
        g.queue(d, boss, proposal)
    assert d.params.functions.protocolFeeBps().call() == 100


def test_governance_cannot_make_a_slasher(system: System) -> None:
    """F8 replayed: a passed proposal that names another slasher is refused, and nobody but the market slashes.

    On main before the fix the timelock could grant SLASHER_ROLE to any address through a proposal,
    and that address could take every node's whole stake.
    """
    d = system.d
    register_node(d, system.sender(1), signing_key=b"\x01" * 32, endpoint="http://n", capacity=1,
                  prices={1: TOKEN}, stake=2_000 * TOKEN)
    data = d.registry.encode_abi("setMarket", args=[system.address(5)])
    with reverts("RegistryMarketAlreadySet", caller=d.timelock.address):
        _pass(system, g.Proposal([d.registry.address], [0], [bytes.fromhex(data[2:])], "name 5 as the market"))
    assert d.registry.functions.market().call() == d.market.address
    with reverts("RegistryUnauthorizedSlasher", caller=system.address(5)):
        system.sender(5).transact(d.registry.functions.slash(system.address(1), 2_000 * TOKEN, system.address(5)))
    assert d.registry.functions.stakeOf(system.address(1)).call() == 2_000 * TOKEN


def test_one_slash_takes_at_most_the_cap(system: System, artifacts) -> None:  # noqa: ANN001
    """F8: a slash takes at most slashCapBps of bonded + unbonding stake, whatever amount the slasher asks."""
    boss = system.sender(0)
    w3 = system.w3
    params_address, _ = boss.deploy(artifacts["Params"], boss.address, 60, system.config.params.as_tuple())
    registry_address, _ = boss.deploy(artifacts["NodeRegistry"], system.d.token.address, params_address)
    registry = w3.eth.contract(address=registry_address, abi=artifacts["NodeRegistry"].abi)
    boss.transact(registry.functions.setMarket(boss.address))  # the test account plays the market
    op = system.sender(1)
    op.transact(registry.functions.register(b"\x01" * 32, "http://n", 1, [1], [TOKEN]))
    op.transact(system.d.token.functions.approve(registry_address, 2_000 * TOKEN))
    op.transact(registry.functions.stake(2_000 * TOKEN))
    op.transact(registry.functions.requestUnstake(500 * TOKEN))
    cap = system.config.params.slash_cap_bps
    boss.transact(registry.functions.slash(op.address, 10**30, system.address(5)))
    taken = 2_000 * TOKEN * cap // 10_000
    node = registry.functions.getNode(op.address).call()
    assert node[5] + node[6] == 2_000 * TOKEN - taken
    assert registry.functions.totalStaked().call() == 2_000 * TOKEN - taken
    ev = registry.events.Slashed().get_logs(from_block=w3.eth.block_number)
    assert [int(e["args"]["amount"]) for e in ev] == [taken]


def test_cross_parameter_bounds(system: System) -> None:
    """F8/F3: the unbonding delay covers the three windows and the slash stays under its cap, on chain."""
    d = system.d
    p = system.config.params
    windows = p.challenge_window + p.commit_window + p.reveal_window
    with pytest.raises(ConfigError, match="shorter than the challenge"):
        g.param_change(d, g.ParamKey.UNBONDING_DELAY, windows - 1)
    with pytest.raises(ConfigError, match="above slash_cap_bps"):
        g.param_change(d, g.ParamKey.SLASH_BPS, p.slash_cap_bps + 1)
    with pytest.raises(ConfigError, match="above slash_cap_bps"):
        g.param_change(d, g.ParamKey.SLASH_CAP_BPS, p.slash_bps - 1)
    for key, value, error, args in (
        (g.ParamKey.UNBONDING_DELAY, windows - 1, "ParamsUnbondingTooShort",
         {"unbondingDelay": windows - 1, "windows": windows}),
        (g.ParamKey.COMMIT_WINDOW, p.unbonding_delay, "ParamsUnbondingTooShort",
         {"unbondingDelay": p.unbonding_delay, "windows": windows - p.commit_window + p.unbonding_delay}),
        (g.ParamKey.SLASH_BPS, p.slash_cap_bps + 1, "ParamsSlashAboveCap",
         {"slashBps": p.slash_cap_bps + 1, "slashCapBps": p.slash_cap_bps}),
    ):
        data = d.params.encode_abi("set", args=[int(key), value])
        with reverts(error, **args):
            _pass(system, g.Proposal([d.params.address], [0], [bytes.fromhex(data[2:])], f"bad {key.name}"))
    assert d.params.functions.unbondingDelay().call() == p.unbonding_delay


def test_windows_never_below_the_deployment_floor(system: System, artifacts) -> None:  # noqa: ANN001
    """F8: the 2 s challenge window of main is refused where the deployment fixed a 60 s floor."""
    d = system.d
    assert d.params.functions.windowFloor().call() == 60
    assert tuple(d.params.functions.bounds(int(g.ParamKey.CHALLENGE_WINDOW)).call()) == (60, 7 * 86_400)
    data = d.params.encode_abi("set", args=[int(g.ParamKey.CHALLENGE_WINDOW), 2])
    with reverts("ParamsOutOfBounds", key=int(g.ParamKey.CHALLENGE_WINDOW), value=2, min=60, max=7 * 86_400):
        _pass(system, g.Proposal([d.params.address], [0], [bytes.fromhex(data[2:])], "2 s challenge window"))
    with reverts("ParamsInvalidWindowFloor", floor=0):
        system.sender(0).deploy(artifacts["Params"], d.timelock.address, 0, system.config.params.as_tuple())


def test_timelock_delay_never_below_its_floor(system: System, artifacts) -> None:  # noqa: ANN001
    """F8: governance may vote the delay down to zero; the delay in force stays at the floor."""
    d = system.d
    floor = system.config.effective_timelock_floor
    assert d.timelock.functions.delayFloor().call() == floor
    data = d.timelock.encode_abi("updateDelay", args=[0])
    _pass(system, g.Proposal([d.timelock.address], [0], [bytes.fromhex(data[2:])], "no delay"))
    assert d.timelock.functions.getMinDelay().call() == floor
    # a proposal queued now still waits the floor: _pass checks that executing early fails
    _pass(system, g.param_change(d, g.ParamKey.PROTOCOL_FEE_BPS, 200))
    assert d.params.functions.protocolFeeBps().call() == 200
    with reverts("TimelockDelayBelowFloor", minDelay=1, floor=2):
        system.sender(0).deploy(artifacts["NashTimelock"], 1, 2, [], ["0x" + "00" * 20], system.address(0))


def test_params_only_governance(system: System) -> None:
    with reverts("ParamsUnauthorized", caller=system.address(0)):
        system.sender(0).transact(system.d.params.functions.set(0, 5))


@pytest.mark.parametrize(
    ("key", "value", "lo", "hi"),
    [
        (g.ParamKey.MIN_STAKE, 0, 1, 2**128 - 1),
        (g.ParamKey.DEFAULT_REDUNDANCY, 16, 1, 15),
        (g.ParamKey.COMMIT_WINDOW, 1, 60, 30 * 86400),
        (g.ParamKey.CHALLENGE_WINDOW, 8 * 86400, 60, 7 * 86400),
        (g.ParamKey.SLASH_BPS, 10_001, 0, 10_000),
        (g.ParamKey.PROTOCOL_FEE_BPS, 2_001, 0, 2_000),
        (g.ParamKey.CHALLENGE_REWARD_BPS, 9_001, 0, 9_000),
        (g.ParamKey.SLASH_CAP_BPS, 10_001, 0, 10_000),
    ],
)
def test_params_bounds_enforced_on_chain(system: System, key: g.ParamKey, value: int, lo: int, hi: int) -> None:
    """Out-of-bounds values are refused in Python and, through governance, on chain."""
    d = system.d
    assert tuple(d.params.functions.bounds(int(key)).call()) == (lo, hi)
    # the Python side refuses before anything is sent
    with pytest.raises(ConfigError, match="outside its bounds"):
        g.param_change(d, key, value)
    # and the contract refuses it when governance tries anyway
    data = d.params.encode_abi("set", args=[int(key), value])
    proposal = g.Proposal([d.params.address], [0], [bytes.fromhex(data[2:])], f"bad {key.name}")
    with reverts("ParamsOutOfBounds", key=int(key), value=value, min=lo, max=hi):
        _pass(system, proposal)


def test_params_constructor_checks_bounds(system: System, artifacts) -> None:  # noqa: ANN001
    bad = list(system.config.params.as_tuple())
    bad[6] = 20_000
    with reverts("ParamsOutOfBounds", key=6, value=20_000, min=0, max=10_000):
        system.sender(0).deploy(artifacts["Params"], system.d.timelock.address, 60, tuple(bad))
    with reverts("ParamsInvalidGovernance"):
        system.sender(0).deploy(artifacts["Params"], "0x" + "00" * 20, 60, system.config.params.as_tuple())
    bad = list(system.config.params.as_tuple())
    bad[1] = 10  # unbonding delay shorter than the windows
    with reverts("ParamsUnbondingTooShort", unbondingDelay=10, windows=1_260):
        system.sender(0).deploy(artifacts["Params"], system.d.timelock.address, 60, tuple(bad))


def test_param_key_parsing() -> None:
    assert g.ParamKey.parse("slash_bps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("slash-bps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("SlashBps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("6") is g.ParamKey.SLASH_BPS
    with pytest.raises(ConfigError, match="unknown parameter 'nope'"):
        g.ParamKey.parse("nope")
    with pytest.raises(ConfigError, match="unknown vote"):
        g.Support.parse("maybe")
