"""`nashnet task …` against a real anvil and the real contracts: submit, follow a task through a
round to settlement, read its result, audit it and list it, cancel and claim; bad submissions,
an unknown id and a changed history are refused in one line, moving nothing."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from eth_utils import keccak

from consensus.clients.market_v2 import results_for
from contracts import advance_time, codec, connect
from contracts.anvil import Anvil
from node.cli import common as c
from node.cli import main
from node.requester import MAX_INPUT_BYTES
from node.keys import dev_account

pytestmark = pytest.mark.integration

GAME = '{"problem": "game24", "numbers": [4, 7, 8, 8]}'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def chain(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]) -> tuple[str, object]:
    """Deployed contracts; dev2 (the requester) holds 100 tokens; dev1 is a staked node."""
    code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0", "--yes")
    assert code == 0, err
    s = c.settings(anvil.url)
    w3 = connect(anvil.url)
    d = c.deployment(s, w3)
    boss = c.sender_for(s, w3, dev_account(0, anvil.chain_id))
    for i, amount in ((1, 5_000), (2, 100)):
        boss.transact(d.token.functions.transfer(dev_account(i, anvil.chain_id).address, amount * 10**18))
    code, _, err = run(capsys, "node", "register", "--rpc-url", anvil.url, "--dev", "1", "--endpoint",
                       "http://127.0.0.1:9001", "--price", "mcts=1", "--stake", "1500", "--yes")
    assert code == 0, err
    return anvil.url, d


def _balances(d: object) -> tuple[int, int]:
    token = d.token.functions  # type: ignore[attr-defined]
    requester = dev_account(2, d.w3.eth.chain_id).address  # type: ignore[attr-defined]
    return int(token.balanceOf(requester).call()), int(token.balanceOf(d.market.address).call())  # type: ignore[attr-defined]


def _round(d: object, tid: int, payload: bytes) -> bytes:
    """One v2 round for ``tid`` with dev1 as the only node; returns the digest it revealed."""
    w3 = d.w3  # type: ignore[attr-defined]
    s = c.settings(None)
    boss = c.sender_for(s, w3, dev_account(0, int(w3.eth.chain_id)))
    node = c.sender_for(s, w3, dev_account(1, int(w3.eth.chain_id)))
    m = d.client()  # type: ignore[attr-defined]
    p = m.build_proposal()
    assert p.assigned(node.address) == [tid]
    bond = int(d.params.functions.proposerBond().call())  # type: ignore[attr-defined]
    boss.transact(d.token.functions.approve(d.market.address, bond))  # type: ignore[attr-defined]
    m.propose(boss, p)
    f = d.params.functions  # type: ignore[attr-defined]
    advance_time(w3, int(f.challengeWindow().call()) + 1)
    m.finalize(boss, p.round)
    digest = keccak(b"24 = 8 * (7 - 4) * 8 / 8")
    secret = b"\x05" * 32
    results = results_for(p, node.address, {tid: digest})
    m.commit(node, p.round, secret, results)
    advance_time(w3, int(f.commitWindow().call()) + 1)
    m.reveal(node, p.round, secret, results, codec.encode_payloads([payload]))
    advance_time(w3, int(f.revealWindow().call()) + 1)
    m.settle(boss, p.round)
    return digest


def test_submit_follow_settle_result_audit_and_list(
    chain: tuple[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    url, d = chain
    token = d.token.functions  # type: ignore[attr-defined]
    requester = dev_account(2, d.w3.eth.chain_id).address  # type: ignore[attr-defined]
    before = int(token.balanceOf(requester).call())
    code, out, err = run(capsys, "task", "submit", "mcts", "--text", GAME, "--reward", "10", "--redundancy", "1",
                         "--rpc-url", url, "--dev", "2", "--yes")
    assert code == 0, err
    tid = int(out.strip())
    assert int(token.balanceOf(requester).call()) == before - 10 * 10**18

    code, out, err = run(capsys, "task", "status", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    st = json.loads(out)
    assert (st["status"], st["kind"], st["reward"], st["redundancy"], st["nodes"]) == ("open", "mcts", 10**19, 1, [])
    assert [t["step"] for t in st["transitions"]] == ["submitted"]
    assert st["transitions"][0]["spec_hash"] == "0x" + keccak(GAME.encode()).hex()
    code, _, err = run(capsys, "task", "result", str(tid), "--rpc-url", url)
    assert code == 1 and "not settled yet" in err and "open" in err

    doc = {"ok": True, "answer": "24 = 8 * (7 - 4) * 8 / 8"}
    digest = _round(d, tid, json.dumps(doc).encode())
    node = dev_account(1, d.w3.eth.chain_id).address  # type: ignore[attr-defined]

    code, out, err = run(capsys, "task", "status", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    st = json.loads(out)
    assert (st["status"], st["nodes"]) == ("settled", [node])
    assert [t["step"] for t in st["transitions"]] == ["submitted", "settled"]
    assert st["transitions"][1]["winner"] == "0x" + digest.hex()

    code, out, err = run(capsys, "task", "result", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert (res["winner"], res["paid"], res["answer"]) == ("0x" + digest.hex(), [node], doc["answer"])
    price = st["transitions"][1]["price"]
    assert 10**18 <= price <= 10 * 10**18  # between the node's ask and the reward
    assert (res["share"], res["refund"]) == (price, 10 * 10**18 - price)
    code, out, _ = run(capsys, "task", "result", str(tid), "--rpc-url", url)
    assert code == 0 and "settled" in out and node in out and doc["answer"] in out

    code, out, err = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--no-traces")
    assert code == 0 and out.startswith("OK:") and "1 steps" in out, err
    code, out, _ = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--no-traces", "--json")
    assert json.loads(out)["ok"] is True
    assert json.loads(out)["head"] == "0x" + d.market.functions.headOf(tid).call().hex()  # type: ignore[attr-defined]

    code, out, err = run(capsys, "task", "list", "--mine", "--rpc-url", url, "--dev", "2", "--json")
    assert code == 0, err
    assert [(r["id"], r["kind"], r["status"]) for r in json.loads(out)] == [(tid, "mcts", "settled")]
    code, out, _ = run(capsys, "task", "list", "--mine", "--rpc-url", url, "--dev", "1", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("mcts", "--text", '{"problem": "game24", "numbers": [4, 7'), "not valid JSON"),
        (("cooking", "--text", GAME), "unknown task kind 'cooking'"),
        (("mcts", "--text", GAME[:-1] + ', "hint": 1}'), "hint"),
        (("mcts", "--text", GAME, "--reward", "0"), "--reward: must be more than 0"),
        (("mcts", "--text", '{"x": "' + "a" * MAX_INPUT_BYTES + '"}'), "over the limit"),
        (("mcts", "--text", GAME, "--deadline", "30"), "--deadline: 30 s is too short"),
        (("mcts", "--text", GAME, "--reward", "101"), "more than the balance"),
        (("neuro-symbolic", "--text", GAME), "neuro-symbolic input"),
        (("mcts", "--text", GAME, "--input", "t.json"), "exactly one of --input"),
        (("training", "--text", '{"steps": "many"}'), "training input: field"),
        (("spiking", "--text", "[]"), "spiking input: field"),
    ],
    ids=[
        "malformed-json",
        "unknown-kind",
        "extra-field",
        "zero-reward",
        "oversized",
        "short-deadline",
        "over-balance",
        "wrong-kind-input",
        "two-inputs",
        "bad-training-spec",
        "bad-spiking-spec",
    ],
)
def test_bad_submissions_give_one_line_and_move_nothing(
    chain: tuple[str, object], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], needle: str
) -> None:
    url, d = chain
    before = _balances(d)
    if "--reward" not in args:
        args = (*args, "--reward", "1")
    code, out, err = run(capsys, "task", "submit", *args, "--rpc-url", url, "--dev", "2", "--yes")
    assert code != 0 and out == ""
    assert needle in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _balances(d) == before
    assert d.market.functions.nextTaskId().call() == 1  # type: ignore[attr-defined]


def test_unknown_id_and_changed_history(
    chain: tuple[str, object], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The history reader is replaced by one that changes the submitted record (a test double:
    the real read is covered above); the audit must name step 0 and exit 1."""
    url, _ = chain
    for verb in ("status", "result", "audit"):
        code, out, err = run(capsys, "task", verb, "42", "--rpc-url", url)
        assert code == 1 and out == "" and "task 42: no such task" in err, (verb, err)
    code, out, err = run(capsys, "task", "submit", "mcts", "--text", GAME, "--reward", "1", "--rpc-url", url,
                         "--dev", "2", "--yes")
    assert code == 0, err
    tid = int(out.strip())
    requester = sys.modules["node.requester"]
    real = requester.history
    monkeypatch.setattr(requester, "history",
                        lambda m, t: replace(real(m, t), record=replace(real(m, t).record, reward=2)))
    code, out, err = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--no-traces")
    assert code == 1 and out == "" and err.startswith("error: ") and f"task {tid}" in err, err
    code, out, _ = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--no-traces", "--json")
    assert code == 1 and json.loads(out)["ok"] is False and json.loads(out)["step"] == 0


