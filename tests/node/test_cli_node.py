"""`nashnet node run`, `devnet status|down` and private tasks through the CLI: happy paths and
the mistakes users make most."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from node.cli import main
from node.devnet import Devnet, devnet_params
from node.keys import Keystore, dev_account


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line(err: str, *needles: str) -> None:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]


def test_node_run_refuses_a_missing_or_wrong_config(home: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "node", "run", "--config", str(tmp_path / "nope.toml"))
    assert code == 1
    _one_line(err, "--config", "nope.toml", "not a file")
    bad = tmp_path / "node.toml"
    bad.write_text('account = "op"\ncapacity = 4\ncolour = "blue"\n')
    code, _, err = run(capsys, "node", "run", "--config", str(bad))
    assert code == 1
    _one_line(err, "colour")
    bad.write_text('account = "op"\n[prices]\ntelepathy = "1"\n')
    code, _, err = run(capsys, "node", "run", "--config", str(bad))
    assert code == 1
    _one_line(err, "telepathy")
    bad.write_text('account = "op"\ncapacity = 0\n')
    code, _, err = run(capsys, "node", "run", "--config", str(bad))
    assert code == 1
    _one_line(err, "capacity")
    bad.write_text("account = [")
    code, _, err = run(capsys, "node", "run", "--config", str(bad))
    assert code == 1
    _one_line(err, "not valid TOML")


def test_devnet_down_and_status_without_a_devnet(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for verb in ("down", "status"):
        code, _, err = run(capsys, "devnet", verb)
        assert code == 1
        _one_line(err, "no devnet", "nashnet devnet up")


def test_private_submit_needs_an_account(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "task", "submit", "mcts", "--text", '{"problem": "game24", "numbers": [4, 7, 8, 8]}',
                       "--reward", "5", "--private", "--dev", "1", "--rpc-url", "http://127.0.0.1:1")
    assert code == 1
    _one_line(err, "--private needs --account")
    code, _, err = run(capsys, "task", "submit", "mcts", "--reward", "5", "--rpc-url", "http://127.0.0.1:1",
                       "--text", '{"problem": "game24", "numbers": [4, 7, 8, 8], "reply_to": {"x25519": "zz"}}')
    assert code == 1
    _one_line(err, "reply_to.x25519")


@pytest.mark.integration
@pytest.mark.slow
def test_private_task_is_sealed_on_chain_and_opened_by_its_requester(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three node processes; the requester submits with --private; only its reply key opens the answer."""
    net = Devnet.up(tmp_path / "net", nodes=3, params=devnet_params(challenge=5, commit=10, reveal=10))
    try:
        # The requester's keystore holds anvil's dev account 1, which the devnet funded.
        chain_id = 31337
        Keystore(home / "keystore").create("req", "correct horse battery staple",
                                           private_key=dev_account(1, chain_id).key)
        common = ["--rpc-url", net.rpc_url, "--manifest", str(net.manifest_path)]
        code, out, err = run(capsys, "task", "submit", "mcts", "--text",
                             '{"problem": "game24", "numbers": [4, 7, 8, 8]}', "--reward", "9", "--private",
                             "--account", "req", "--yes", "--json", *common)
        assert code == 0, err
        tid = json.loads(out)["id"]
        code, out, err = run(capsys, "task", "status", str(tid), "--watch", "--timeout", "180", "--json", *common)
        assert code == 0, err
        assert json.loads(out)["status"] == "settled"

        code, out, _ = run(capsys, "task", "result", str(tid), "--json", *common)
        public = json.loads(out)
        assert public["answer"] is None and all(r["payload"] == {"sealed": True} for r in public["reveals"])
        assert len(public["paid"]) == 3

        code, out, err = run(capsys, "task", "result", str(tid), "--account", "req", "--json", *common)
        assert code == 0, err
        opened = json.loads(out)
        assert set(opened["answer"]) <= set("0123456789+-*/() ") and eval(opened["answer"]) == 24  # noqa: S307
        assert {r["payload"]["answer"] for r in opened["reveals"]} == {opened["answer"]}

        code, out, err = run(capsys, "task", "audit", str(tid), "--account", "req", "--json", *common)
        assert code == 0, err
        report = json.loads(out)
        assert report["ok"] and [t["ok"] for t in report["traces"]] == [True, True, True]
        code, out, _ = run(capsys, "task", "audit", str(tid), "--json", *common)
        assert code == 0 and all(t["ok"] is None for t in json.loads(out)["traces"])

        deadline = time.monotonic() + 20
        while True:  # each node sees the settlement on its next tick
            code, out, err = run(capsys, "devnet", "status", "--folder", str(tmp_path / "net"), "--json")
            assert code == 0, err
            status = json.loads(out)
            assert [n["alive"] for n in status["nodes"]] == [True, True, True]
            if all(n["status"]["tasks"].get("settled") == 1 for n in status["nodes"]):
                break
            assert time.monotonic() < deadline, status
            time.sleep(1)
        import urllib.request

        base = f"http://127.0.0.1:{net.nodes[0].port}"
        with urllib.request.urlopen(f"{base}/dashboard", timeout=5) as r:
            page = r.read().decode()
            assert r.headers["X-Nashnet-Signature"]
        assert net.nodes[0].address in page and "settled" in page
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        assert 'nashnet_tasks_executed_total{kind="mcts",ok="true"} 1.0' in metrics
    finally:
        net.down()
    code, _, err = run(capsys, "devnet", "status", "--folder", str(tmp_path / "net"))
    assert code == 1 and "no devnet" in err
