"""TaskMarketV2 against a malicious receiver: a claim re-entered from a token hook reverts.

The project's token has no hooks, so this builds a separate market over ``HookToken``
(tests/contracts/solidity), compiled together with the project's sources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consensus.clients.market_v2 import MarketV2
from contracts import ErrorDecoder, Sender, advance_time, compile_contracts
from contracts.compiler import SOURCES_DIR
from contracts.deploy import ParamsConfig

from .conftest import TOKEN, System, reverts

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_reentrant_claim_from_a_token_hook_reverts(system: System, tmp_path: Path) -> None:
    for folder in (SOURCES_DIR, HERE / "solidity"):
        for f in folder.glob("*.sol"):
            shutil.copy(f, tmp_path / f.name)
    arts = compile_contracts(sources_dir=tmp_path)
    decoder = ErrorDecoder.from_artifacts(arts.contracts.values())
    boss = Sender(system.w3, system.chain.accounts[0], decoder)
    w3 = system.w3

    def deploy(name: str, *args: object):  # noqa: ANN202
        address, _ = boss.deploy(arts[name], *args)
        return w3.eth.contract(address=address, abi=arts[name].abi)

    token = deploy("HookToken", boss.address, 10**9 * TOKEN)
    params = deploy("Params", boss.address, 60, ParamsConfig().as_tuple())
    registry = deploy("NodeRegistry", token.address, params.address)
    library, _ = boss.deploy(arts["AllocationCheck"])
    linked = arts["TaskMarketV2"].linked((arts["AllocationCheck"], library))
    address, _ = boss.deploy(linked, token.address, params.address, registry.address, boss.address)
    market = w3.eth.contract(address=address, abi=linked.abi)
    boss.transact(registry.functions.setMarket(market.address))
    m = MarketV2(w3, market, registry, params)
    attacker = deploy("ReentrantClaimer", market.address)

    boss.transact(token.functions.transfer(attacker.address, 10 * TOKEN))
    boss.transact(token.functions.setHooked(attacker.address))
    now = w3.eth.get_block("latest")["timestamp"]
    boss.transact(attacker.functions.submit(token.address, 10 * TOKEN, now + 100))
    advance_time(w3, 200)
    m.expire(boss, 1)  # the record comes from the TasksSubmitted event
    assert market.functions.creditOf(attacker.address).call() == 10 * TOKEN

    with reverts("ReentrancyGuardReentrantCall"):
        boss.transact(attacker.functions.claim())
    assert market.functions.creditOf(attacker.address).call() == 10 * TOKEN
    assert token.functions.balanceOf(market.address).call() == 10 * TOKEN

    boss.transact(token.functions.setHooked("0x" + "00" * 20))  # an honest receiver is paid once
    boss.transact(attacker.functions.claim())
    assert token.functions.balanceOf(attacker.address).call() == 10 * TOKEN
    assert token.functions.balanceOf(market.address).call() == 0
