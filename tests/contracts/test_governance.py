"""Governance end to end on the in-process chain, and Params bounds."""

from __future__ import annotations

import pytest
from eth_utils import keccak

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


def test_governance_grants_slasher_and_slashing_works(system: System) -> None:
    d = system.d
    register_node(d, system.sender(1), signing_key=b"\x01" * 32, endpoint="http://n", capacity=1,
                  prices={1: TOKEN}, stake=2_000 * TOKEN)
    role = keccak(text="SLASHER_ROLE")
    data = d.registry.encode_abi("grantRole", args=[role, system.address(5)])
    _pass(system, g.Proposal([d.registry.address], [0], [bytes.fromhex(data[2:])], "grant slasher to 5"))
    slasher = system.sender(5)
    before = d.token.functions.balanceOf(system.address(5)).call()
    slasher.transact(d.registry.functions.slash(system.address(1), 300 * TOKEN, system.address(5)))
    assert d.registry.functions.stakeOf(system.address(1)).call() == 1_700 * TOKEN
    assert d.token.functions.balanceOf(system.address(5)).call() == before + 300 * TOKEN
    # unbonding stake is slashable too, and a slash never takes more than there is
    system.sender(1).transact(d.registry.functions.requestUnstake(1_000 * TOKEN))
    slasher.transact(d.registry.functions.slash(system.address(1), 5_000 * TOKEN, system.address(5)))
    node = d.registry.functions.getNode(system.address(1)).call()
    assert node[5] == 0 and node[6] == 0
    assert d.registry.functions.totalStaked().call() == 0
    with reverts("RegistryInvalidAddress", account="0x" + "00" * 20):
        slasher.transact(d.registry.functions.slash(system.address(1), 1, "0x" + "00" * 20))


def test_params_only_governance(system: System) -> None:
    with reverts("ParamsUnauthorized", caller=system.address(0)):
        system.sender(0).transact(system.d.params.functions.set(0, 5))


@pytest.mark.parametrize(
    ("key", "value", "lo", "hi"),
    [
        (g.ParamKey.MIN_STAKE, 0, 1, 2**128 - 1),
        (g.ParamKey.DEFAULT_REDUNDANCY, 16, 1, 15),
        (g.ParamKey.COMMIT_WINDOW, 1, 2, 30 * 86400),
        (g.ParamKey.CHALLENGE_WINDOW, 8 * 86400, 2, 7 * 86400),
        (g.ParamKey.SLASH_BPS, 10_001, 0, 10_000),
        (g.ParamKey.PROTOCOL_FEE_BPS, 2_001, 0, 2_000),
        (g.ParamKey.CHALLENGE_REWARD_BPS, 9_001, 0, 9_000),
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
        system.sender(0).deploy(artifacts["Params"], system.d.timelock.address, tuple(bad))
    with reverts("ParamsInvalidGovernance"):
        system.sender(0).deploy(artifacts["Params"], "0x" + "00" * 20, system.config.params.as_tuple())


def test_param_key_parsing() -> None:
    assert g.ParamKey.parse("slash_bps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("slash-bps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("SlashBps") is g.ParamKey.SLASH_BPS
    assert g.ParamKey.parse("6") is g.ParamKey.SLASH_BPS
    with pytest.raises(ConfigError, match="unknown parameter 'nope'"):
        g.ParamKey.parse("nope")
    with pytest.raises(ConfigError, match="unknown vote"):
        g.Support.parse("maybe")
