"""NodeRegistry on the in-process chain: every external function and revert path."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from contracts import advance_time
from contracts.registry import node_info, register_node

from .conftest import TOKEN, System, reverts

KEY = b"\x11" * 32


def _register(system: System, i: int = 1, stake: int = 2_000 * TOKEN, capacity: int = 4) -> None:
    register_node(system.d, system.sender(i), signing_key=KEY, endpoint="http://127.0.0.1:9000",
                  capacity=capacity, prices={1: TOKEN, 4: TOKEN // 2}, stake=stake)


def test_register_and_stake_records_everything(system: System) -> None:
    _register(system)
    info = node_info(system.d, system.address(1))
    assert info["registered"] and info["active"]
    assert info["capacity"] == 4
    assert info["kinds"] == [1, 4]
    assert info["prices"] == {1: TOKEN, 4: TOKEN // 2}
    assert info["stake"] == 2_000 * TOKEN
    r = system.d.registry.functions
    assert r.operators().call() == [system.address(1)]
    assert r.totalStaked().call() == 2_000 * TOKEN
    assert r.isEligible(system.address(1), 1).call()
    assert not r.isEligible(system.address(1), 2).call()
    assert system.d.token.functions.balanceOf(system.d.registry.address).call() == 2_000 * TOKEN


def test_register_emits_events(system: System) -> None:
    _register(system)
    start = system.d.manifest.contracts["registry"].block
    ev = system.d.registry.events.NodeRegistered().get_logs(from_block=start)
    assert ev[-1]["args"]["operator"] == system.address(1)
    assert ev[-1]["args"]["capacity"] == 4
    staked = system.d.registry.events.Staked().get_logs(from_block=start)
    assert staked[-1]["args"]["amount"] == 2_000 * TOKEN


def test_below_min_stake_is_not_active(system: System) -> None:
    _register(system, stake=TOKEN)
    assert not system.d.registry.functions.isActive(system.address(1)).call()


def test_register_twice_reverts(system: System) -> None:
    _register(system)
    with reverts("RegistryAlreadyRegistered", operator=system.address(1)):
        system.sender(1).transact(system.d.registry.functions.register(KEY, "http://x", 1, [1], [1]))


@pytest.mark.parametrize(
    ("key", "endpoint", "capacity", "kinds", "prices", "error", "args"),
    [
        (b"\0" * 32, "http://x", 1, [1], [1], "RegistryInvalidSigningKey", {}),
        (KEY, "", 1, [1], [1], "RegistryInvalidEndpoint", {"length": 0, "maxLength": 256}),
        (KEY, "h" * 257, 1, [1], [1], "RegistryInvalidEndpoint", {"length": 257, "maxLength": 256}),
        (KEY, "http://x", 10_001, [1], [1], "RegistryInvalidCapacity", {"capacity": 10_001, "maxCapacity": 10_000}),
        (KEY, "http://x", 1, [1, 2], [1], "RegistryKindsPricesMismatch", {"kinds": 2, "prices": 1}),
        (KEY, "http://x", 1, [3, 3], [1, 1], "RegistryDuplicateKind", {"kind": 3}),
    ],
)
def test_register_rejects_bad_input(system: System, key, endpoint, capacity, kinds, prices, error, args) -> None:  # noqa: ANN001
    with reverts(error, **args):
        system.sender(1).transact(system.d.registry.functions.register(key, endpoint, capacity, kinds, prices))


def test_setters_require_registration(system: System) -> None:
    r = system.d.registry.functions
    for fn in (r.setCapacity(1), r.setEndpoint("http://y"), r.setSigningKey(KEY), r.setPrices([1], [1]),
               r.deregister(), r.stake(1)):
        with reverts("RegistryNotRegistered", operator=system.address(2)):
            system.sender(2).transact(fn)


def test_setters_update_node(system: System) -> None:
    _register(system)
    s, r = system.sender(1), system.d.registry.functions
    s.transact(r.setCapacity(9))
    s.transact(r.setEndpoint("http://node.example:1"))
    s.transact(r.setSigningKey(b"\x22" * 32))
    s.transact(r.setPrices([2, 6], [3, 4]))
    info = node_info(system.d, system.address(1))
    assert info["capacity"] == 9
    assert info["endpoint"] == "http://node.example:1"
    assert info["signing_key"] == "0x" + "22" * 32
    assert info["prices"] == {2: 3, 6: 4}
    assert r.priceOf(system.address(1), 1).call() == 0  # old kind cleared


def test_stake_zero_reverts(system: System) -> None:
    _register(system, stake=0)
    with reverts("RegistryZeroAmount"):
        system.sender(1).transact(system.d.registry.functions.stake(0))


def test_stake_with_permit(system: System) -> None:
    _register(system, stake=0)
    acct = system.chain.accounts[1]
    token = system.d.token
    amount = 1_500 * TOKEN
    deadline = system.w3.eth.get_block("latest")["timestamp"] + 3600
    from eth_account.messages import encode_typed_data

    typed = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                       {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                       {"name": "deadline", "type": "uint256"}],
        },
        "primaryType": "Permit",
        "domain": {"name": "Nash", "version": "1", "chainId": system.w3.eth.chain_id,
                   "verifyingContract": token.address},
        "message": {"owner": acct.address, "spender": system.d.registry.address, "value": amount,
                    "nonce": token.functions.nonces(acct.address).call(), "deadline": deadline},
    }
    sig = acct.sign_message(encode_typed_data(full_message=typed))
    system.sender(1).transact(system.d.registry.functions.stakeWithPermit(
        amount, deadline, sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")))
    assert system.d.registry.functions.stakeOf(acct.address).call() == amount


def test_unbonding_delay_is_enforced(system: System) -> None:
    _register(system)
    s, r = system.sender(1), system.d.registry.functions
    with reverts("RegistryInsufficientStake", operator=system.address(1), stake=2_000 * TOKEN, requested=3_000 * TOKEN):
        s.transact(r.requestUnstake(3_000 * TOKEN))
    with reverts("RegistryZeroAmount"):
        s.transact(r.requestUnstake(0))
    with reverts("RegistryNothingToWithdraw", operator=system.address(1)):
        s.transact(r.withdraw())
    s.transact(r.requestUnstake(500 * TOKEN))
    end = node_info(system.d, system.address(1))["unbonding_end"]
    with pytest.raises(Exception) as info:
        s.transact(r.withdraw())
    assert info.value.error == "RegistryUnbondingNotOver"
    assert info.value.args_["availableAt"] == end
    advance_time(system.w3, system.config.params.unbonding_delay)
    before = system.d.token.functions.balanceOf(system.address(1)).call()
    s.transact(r.withdraw())
    assert system.d.token.functions.balanceOf(system.address(1)).call() == before + 500 * TOKEN
    assert r.totalStaked().call() == 1_500 * TOKEN


def test_deregister_moves_stake_to_unbonding(system: System) -> None:
    _register(system, i=1)
    _register(system, i=2)
    system.sender(1).transact(system.d.registry.functions.deregister())
    info = node_info(system.d, system.address(1))
    assert not info["registered"] and info["stake"] == 0 and info["unbonding"] == 2_000 * TOKEN
    assert info["kinds"] == []
    assert system.d.registry.functions.operators().call() == [system.address(2)]


def test_only_the_market_slashes(system: System) -> None:
    """F8: the deployer kept nothing; operators and strangers cannot slash; the market is named for good."""
    _register(system)
    for i in (0, 1, 3):
        with reverts("RegistryUnauthorizedSlasher", caller=system.address(i)):
            system.sender(i).transact(system.d.registry.functions.slash(system.address(1), 1, system.address(i)))
    assert system.d.registry.functions.market().call() == system.d.market.address
    for i in (0, 3):  # not even the deployer can name another market
        with reverts("RegistryMarketAlreadySet", caller=system.address(i)):
            system.sender(i).transact(system.d.registry.functions.setMarket(system.address(i)))


def test_deployer_holds_no_admin_role(system: System) -> None:
    d, deployer = system.d, system.address(0)
    assert not d.timelock.functions.hasRole(b"\0" * 32, deployer).call()
    assert d.timelock.functions.hasRole(keccak(text="PROPOSER_ROLE"), d.governor.address).call()
    assert not d.timelock.functions.hasRole(keccak(text="PROPOSER_ROLE"), deployer).call()


def test_config_hash_follows_every_change(system: System) -> None:
    """The registry's configuration hash equals contracts.codec's for what a proposal would list,
    after registration, a capacity change and a price change; zero once deregistered."""
    from contracts import codec

    r = system.d.registry.functions
    _register(system, capacity=4)
    me = system.address(1)

    def expected(capacity: int, prices: dict[int, int]) -> bytes:
        row = [prices.get(k, 0) for k in range(codec.NUM_PRICE_KINDS)]
        return codec.config_hash(capacity, sum(1 << k for k in prices), row)

    assert r.configHashOf(me).call() == expected(4, {1: TOKEN, 4: TOKEN // 2})
    system.sender(1).transact(r.setCapacity(9))
    assert r.configHashOf(me).call() == expected(9, {1: TOKEN, 4: TOKEN // 2})
    system.sender(1).transact(r.setPrices([2, 15], [7, 8]))
    assert r.configHashOf(me).call() == expected(9, {2: 7, 15: 8})
    hashes, stakes = r.snapshotOf([me, system.address(4)]).call()
    assert hashes == [expected(9, {2: 7, 15: 8}), b"\0" * 32] and stakes == [2_000 * TOKEN, 0]
    with reverts("RegistryInvalidKind", kind=16):
        system.sender(1).transact(r.setPrices([16], [1]))
    with reverts("RegistryPriceTooLarge", kind=2, price=2**128):
        system.sender(1).transact(r.setPrices([2], [2**128]))
    system.sender(1).transact(r.deregister())
    assert r.configHashOf(me).call() == b"\0" * 32
