"""Runs the forge fuzz and invariant tests (offline, through the solc shim)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from contracts.compiler import find_node_modules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_forge_fuzz_and_invariants() -> None:
    forge = find_node_modules() / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
    assert forge.is_file(), "forge is installed by `npm ci` (@foundry-rs/forge-linux-amd64)"
    proc = subprocess.run(
        [str(forge), "test", "--offline", "--json", "--match-path", "tests/contracts/forge/*"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("{"))
    suites = json.loads(line)
    results = {name: r for suite in suites.values() for name, r in suite["test_results"].items()}
    assert results, "forge ran no test"
    for name, r in results.items():
        assert r["status"] == "Success", (name, r.get("reason"))
        kind = r["kind"]
        if name.startswith("testFuzz"):
            assert kind["Fuzz"]["runs"] >= 1000, (name, kind)
        if name.startswith("invariant"):
            assert kind["Invariant"]["runs"] >= 64 and kind["Invariant"]["calls"] >= 64 * 32, (name, kind)
        if name.startswith("invariant_v2"):  # protocol v2: at least 256 runs of depth 500
            assert kind["Invariant"]["runs"] >= 256 and kind["Invariant"]["calls"] >= 256 * 500, (name, kind)
    assert sum(n.startswith("testFuzz") for n in results) >= 2
    assert any(n.startswith("invariant") for n in results)
    assert any(n.startswith("invariant_v2") for n in results)
