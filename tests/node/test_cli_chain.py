"""The CLI against a real anvil: deploy, read the manifest back, govern a parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import Web3

from contracts import Manifest, advance_time, connect, mine
from contracts.anvil import Anvil, dev_accounts
from node.cli import main

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _fund(w3: Web3, to: str) -> None:
    acct = w3.eth.account.from_key(dev_accounts(1)[0])
    tx = {"to": to, "value": 10**20, "gas": 21_000, "gasPrice": w3.eth.gas_price,
          "nonce": w3.eth.get_transaction_count(acct.address), "chainId": w3.eth.chain_id}
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))


def test_deploy_info_and_governance_through_the_cli(
    home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "account", "new", "deployer", "--json")
    assert code == 0, err
    address = json.loads(out)["address"]
    keyfile = home / "keystore" / "deployer.json"
    assert keyfile.stat().st_mode & 0o777 == 0o600
    w3 = connect(anvil.url)
    _fund(w3, address)

    code, out, err = run(capsys, "contracts", "deploy", "--rpc-url", anvil.url, "--account", "deployer", "--yes",
                         "--json")
    assert code == 0, err
    manifest = Manifest.load(home / "manifest.json")
    assert manifest.chain_id == anvil.chain_id
    assert manifest.deployer == Web3.to_checksum_address(address)
    assert json.loads(out)["contracts"]["registry"]["address"] == manifest.address("registry")

    code, out, err = run(capsys, "contracts", "info", "--rpc-url", anvil.url, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["params"]["slash_bps"] == 1000
    assert info["contracts"] == {k: v.address for k, v in manifest.contracts.items()}

    base = ("--rpc-url", anvil.url, "--account", "deployer")
    assert run(capsys, "gov", "delegate", *base)[0] == 0
    mine(w3, 1)
    code, out, err = run(capsys, "gov", "propose", "slash_bps", "3000", *base, "--json")
    assert code == 0, err
    pid = json.loads(out)["id"]
    mine(w3, 2)
    assert run(capsys, "gov", "vote", pid, "for", *base)[0] == 0
    mine(w3, 21)
    assert run(capsys, "gov", "queue", pid, *base)[0] == 0
    advance_time(w3, 61)
    code, _, err = run(capsys, "gov", "execute", pid, *base)
    assert code == 0, err
    code, out, _ = run(capsys, "gov", "list", "--rpc-url", anvil.url, "--json")
    assert [p["state"] for p in json.loads(out)] == ["executed"]
    code, out, _ = run(capsys, "contracts", "info", "--rpc-url", anvil.url, "--json")
    assert json.loads(out)["params"]["slash_bps"] == 3000


def test_node_register_and_status_through_the_cli(
    home: Path, anvil: Anvil, capsys: pytest.CaptureFixture[str]
) -> None:
    url = anvil.url
    assert run(capsys, "contracts", "deploy", "--rpc-url", url, "--dev", "0", "--yes")[0] == 0
    # hand operator dev1 some tokens from the deployer
    w3 = connect(url)
    m = Manifest.load(home / "manifest.json")
    from contracts import compile_contracts

    token = w3.eth.contract(address=m.address("token"), abi=compile_contracts()["NashToken"].abi)
    deployer = w3.eth.account.from_key(dev_accounts(1)[0])
    op = w3.eth.account.from_key(dev_accounts(2)[1])
    tx = token.functions.transfer(op.address, 5_000 * 10**18).build_transaction(
        {"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address)})
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction))

    code, _, err = run(capsys, "node", "register", "--rpc-url", url, "--dev", "1", "--endpoint",
                       "http://127.0.0.1:9001", "--price", "react=1", "--price", "neuro-symbolic=0.5",
                       "--stake", "1500", "--yes")
    assert code == 0, err
    code, out, _ = run(capsys, "node", "status", "--rpc-url", url, "--json")
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["operator"] == op.address and rows[0]["active"]
    assert rows[0]["prices"] == {"1": 10**18, "4": 5 * 10**17}
    assert rows[0]["stake"] == 1500 * 10**18

    code, _, err = run(capsys, "node", "unstake", "600", "--rpc-url", url, "--dev", "1")
    assert code == 0, err
    code, _, err = run(capsys, "node", "withdraw", "--rpc-url", url, "--dev", "1")
    assert code == 1 and "RegistryUnbondingNotOver" in err and "Traceback" not in err
    advance_time(w3, 3_601)
    assert run(capsys, "node", "withdraw", "--rpc-url", url, "--dev", "1")[0] == 0
    assert json.loads(run(capsys, "node", "status", "--rpc-url", url, "--json")[1])[0]["stake"] == 900 * 10**18
