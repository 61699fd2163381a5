"""End to end on anvil with real node processes: allocation, execution on Ray, commit, reveal,
settlement, payment, audit — and the faults a network must survive."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from eth_utils import keccak
from web3 import Web3

from consensus.clients.history import histories
from consensus.clients.market_v2 import ProposalV2, TaskInput, TaskLeaf, submissions
from contracts.codec import TaskRecord
from node.devnet import Devnet, devnet_params
from node.keys import dev_account
from node.samples import samples

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_FINAL = {"settled", "refunded", "expired", "cancelled"}
#: Tasks of each kind without a language model; the two model kinds get one each. Each model
#: run is tens of seconds on a 2-core CPU: with two of each, one node once missed the commit
#: deadline on the last one.
PER_KIND = int(os.environ.get("NASHNET_E2E_PER_KIND", "30"))
LM_PER_KIND = int(os.environ.get("NASHNET_E2E_LM_PER_KIND", "1"))


def _events(d, name: str) -> list:  # noqa: ANN001 - deployment
    start = d.manifest.contracts["market"].block
    return list(getattr(d.market.events, name)().get_logs(from_block=start))


def expected_credits(d) -> dict[str, int]:  # noqa: ANN001 - deployment
    """Every account's credits recomputed from the events, independently of the contract's books:
    (price - fee) per settled task to each node whose revealed digest won, refunds to requesters,
    bonds back to proposers of finalized rounds, of challenged ones the challenge reward share to the
    challenger and the rest to the treasury, of abandoned ones all to the treasury, fees to the treasury."""
    out: dict[str, int] = {}

    def add(a: str, v: int) -> None:
        out[Web3.to_checksum_address(a)] = out.get(Web3.to_checksum_address(a), 0) + v

    ids = [tid for e in _events(d, "TasksSubmitted") for tid, _, _ in submissions(e["args"])]
    for t, h in histories(d.client(), ids).items():
        if h.winner is not None:
            paid = [n for n, r in h.reveals.items() if r.digest == h.winner]
            assert len(paid) == h.winners, f"task {t}: {len(paid)} revealed winners, settlement says {h.winners}"
            for n in paid:
                add(n, h.price - h.fee)
            add(d.timelock.address, h.fee * h.winners)
        if h.final:
            add(h.record.requester, h.refund)
    proposed = {int(e["args"]["round"]): (e["args"]["proposer"], int(e["args"]["bond"]))
                for e in _events(d, "AllocationProposed")}
    for e in _events(d, "AllocationFinalized"):
        proposer, bond = proposed[int(e["args"]["round"])]
        add(proposer, bond)
    for e in _events(d, "AllocationChallenged"):
        bond = proposed[int(e["args"]["round"])][1]
        add(e["args"]["challenger"], int(e["args"]["reward"]))
        add(d.timelock.address, bond - int(e["args"]["reward"]))
    for e in _events(d, "AllocationAbandoned"):
        add(d.timelock.address, int(e["args"]["bond"]))
    return {a: v for a, v in out.items() if v}


def actual_credits(d) -> dict[str, int]:  # noqa: ANN001 - deployment
    out: dict[str, int] = {}
    for e in _events(d, "Credited"):
        a = Web3.to_checksum_address(e["args"]["account"])
        out[a] = out.get(a, 0) + int(e["args"]["amount"])
    return {a: v for a, v in out.items() if v}


@pytest.fixture()
def devnet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - generator
    monkeypatch.setenv("NASHNET_HOME", str(tmp_path / "home"))
    nets: list[Devnet] = []

    def start(**kw) -> Devnet:  # noqa: ANN003
        net = Devnet.up(tmp_path / f"devnet{len(nets)}", **kw)
        nets.append(net)
        return net

    yield start
    for net in nets:
        net.down()
        for n in net.nodes:
            assert not n.alive(), f"{n.name} still running after down()"


def test_three_nodes_settle_every_kind_conserve_tokens_and_pass_audit(devnet) -> None:  # noqa: ANN001
    # The commit window leaves room for the language-model runs, tens of seconds each on a loaded CPU.
    net = devnet(nodes=3, params=devnet_params(challenge=5, commit=300, reveal=15), capacity=400)
    items = samples(PER_KIND, kinds=("mcts", "neuro-symbolic", "training", "spiking"))
    items += samples(LM_PER_KIND, kinds=("react", "rewoo"))
    ids = net.submit(items)
    final = net.wait(ids, timeout=900)
    assert all(s in _FINAL for s in final.values()), {t: s for t, s in final.items() if s not in _FINAL}
    report = net.report(ids)
    assert report["audits_verified"] == len(ids)
    assert report["conserved"], report
    settled = sum(c.get("settled", 0) for c in report["by_kind"].values())
    # Deterministic kinds must reach a majority: honest nodes agree on their results.
    for kind in ("mcts", "neuro-symbolic", "training", "spiking"):
        assert report["by_kind"][kind].get("settled", 0) == PER_KIND, report["by_kind"]
    assert settled >= 4 * PER_KIND
    d = net.deployment()
    assert expected_credits(d) == actual_credits(d)
    # Nobody was slashed: every node revealed every task it was given.
    slashed = _events(d, "NodeSlashed")
    assert slashed == [], _slash_story(net, slashed)
    # Each node serves the traces it revealed, signed with its registered key.
    from node.daemon.traces import fetch_trace

    reveals = histories(d.client(), [ids[0]])[ids[0]].reveals
    assert len(reveals) >= 2
    for node, r in reveals.items():
        doc = json.loads(r.payload)
        key = bytes(d.registry.functions.getNode(node).call()[3])
        trace = fetch_trace(doc["uri"].rsplit("/trace/", 1)[0], doc["trace"].split(":", 1)[1], key)
        assert json.loads(trace)["kind"] == "mcts"
    # `task plot` draws a training task's loss curve and a spiking task's raster from a paid node's trace.
    from node.cli import main
    from node.plots import run_series
    from node.requester import winning_record

    where = ["--rpc-url", net.rpc_url, "--manifest", str(net.manifest_path)]
    for kind in ("training", "spiking"):
        t = next(t for t, s in zip(ids, items, strict=True) if s.kind == kind)
        series = run_series(kind, winning_record(d, histories(d.client(), [t])[t]))
        assert len(series["loss"] if kind == "training" else series["rates"]) > 1, series
        png = net.folder / f"task{t}.png"
        assert main(["task", "plot", str(t), "-o", str(png), *where]) == 0
        assert png.read_bytes()[:4] == b"\x89PNG"
    mcts = next(t for t, s in zip(ids, items, strict=True) if s.kind == "mcts")
    assert main(["task", "plot", str(mcts), "-o", str(net.folder / "no.png"), *where]) == 1
    assert not (net.folder / "no.png").exists()


def _slash_story(net: Devnet, slashed: list) -> str:
    """Each slash with the slashed node's log lines about that task and its last lines."""
    by_address = {n.address.lower(): n for n in net.nodes}
    out = []
    for e in slashed:
        r, address = int(e["args"]["round"]), str(e["args"]["node"]).lower()
        n = by_address.get(address)
        out.append(f"round {r}: {address} slashed {int(e['args']['amount'])} for {int(e['args']['badTasks'])} tasks")
        if n is None or not n.log or not Path(n.log).exists():
            continue
        lines = Path(n.log).read_text(errors="replace").splitlines()
        out += [f"  {n.name}: {line}" for line in lines if f"round {r}:" in line]
        out += [f"  {n.name} (tail): {line}" for line in lines[-15:]]
    return "\n".join(out)


