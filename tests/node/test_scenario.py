"""The devnet scenario on the in-process chain and, through `nashnet devnet up`, on anvil."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts import InProcessChain
from node.cli import main
from node.identity import public_bytes
from node.scenario import run_scenario


def test_scenario_in_process() -> None:
    chain = InProcessChain.start()
    ops = [(chain.accounts[i], public_bytes(Ed25519PrivateKey.generate())) for i in (1, 2, 3)]
    result = run_scenario(chain.w3, chain.accounts[0], ops)
    assert result.passed
    assert (result.old_value, result.new_value) == (1000, 2000)
    assert [n["active"] for n in result.nodes] == [True, True, True]
    assert {n["operator"] for n in result.nodes} == {a.address for a, _ in ops}


@pytest.mark.integration
def test_devnet_up_on_anvil(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The commit window leaves room for a node whose Ray workers are still starting on a loaded
    # 2-core machine: a node that misses it is slashed, and then the report does not pass.
    args = ["--nodes", "3", "--samples", "1", "--kinds", "mcts", "--commit-window", "45", "--json",
            "--plot", str(tmp_path / "charts")]
    code = main(["devnet", "up", *args])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, out[-3000:] + captured.err[-3000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["passed"] and summary["governance"]["proposal"]["state"] == "executed"
    assert len(summary["nodes"]) == 3
    assert summary["by_kind"] == {"mcts": {"settled": 1}}
    assert summary["audits_verified"] == 1 and summary["conserved"]
    (answer,) = summary["answers"].values()  # the Game of 24 expression the three nodes agreed on
    assert set(answer) <= set("0123456789+-*/() ") and eval(answer) == 24  # noqa: S307
    assert Path(summary["manifest"]).is_file()
    # Nothing it started is left running.
    assert not (Path(summary["folder"]) / "devnet.json").exists()
    # It kept its report, which `devnet report` shows again, and drew its charts.
    assert json.loads((Path(summary["folder"]) / "report.json").read_text()) == summary
    for name in ("tasks.png", "allocation.png", "slashes.png"):
        assert (tmp_path / "charts" / name).read_bytes()[:4] == b"\x89PNG"
    code = main(["devnet", "report", "--folder", summary["folder"], "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["passed"]
