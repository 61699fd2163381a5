"""Compiler, shim, artifact cache, manifest and the transaction sender."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from contracts import CompileError, Manifest, ManifestError, TransactionReverted, compile_contracts
from contracts.compiler import SHIM, find_solc
from contracts.errors import ChainIdMismatch

from .conftest import System

EIP170 = 24_576
HEADER = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.27;\n"


def test_shim_answers_like_solc() -> None:
    out = subprocess.run([str(SHIM), "--version"], capture_output=True, text=True, check=True).stdout
    assert "Version: 0.8.37+commit" in out
    code = HEADER + "contract A { function f() external pure returns (uint) { return 7; } }"
    src = json.dumps({"language": "Solidity", "sources": {"a.sol": {"content": code}},
                      "settings": {"outputSelection": {"*": {"*": ["abi"]}}}})
    res = subprocess.run([str(SHIM), "--standard-json"], input=src, capture_output=True, text=True, check=True)
    assert json.loads(res.stdout)["contracts"]["a.sol"]["A"]["abi"][0]["name"] == "f"


def test_compile_produces_every_contract_under_the_size_limit(artifacts) -> None:  # noqa: ANN001
    assert {"NashToken", "Params", "NodeRegistry", "NashGovernor", "NashTimelock"} <= set(artifacts.contracts)
    for a in artifacts.contracts.values():
        assert a.bytecode.startswith("0x") and a.abi_hash.startswith("0x")
        assert (len(a.deployed_bytecode) - 2) // 2 <= EIP170, a.name
    assert artifacts.compiler.startswith("0.8.37")


def test_second_compile_is_a_cache_hit(artifacts) -> None:  # noqa: ANN001
    find_solc()
    t0 = time.perf_counter()
    again = compile_contracts()
    assert time.perf_counter() - t0 < 0.5
    assert again.cache_key == artifacts.cache_key


def test_compile_error_is_reported(tmp_path: Path) -> None:
    (tmp_path / "Bad.sol").write_text(HEADER + "contract Bad { uint x = ; }\n")
    with pytest.raises(CompileError, match="Bad.sol"):
        compile_contracts(tmp_path, cache_dir=tmp_path / "cache")


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path, artifacts) -> None:  # noqa: ANN001
    (tmp_path / "Ok.sol").write_text(HEADER + "contract Ok { uint public x = 1; }\n")
    first = compile_contracts(tmp_path, cache_dir=tmp_path / "cache")
    entry = tmp_path / "cache" / f"{first.cache_key}.json"
    entry.write_text("{broken")
    second = compile_contracts(tmp_path, cache_dir=tmp_path / "cache")
    assert second["Ok"].abi == first["Ok"].abi
    json.loads(entry.read_text())


def test_manifest_round_trip_and_checks(system: System, tmp_path: Path, artifacts) -> None:  # noqa: ANN001
    path = tmp_path / "m.json"
    system.d.manifest.save(path)
    loaded = Manifest.load(path)
    assert loaded == system.d.manifest
    loaded.check_chain(system.w3)
    loaded.check_abis(artifacts)
    data = json.loads(path.read_text())
    data["chain_id"] = 1
    with pytest.raises(ChainIdMismatch, match="chain id 1"):
        Manifest.model_validate(data).check_chain(system.w3)
    data = json.loads(path.read_text())
    data["contracts"]["registry"]["abi_hash"] = "0x00"
    with pytest.raises(ManifestError, match="deployed from other sources"):
        Manifest.model_validate(data).check_abis(artifacts)
    data = json.loads(path.read_text())
    data["contracts"]["market"]["name"] = "TaskMarket"  # a deployment of the removed v1 market
    with pytest.raises(ManifestError, match=r"the market contract \(TaskMarket\) .* is not part of this release"):
        Manifest.model_validate(data).check_abis(artifacts)
    data = json.loads(path.read_text())
    data["contracts"]["token"]["address"] = "0x" + "12" * 20
    with pytest.raises(ManifestError, match="no contract code"):
        Manifest.model_validate(data).check_chain(system.w3)
    data["surprise"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="field surprise"):
        Manifest.load(path)


def test_failed_receipt_is_decoded(system: System) -> None:
    """With an explicit gas limit eth-tester mines a failing transaction (status 0);
    the sender replays it and reports the custom error with the tx hash."""
    with pytest.raises(TransactionReverted) as info:
        system.sender(1).transact(system.d.registry.functions.stake(0), gas=200_000)
    assert info.value.error == "RegistryZeroAmount"
    assert info.value.tx_hash and info.value.tx_hash.startswith("0x")


def test_require_string_and_panic_decoding(system: System) -> None:
    from eth_abi import encode

    dec = system.decoder
    assert dec.decode(bytes.fromhex("08c379a0") + encode(["string"], ["boom"])) == ("Error", {"message": "boom"})
    assert dec.decode(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])) == ("Panic", {"code": 0x11})
    assert dec.decode(b"\x01\x02") == (None, {})


def test_nonce_is_managed_across_sends(system: System) -> None:
    s = system.sender(2)
    start = system.w3.eth.get_transaction_count(s.address)
    for _ in range(3):
        s.transact(system.d.token.functions.transfer(system.address(3), 1))
    assert system.w3.eth.get_transaction_count(s.address) == start + 3
