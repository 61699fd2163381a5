"""The chain log: events decoded once and in order, resumable, confirmations, reorgs, refusals, failures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from consensus.clients.market_v2 import TaskInput
from contracts import (
    DeployConfig,
    Deployment,
    ErrorDecoder,
    RpcUnreachable,
    Sender,
    compile_contracts,
    connect,
    deploy,
    mine,
)
from contracts.anvil import Anvil, dev_accounts
from contracts.codec import unpack_submissions
from contracts.registry import register_node
from node.daemon.chainlog import ChainLog, ChainLogError, Event
from tests.contracts import conftest as chain_fixtures
from tests.contracts.conftest import TOKEN, System

# The in-process deployment of tests/contracts (one per session, a snapshot per test).
artifacts = chain_fixtures.artifacts
_system = chain_fixtures._system
system = chain_fixtures.system

KEY = b"\x11" * 32


def _deadline(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"]) + 3600


def _submit(d: Deployment, sender: Sender, *specs: bytes, reward: int = 10 * TOKEN) -> list[int]:
    sender.transact(d.token.functions.approve(d.market.address, reward * len(specs)))
    return d.client().submit(sender, [TaskInput(s, 1, reward, _deadline(d.w3)) for s in specs])


def _register(system: System, i: int = 1) -> None:
    register_node(
        system.d,
        system.sender(i),
        signing_key=KEY,
        endpoint="http://127.0.0.1:9000",
        capacity=4,
        prices={1: TOKEN},
        stake=2_000 * TOKEN,
    )


def _specs(events: list[Event]) -> list[str]:
    """The spec of every task the ``TasksSubmitted`` events among ``events`` carry, in order."""
    return ["0x" + spec.hex() for e in events if e.name == "TasksSubmitted"
            for _, _, spec in unpack_submissions(e.args["firstId"], e.args["requester"], e.args["defaultRedundancy"],
                                                 bytes.fromhex(e.args["tasks"][2:]))]


def _in_chain_order(events: list[Event]) -> bool:
    keys = [(e.block, e.log_index) for e in events]
    ids = [e.id for e in events]
    return keys == sorted(set(keys)) and ids == sorted(set(ids))


def test_events_appear_once_in_order_with_decoded_args(system: System, tmp_path: Path) -> None:
    with ChainLog(tmp_path / "log.db", system.d) as log:
        log.sync()  # whatever the deployment emitted
        _register(system)
        ids = _submit(system.d, system.sender(0), b"alpha") + _submit(system.d, system.sender(0), b"\x00\xffbeta")
        result = log.sync()
        assert result.reorged_from is None
        assert result.head == system.w3.eth.block_number == log.last_block()
        events = result.events
        assert _in_chain_order(events)
        names = [e.name for e in events]
        assert names.count("NodeRegistered") == 1 and names.count("TasksSubmitted") == 2
        assert names.index("NodeRegistered") < names.index("TasksSubmitted")

        reg = next(e for e in events if e.name == "NodeRegistered")
        assert reg.contract == "registry"
        assert reg.args == {
            "operator": system.address(1),
            "signingKey": "0x" + KEY.hex(),
            "endpoint": "http://127.0.0.1:9000",
            "capacity": 4,
        }
        specs = [e for e in events if e.name == "TasksSubmitted"]
        assert [(e.args["firstId"], e.args["count"]) for e in specs] == [(ids[0], 1), (ids[1], 1)]
        assert _specs(specs) == ["0x" + b"alpha".hex(), "0x" + b"\x00\xffbeta".hex()]
        assert specs[0].args["requester"] == system.address(0)
        assert all(e.contract == "market" for e in specs)
        tx = system.w3.eth.get_transaction_receipt(specs[0].tx_hash)
        assert tx["blockNumber"] == specs[0].block and "0x" + bytes(tx["blockHash"]).hex() == specs[0].block_hash

        # Exactly what the chain has, once.
        chain_specs = system.d.market.events.TasksSubmitted().get_logs(from_block=0)
        assert len(chain_specs) == len(log.events("TasksSubmitted")) == 2
        assert log.sync().events == []

        # Queries: by name, cursor, and args (ints beyond 64 bits and bytes compared exactly).
        assert log.events("TasksSubmitted", where={"firstId": ids[1]}) == [specs[1]]
        assert log.events(where={"tasks": bytes.fromhex(specs[0].args["tasks"][2:])}) == [specs[0]]
        assert log.events("TasksSubmitted", after_id=specs[0].id) == [specs[1]]
        staked = log.events("Staked", where={"amount": 2_000 * TOKEN})
        assert len(staked) == 1 and staked[0].args["stake"] == 2_000 * TOKEN
        assert log.events("Staked", where={"amount": 2_000 * TOKEN + 1}) == []
        assert log.events(where={"nope": 1}) == []


def test_restart_resumes_with_only_new_events(system: System, tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with ChainLog(path, system.d) as log:
        _submit(system.d, system.sender(0), b"one")
        first = log.sync().events
        last = log.last_block()
    assert _specs(first) == ["0x" + b"one".hex()]

    _submit(system.d, system.sender(0), b"two")
    with ChainLog(path, system.d) as log:
        assert log.last_block() == last
        again = log.sync()
        assert _specs(again.events) == ["0x" + b"two".hex()]
        assert min(e.id for e in again.events) > max(e.id for e in first)
        assert log.sync().events == []
        assert _specs(log.events()) == ["0x" + b"one".hex(), "0x" + b"two".hex()]


def test_confirmations_hold_back_the_newest_blocks(system: System, tmp_path: Path) -> None:
    with ChainLog(tmp_path / "log.db", system.d, confirmations=3) as log:
        _submit(system.d, system.sender(0), b"late")
        assert _specs(log.sync().events) == []
        assert log.last_block() == system.w3.eth.block_number - 3
        mine(system.w3, 2)
        assert _specs(log.sync().events) == []
        mine(system.w3, 1)
        assert _specs(log.sync().events) == ["0x" + b"late".hex()]


def test_reorg_drops_the_old_branch_and_reads_the_new(system: System, tmp_path: Path) -> None:
    w3 = system.w3
    with ChainLog(tmp_path / "log.db", system.d) as log:
        log.sync()
        fork = w3.eth.block_number
        snap = system.chain.snapshot()
        _submit(system.d, system.sender(0), b"old-1")
        _submit(system.d, system.sender(0), b"old-2")
        old_head = w3.eth.block_number
        assert _specs(log.sync().events) == ["0x" + b"old-1".hex(), "0x" + b"old-2".hex()]

        system.chain.revert(snap)
        _submit(system.d, system.sender(1), b"new")
        mine(w3, old_head - w3.eth.block_number + 2)
        result = log.sync()
        assert result.reorged_from == fork + 1
        assert _specs(result.events) == ["0x" + b"new".hex()]
        assert _specs(log.events()) == ["0x" + b"new".hex()]
        assert all(e.block > fork for e in result.events)
        assert log.sync() == type(result)(events=[], reorged_from=None, head=w3.eth.block_number)


def test_reorg_of_the_last_block_only_is_seen(system: System, tmp_path: Path) -> None:
    w3 = system.w3
    with ChainLog(tmp_path / "log.db", system.d) as log:
        log.sync()
        snap = system.chain.snapshot()
        mine(w3, 1)  # an empty block, then the same height with a task in it
        log.sync()
        system.chain.revert(snap)
        _submit(system.d, system.sender(0), b"x")
        result = log.sync()
        assert result.reorged_from is not None
        assert _specs(result.events) == ["0x" + b"x".hex()]


def test_shallow_reorg_after_a_quiet_stretch_is_found_exactly(system: System, tmp_path: Path) -> None:
    w3 = system.w3
    with ChainLog(tmp_path / "log.db", system.d, max_reorg_depth=4) as log:
        log.sync()
        mine(w3, 10)
        fork = w3.eth.block_number
        snap = system.chain.snapshot()
        mine(w3, 2)
        log.sync()  # one window of 12 blocks without an event
        system.chain.revert(snap)
        _submit(system.d, system.sender(0), b"fresh")
        mine(w3, 1)
        result = log.sync()
        assert result.reorged_from == fork + 1
        assert _specs(result.events) == ["0x" + b"fresh".hex()]


def test_reorg_deeper_than_the_limit_raises_and_keeps_the_log(system: System, tmp_path: Path) -> None:
    w3 = system.w3
    with ChainLog(tmp_path / "log.db", system.d, max_reorg_depth=2) as log:
        log.sync()
        snap = system.chain.snapshot()
        _submit(system.d, system.sender(0), b"old")
        mine(w3, 3)
        log.sync()
        before, last = log.events(), log.last_block()

        system.chain.revert(snap)
        _submit(system.d, system.sender(1), b"new")
        mine(w3, 6)
        with pytest.raises(ChainLogError, match="deeper than max_reorg_depth=2"):
            log.sync()
        assert log.events() == before and log.last_block() == last


def test_a_file_of_another_deployment_is_refused(system: System, tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    ChainLog(path, system.d).close()

    def other(**update: Any) -> Deployment:
        return Deployment(
            w3=system.w3, manifest=system.d.manifest.model_copy(update=update), artifacts=system.d.artifacts
        )

    with pytest.raises(ChainLogError, match=r"chain_id='\d+', but this deployment has chain_id='999'"):
        ChainLog(path, other(chain_id=999))
    moved = dict(system.d.manifest.contracts)
    moved["market"] = moved["market"].model_copy(update={"address": "0x" + "ab" * 20})
    with pytest.raises(ChainLogError, match="market="):
        ChainLog(path, other(contracts=moved))
    with pytest.raises(ChainLogError, match="contracts="):
        ChainLog(path, system.d, contracts=("market",))
    with pytest.raises(ChainLogError, match=r"\['bogus'\] are not in the manifest"):
        ChainLog(path, system.d, contracts=("market", "bogus"))
    ChainLog(path, system.d).close()  # the right deployment still opens it


def test_a_failed_sync_writes_no_half_window_and_the_next_completes(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3 = system.w3
    with ChainLog(tmp_path / "log.db", system.d, batch_blocks=3) as log:
        log.sync()
        start = log.last_block()
        for i in range(6):  # two blocks per task (approve, submit): four windows
            _submit(system.d, system.sender(0), b"t%d" % i)
        real = w3.eth.get_logs
        calls = {"n": 0}

        def flaky(params: Any) -> Any:
            """Test double: the RPC fails on the n-th eth_getLogs of a sync."""
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise RpcUnreachable("http://test-double", "eth_getLogs failed")
            return real(params)

        monkeypatch.setattr(w3.eth, "get_logs", flaky)
        fail_at = 1
        with pytest.raises(RpcUnreachable):
            log.sync()
        assert log.last_block() == start and _specs(log.events()) == []

        calls["n"], fail_at = 0, 2
        with pytest.raises(RpcUnreachable):
            log.sync()
        assert log.last_block() == start + 3
        stored = log.events()
        on_chain = system.d.market.events.TasksSubmitted().get_logs(from_block=start + 1, to_block=start + 3)
        assert len(_specs(stored)) == len(on_chain) >= 1  # whole window, nothing of the next

        calls["n"], fail_at = 0, 0
        result = log.sync()
        assert _specs(result.events) == ["0x" + (b"t%d" % i).hex() for i in range(6)]  # the failed sync's too
        assert _in_chain_order(log.events())
        assert log.last_block() == w3.eth.block_number


@pytest.fixture()
def anvil_deployment() -> Iterator[tuple[Deployment, list[Sender]]]:
    """A fresh deployment on anvil (free port), stopped after the test."""
    anvil = Anvil.start()
    try:
        w3 = connect(anvil.url)
        arts = compile_contracts()
        decoder = ErrorDecoder.from_artifacts(arts.contracts.values())
        senders = [Sender(w3, w3.eth.account.from_key(k), decoder) for k in dev_accounts(2)]
        manifest = deploy(w3, senders[0], arts, DeployConfig())
        yield Deployment.attach(w3, manifest, arts), senders
    finally:
        anvil.stop()


@pytest.mark.integration
def test_anvil_bulk_sync_and_reorg(anvil_deployment: tuple[Deployment, list[Sender]], tmp_path: Path) -> None:
    d, senders = anvil_deployment
    w3 = d.w3
    for batch in range(5):  # 250 tasks in 5 TasksSubmitted events
        _submit(d, senders[0], *(b"bulk-%d-%d" % (batch, i) for i in range(50)))
    with ChainLog(tmp_path / "log.db", d, batch_blocks=4) as log:
        began = time.perf_counter()
        events = log.sync().events
        took = time.perf_counter() - began
        market = [e for e in events if e.contract == "market"]
        assert len(_specs(market)) == 250 and _in_chain_order(events)
        print(f"\nchain log: {len(events)} events in {took:.3f} s ({len(events) / took:.0f} events/s)")

        snap = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        fork = w3.eth.block_number
        _submit(d, senders[0], b"old", reward=TOKEN)
        assert _specs(log.sync().events) == ["0x" + b"old".hex()]
        w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
        senders[0].reset_nonce()
        _submit(d, senders[0], b"new", reward=2 * TOKEN)
        mine(w3, 3)
        result = log.sync()
        assert result.reorged_from == fork + 1
        assert _specs(result.events) == ["0x" + b"new".hex()]
        assert "0x" + b"old".hex() not in _specs(log.events())