def _committed_by(d, node: str) -> list:  # noqa: ANN001
    return [e for e in _events(d, "ResultsCommitted") if e["args"]["node"] == node]


def test_node_killed_after_commit_is_slashed_and_resumes_without_double_sending(devnet) -> None:  # noqa: ANN001
    net = devnet(nodes=3, params=devnet_params(challenge=5, commit=25, reveal=10), capacity=50)
    d = net.deployment()
    victim = net.nodes[2]
    ids = net.submit(samples(6, kinds=("mcts",)))
    deadline = time.monotonic() + 120
    while not _committed_by(d, victim.address):
        assert time.monotonic() < deadline, "the victim never committed"
        time.sleep(0.2)
    round_ = int(_committed_by(d, victim.address)[0]["args"]["round"])
    commit_deadline = int(d.market.functions.roundOf(round_).call()[5])
    assert commit_deadline > d.w3.eth.get_block("latest")["timestamp"]
    os.kill(victim.pid, signal.SIGKILL)
    net.stop_node(victim, signal.SIGKILL)
    stake_before = int(d.registry.functions.stakeOf(victim.address).call())

    final = net.wait(ids, timeout=240)
    assert all(s == "settled" for s in final.values()), final
    slashed = [e for e in _events(d, "NodeSlashed") if e["args"]["node"] == victim.address]
    owed = [t for t, h in histories(d.client(), ids).items() if victim.address in h.nodes and h.round == round_]
    bad = {int(e["args"]["round"]): int(e["args"]["badTasks"]) for e in slashed}
    assert owed and bad[round_] == len(owed), bad
    assert int(d.registry.functions.stakeOf(victim.address).call()) < stake_before
    assert net.report(ids)["conserved"]

    # Restarted, it picks up its SQLite state: the round stays committed once, nothing is re-sent.
    net.start_node(victim)
    deadline = time.monotonic() + 90
    while "reveal window closed" not in Path(victim.log).read_text():
        assert victim.alive(), Path(victim.log).read_text()[-2000:]
        assert time.monotonic() < deadline, "the restarted node never looked at the round it owed"
        time.sleep(0.5)
    assert len(_committed_by(d, victim.address)) == 1
    more = net.submit(samples(3, kinds=("mcts",)))
    assert all(s == "settled" for s in net.wait(more, timeout=240).values())
    assert expected_credits(d) == actual_credits(d)


