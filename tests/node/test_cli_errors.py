"""Bad input to the CLI: one clear line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.anvil import Anvil, free_port
from node.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_clear_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]


def test_unreachable_rpc(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "contracts", "info", "--rpc-url", url)
    assert code == 1
    _one_clear_line(err, "cannot reach the chain", url)


def test_missing_rpc_url(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "contracts", "info")
    assert code == 1
    _one_clear_line(err, "--rpc-url", "ETH_RPC_URL")


def test_eth_rpc_url_is_the_fallback(home: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("ETH_RPC_URL", url)
    code, _, err = run(capsys, "contracts", "info")
    assert code == 1
    _one_clear_line(err, url)


def test_malformed_manifest(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]) -> None:
    bad = home.parent / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(capsys, "contracts", "info", "--rpc-url", anvil.url, "--manifest", str(bad))
    assert code == 1
    _one_clear_line(err, "not valid JSON", "line 1")
    bad.write_text(json.dumps({"schema_version": 1, "chain_id": -4}))
    code, _, err = run(capsys, "contracts", "info", "--rpc-url", anvil.url, "--manifest", str(bad))
    assert code == 1
    _one_clear_line(err, "field chain_id")
    code, _, err = run(capsys, "contracts", "info", "--rpc-url", anvil.url, "--manifest", str(home / "none.json"))
    _one_clear_line(err, "no deployment manifest")


def test_chain_id_mismatch(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0", "--yes")[0] == 0
    path = home / "manifest.json"
    data = json.loads(path.read_text())
    data["chain_id"] = 5
    path.write_text(json.dumps(data))
    code, _, err = run(capsys, "contracts", "info", "--rpc-url", anvil.url)
    assert code == 1
    _one_clear_line(err, "chain id 5", "chain id 31337")


def test_existing_manifest_is_not_overwritten(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0", "--yes")[0] == 0
    before = (home / "manifest.json").read_text()
    code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0", "--yes")
    assert code == 1
    _one_clear_line(err, "already exists", "--force")
    assert (home / "manifest.json").read_text() == before


def test_wrong_keystore_password(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "account", "new", "alice")[0] == 0
    monkeypatch.setenv("NASHNET_PASSWORD", "not the password")
    code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--account", "alice", "--yes")
    assert code == 1
    _one_clear_line(err, "wrong password", "alice")
    assert not (home / "manifest.json").exists()


def test_unknown_account_and_no_password(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--account", "ghost", "--yes")
    _one_clear_line(err, "no account named 'ghost'")
    monkeypatch.delenv("NASHNET_PASSWORD")
    code, _, err = run(capsys, "account", "new", "bob")
    assert code == 1
    _one_clear_line(err, "NASHNET_PASSWORD")


def test_dev_keys_refused_on_non_local_chain(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chain = Anvil.start(chain_id=11155111)
    try:
        code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", chain.url, "--dev", "0", "--yes")
    finally:
        chain.stop()
    assert code == 1
    _one_clear_line(err, "--dev keys are public", "11155111")


def test_deploy_without_yes_and_terminal_refuses(home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--dev", "0")
    assert code == 1
    _one_clear_line(err, "--yes")


def test_missing_npm_packages(home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path) -> None:
    monkeypatch.setenv("NASHNET_NODE_MODULES", str(tmp_path / "empty" / "node_modules"))
    monkeypatch.setenv("NASHNET_CACHE_DIR", str(tmp_path / "cache"))
    code, _, err = run(capsys, "contracts", "compile")
    assert code == 1
    _one_clear_line(err, "OpenZeppelin contracts are not installed", "npm ci")
    monkeypatch.setenv("NASHNET_ANVIL", str(tmp_path / "no-anvil"))
    code, _, err = run(capsys, "devnet", "up")
    assert code == 1
    _one_clear_line(err, "anvil")


def test_bad_amount_and_unknown_kind(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "node", "register", "--rpc-url", "http://127.0.0.1:1", "--dev", "0",
                       "--endpoint", "http://x", "--price", "telepathy=1")
    _one_clear_line(err, "unknown task kind 'telepathy'")
    code, _, err = run(capsys, "node", "register", "--rpc-url", "http://127.0.0.1:1", "--dev", "0",
                       "--endpoint", "http://x", "--price", "react=lots")
    _one_clear_line(err, "--price react", "'lots'")


def test_console_script_exit_code_and_debug() -> None:
    """The installed entry point: a clear line without --debug, a traceback with it."""
    env = {**os.environ, "ETH_RPC_URL": "", "NASHNET_RPC_URL": ""}
    cmd = [sys.executable, "-c", "from node.cli import run; run()", "contracts", "info",
           "--rpc-url", f"http://127.0.0.1:{free_port()}"]
    plain = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert plain.returncode == 1
    assert plain.stderr.startswith("error: cannot reach the chain") and "Traceback" not in plain.stderr
    debug = subprocess.run([*cmd, "--debug"], capture_output=True, text=True, env=env, timeout=120)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_exit_code_of_a_failed_agent_run(home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A command that ends with a non-zero typer.Exit returns that code from main()."""
    spec = tmp_path / "t.json"
    spec.write_text('{"problem": "game24", "numbers": [1, 1, 1, 1]}')
    code = main(["agent", "run", "mcts", "--input", str(spec)])
    out = capsys.readouterr().out
    assert "unsolvable" in out
    assert code == 0
    spec.write_text('{"problem": "game24", "numbers": [1, 1, 1], "extra": 1}')
    assert main(["agent", "run", "mcts", "--input", str(spec)]) == 1
