"""`nashnet task …` against a real anvil: submit, follow a task to settlement, audit it, and
refuse bad submissions without moving a token."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from eth_utils import keccak

from contracts import advance_time, connect
from contracts.anvil import Anvil
from contracts.market import commit_results, finalize, propose_allocation, reveal_results, settle
from node.cli import common as c
from node.cli import main
from node.cli.task_cmd import MAX_INPUT_BYTES
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
    assert run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0", "--protocol", "v1", "--yes")[0] == 0
    s = c.settings(anvil.url)
    w3 = connect(anvil.url)
    d = c.deployment(s, w3)
    boss = c.sender_for(s, w3, dev_account(0, anvil.chain_id))
    for i, amount in ((1, 5_000), (2, 100)):
        boss.transact(d.token.functions.transfer(dev_account(i, anvil.chain_id).address, amount * 10**18))
    code, _, err = run(
        capsys,
        "node",
        "register",
        "--rpc-url",
        anvil.url,
        "--dev",
        "1",
        "--endpoint",
        "http://127.0.0.1:9001",
        "--price",
        "mcts=1",
        "--stake",
        "1500",
        "--yes",
    )
    assert code == 0, err
    return anvil.url, d


def _balances(d: object) -> tuple[int, int]:
    token = d.token.functions  # type: ignore[attr-defined]
    requester = dev_account(2, d.w3.eth.chain_id).address  # type: ignore[attr-defined]
    return int(token.balanceOf(requester).call()), int(token.balanceOf(d.market.address).call())  # type: ignore[attr-defined]


def test_submit_follow_settle_result_audit_and_list(
    chain: tuple[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, d = chain
    before = _balances(d)
    spec = tmp_path / "t.json"
    spec.write_text(GAME)
    code, out, err = run(
        capsys,
        "task",
        "submit",
        "mcts",
        "--input",
        str(spec),
        "--reward",
        "10",
        "--redundancy",
        "1",
        "--rpc-url",
        url,
        "--dev",
        "2",
        "--yes",
    )
    assert code == 0, err
    tid = int(out.strip())
    assert _balances(d) == (before[0] - 10 * 10**18, before[1] + 10 * 10**18)

    code, out, err = run(capsys, "task", "status", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    st = json.loads(out)
    assert (st["status"], st["kind"], st["reward"], st["redundancy"]) == ("open", "mcts", 10 * 10**18, 1)
    assert [t["step"] for t in st["transitions"]] == ["submitted"]
    assert st["transitions"][0]["spec_hash"] == "0x" + keccak(GAME.encode()).hex()

    code, _, err = run(capsys, "task", "result", str(tid), "--rpc-url", url)
    assert code == 1 and "not settled yet" in err and "open" in err

    # one node runs the task: propose, finalize, commit, reveal, settle
    s, w3 = c.settings(url), d.w3  # type: ignore[attr-defined]
    node = c.sender_for(s, w3, dev_account(1, anvil_chain := w3.eth.chain_id))
    boss = c.sender_for(s, w3, dev_account(0, anvil_chain))
    propose_allocation(d, boss, 1, {node.address: [tid]})  # type: ignore[arg-type]
    p = d.params.functions  # type: ignore[attr-defined]
    advance_time(w3, int(p.challengeWindow().call()) + 1)
    finalize(d, boss, 1)  # type: ignore[arg-type]
    answer = {tid: (keccak(b"24 = 8 * (7 - 4) * 8 / 8"), keccak(b"salt"))}
    commit_results(d, node, 1, answer)  # type: ignore[arg-type]
    advance_time(w3, int(p.commitWindow().call()) + 1)
    reveal_results(d, node, 1, answer, {tid: b"ipfs://answer"})  # type: ignore[arg-type]
    advance_time(w3, int(p.revealWindow().call()) + 1)
    settle(d, boss, tid)  # type: ignore[arg-type]

    code, out, err = run(capsys, "task", "status", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    st = json.loads(out)
    assert st["status"] == "settled"
    assert [t["step"] for t in st["transitions"]] == ["submitted", "allocated", "revealed", "settled"]

    code, out, err = run(capsys, "task", "result", str(tid), "--rpc-url", url, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["winner"] == "0x" + answer[tid][0].hex()
    assert res["paid"] == [node.address]
    assert res["reveals"][0]["result"] == "0x" + b"ipfs://answer".hex()
    code, out, _ = run(capsys, "task", "result", str(tid), "--rpc-url", url)
    assert code == 0 and "settled" in out and node.address in out

    code, out, err = run(capsys, "task", "audit", str(tid), "--rpc-url", url)
    assert code == 0 and out.startswith("OK:") and "4 steps" in out, err
    code, out, _ = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--json")
    assert json.loads(out)["ok"] is True
    assert json.loads(out)["head"] == "0x" + d.market.functions.headOf(tid).call().hex()  # type: ignore[attr-defined]

    code, out, err = run(capsys, "task", "list", "--mine", "--rpc-url", url, "--dev", "2", "--json")
    assert code == 0, err
    assert [(r["id"], r["kind"], r["status"]) for r in json.loads(out)] == [(tid, "mcts", "settled")]
    code, out, _ = run(capsys, "task", "list", "--mine", "--rpc-url", url, "--dev", "1", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "task", "list", "--rpc-url", url)
    assert code == 0 and "mcts" in out and "settled" in out


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


def test_unknown_task_id_is_one_clear_line(chain: tuple[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = chain
    for verb in ("status", "result", "audit"):
        code, out, err = run(capsys, "task", verb, "42", "--rpc-url", url)
        assert code == 1 and out == "" and "task 42: no such task" in err, (verb, err)


def test_audit_reports_a_tampered_history_and_exits_non_zero(
    chain: tuple[str, object], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The event reader is replaced by one that alters a step's data (a test double: the real
    read is covered by the happy path above); the CLI must name the mismatch and exit 1."""
    audit = sys.modules["contracts.market"]  # verify_audit reads v1 transitions from there
    url, _ = chain
    code, out, err = run(
        capsys, "task", "submit", "mcts", "--text", GAME, "--reward", "1", "--rpc-url", url, "--dev", "2", "--yes"
    )
    assert code == 0, err
    tid = int(out.strip())
    real = audit.transitions
    monkeypatch.setattr(audit, "transitions", lambda d, t: [(k, data + b"\0", head) for k, data, head in real(d, t)])
    code, out, err = run(capsys, "task", "audit", str(tid), "--rpc-url", url)
    assert code == 1 and out == "" and err.startswith("error: ") and f"task {tid}" in err, err
    code, out, _ = run(capsys, "task", "audit", str(tid), "--rpc-url", url, "--json")
    assert code == 1 and json.loads(out)["ok"] is False and json.loads(out)["step"] == 0