def test_nodes_ride_out_a_paused_chain(devnet) -> None:  # noqa: ANN001
    # A 1 s RPC timeout makes the pause outlast web3's own retries, so the daemon's backoff is what rides it out.
    net = devnet(nodes=3, params=devnet_params(challenge=5, commit=20, reveal=10), capacity=50,
                 node_env={"NASHNET_RPC_TIMEOUT": "1"})
    ids = net.submit(samples(4, kinds=("mcts", "neuro-symbolic")))
    time.sleep(3)
    os.kill(net.anvil_pid, signal.SIGSTOP)  # the RPC stops answering: every call times out
    try:
        time.sleep(15)
    finally:
        os.kill(net.anvil_pid, signal.SIGCONT)
    final = net.wait(ids, timeout=240)
    assert all(s == "settled" for s in final.values()), final
    assert all(n.alive() for n in net.nodes)
    assert any("retrying" in Path(n.log).read_text() for n in net.nodes)
    assert net.report(ids)["conserved"]

    # SIGTERM between commit and reveal: the node stops cleanly, and once restarted it reveals what it owes.
    d = net.deployment()
    node = net.nodes[1]
    before = len(_committed_by(d, node.address))
    more = net.submit(samples(3, kinds=("mcts",)))
    deadline = time.monotonic() + 120
    while len(_committed_by(d, node.address)) == before:
        assert time.monotonic() < deadline, "the node never committed"
        time.sleep(0.2)
    net.stop_node(node, signal.SIGTERM)
    assert "\nstopped" in Path(node.log).read_text()[-3000:]
    net.start_node(node)
    assert all(s == "settled" for s in net.wait(more, timeout=240).values())
    assert not [e for e in _events(d, "NodeSlashed") if e["args"]["node"] == node.address]
    assert len(_committed_by(d, node.address)) == before + 1


def test_a_wrong_proposal_is_challenged_by_the_nodes_and_the_tasks_still_settle(devnet) -> None:  # noqa: ANN001
    """A requester proposes a bad allocation (every task on one node, leaving profitable room for the
    others) in the same block as its tasks, before any node could propose; a node challenges it."""
    net = devnet(nodes=3, params=devnet_params(challenge=10, commit=15, reveal=10), capacity=50)
    d = net.deployment()
    w3 = d.w3
    rogue = dev_account(net.requester_index, int(w3.eth.chain_id)).address
    items = samples(3, kinds=("mcts",))
    now = int(w3.eth.get_block("latest")["timestamp"])
    reward, due = 10 * 10**18, now + 3600
    bond = int(d.params.functions.proposerBond().call())
    default_k = int(d.params.functions.defaultRedundancy().call())
    m = d.client()
    first = int(d.market.functions.nextTaskId().call())
    ids = list(range(first, first + len(items)))
    # The proposal is built for the records the market will store, before they exist.
    records = [TaskRecord(rogue, keccak(s.spec), 3, reward, default_k, 1, due) for s in items]
    entries, eligible = m.snapshot()
    lone = [Web3.to_checksum_address(e.node) for e in entries].index(net.nodes[0].address)
    loads = tuple(len(ids) if i == lone else 0 for i in range(len(entries)))
    lambdas = tuple(reward if k == 3 else 0 for k in range(16))
    leaves = tuple(TaskLeaf(t, r, (lone,)) for t, r in zip(ids, records, strict=True))
    wrong = ProposalV2(int(d.market.functions.currentRound().call()), first + len(items), tuple(entries),
                       tuple(eligible), loads, leaves, lambdas)
    w3.provider.make_request("evm_setIntervalMining", [0])
    w3.provider.make_request("evm_setAutomine", [False])  # the three transactions go into one block
    try:
        nonce = w3.eth.get_transaction_count(rogue)
        calls = [
            d.token.functions.approve(d.market.address, len(items) * reward + bond),
            d.market.functions.submit(b"".join(TaskInput(s.spec, 3, reward, due).packed() for s in items)),
            d.market.functions.propose(wrong.round, wrong.as_tuple()),
        ]
        for i, fn in enumerate(calls):
            w3.eth.send_transaction(fn.build_transaction({"from": rogue, "nonce": nonce + i, "gas": 3_000_000}))
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setIntervalMining", [1])
    proposals = _events(d, "AllocationProposed")
    assert proposals and proposals[0]["args"]["proposer"] == rogue, "the bad proposal did not land first"
    deadline = time.monotonic() + 60
    while not _events(d, "AllocationChallenged"):
        assert time.monotonic() < deadline, "nobody challenged the bad proposal"
        time.sleep(0.5)
    challenge = _events(d, "AllocationChallenged")[0]
    assert challenge["args"]["challenger"] in {n.address for n in net.nodes}
    final = net.wait(ids, timeout=240)
    assert all(s == "settled" for s in final.values()), final
    assert expected_credits(d) == actual_credits(d)  # the rogue's bond went to the challenger and the treasury
    assert net.report(ids)["conserved"]