def test_cancel_and_claim_give_the_reward_back_to_the_requester_only(
    chain: tuple[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    url, d = chain
    token = d.token.functions  # type: ignore[attr-defined]
    requester = dev_account(2, d.w3.eth.chain_id).address  # type: ignore[attr-defined]
    before = int(token.balanceOf(requester).call())
    code, out, err = run(capsys, "task", "submit", "mcts", "--text", GAME, "--reward", "3", "--rpc-url", url,
                         "--dev", "2", "--yes")
    assert code == 0, err
    tid = int(out.strip())
    code, out, err = run(capsys, "task", "cancel", str(tid), "--rpc-url", url, "--dev", "1", "--yes")
    assert code == 1 and out == "" and "not by" in err and len(err.strip().splitlines()) == 1, err
    code, out, err = run(capsys, "task", "cancel", str(tid), "--rpc-url", url, "--dev", "2", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out) == {"id": tid, "status": "cancelled", "refund": 3 * 10**18, "credit": 3 * 10**18}
    code, out, err = run(capsys, "task", "status", str(tid), "--rpc-url", url, "--json")
    assert json.loads(out)["status"] == "cancelled"
    assert [t["step"] for t in json.loads(out)["transitions"]] == ["submitted", "cancelled"]
    code, out, err = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--no-traces")
    assert code == 0 and out.startswith("OK:"), err
    code, out, err = run(capsys, "task", "cancel", str(tid), "--rpc-url", url, "--dev", "2", "--yes")
    assert code == 1 and "is cancelled; only an open task can be cancelled" in err, err
    code, out, err = run(capsys, "task", "claim", "--rpc-url", url, "--dev", "2")
    assert code == 0 and "claimed 3 tokens" in out, (out, err)
    assert int(token.balanceOf(requester).call()) == before
    code, out, err = run(capsys, "task", "claim", "--rpc-url", url, "--dev", "2", "--json")
    assert code == 0 and json.loads(out)["claimed"] == 0
