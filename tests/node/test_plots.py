"""The devnet's charts (node.plots) and `nashnet devnet report [--plot]`, on a report in the form `devnet up` keeps.

``REPORT`` is a hand-made report, not a recording: three nodes and four tasks, one of each fate a
chart must tell apart (settled with a minority node, refunded with a silent node, settled by all,
expired). The real `devnet up` writes its report and charts in tests/node/test_scenario.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from node.cli import main
from node.devnet_report import REPORT_FILE, load_report, save_report
from node.plots import allocation_matrix, plot_report, plot_run, run_series, slashes, status_counts

TOKEN = 10**18
N1, N2, N3 = ("0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20)
A, B = "0x" + "aa" * 32, "0x" + "bb" * 32


def _reveal(node: str, h: str) -> dict[str, Any]:
    return {"node": node, "result_hash": h, "ok": True, "answer": "24"}


REPORT: dict[str, Any] = {
    "nodes": [N1, N2, N3],
    "node_names": {N1: "node1", N2: "node2", N3: "node3"},
    "tasks": 4,
    "by_kind": {"mcts": {"settled": 2}, "react": {"refunded": 1}, "rewoo": {"expired": 1}},
    "outcomes": [
        {
            "id": 1,
            "kind": "mcts",
            "status": "settled",
            "assigned": [N1, N2, N3],
            "winner": A,
            "reveals": [_reveal(N1, A), _reveal(N2, A), _reveal(N3, B)],
            "slashed": {N3: 5 * TOKEN},
            "refund": 0,
        },
        {
            "id": 2,
            "kind": "react",
            "status": "refunded",
            "assigned": [N1, N2],
            "winner": None,
            "reveals": [_reveal(N2, A)],
            "slashed": {N1: 2 * TOKEN},
            "refund": 3 * TOKEN,
        },
        {
            "id": 3,
            "kind": "mcts",
            "status": "settled",
            "assigned": [N2, N3],
            "winner": A,
            "reveals": [_reveal(N2, A), _reveal(N3, A)],
            "slashed": {},
            "refund": 0,
        },
        {
            "id": 4,
            "kind": "rewoo",
            "status": "expired",
            "assigned": [],
            "winner": None,
            "reveals": [],
            "slashed": {},
            "refund": 1 * TOKEN,
        },
    ],
    "slashed": {N3: 5 * TOKEN, N1: 2 * TOKEN},
    "problems": [
        {
            "task": 1,
            "kind": "mcts",
            "reason": "minority",
            "node": N3,
            "line": "task 1 (mcts): minority — node3: revealed a result outside the majority",
        }
    ],
    "passed": False,
}


def test_chart_data_says_what_each_node_did_with_each_task() -> None:
    nodes, ids, cells = allocation_matrix(REPORT)
    assert nodes == [N1, N2, N3] and ids == [1, 2, 3, 4]
    assert cells == [
        [2, 4, 0, 0],  # node1: majority on 1, silent on the refunded 2
        [2, 5, 2, 0],  # node2: majority, revealed on a refund, majority
        [3, 0, 2, 0],  # node3: minority on 1, majority on 3
    ]
    kinds, counts = status_counts(REPORT)
    assert kinds == ["mcts", "react", "rewoo"]
    assert counts["settled"] == [2, 0, 0] and counts["refunded"] == [0, 1, 0] and counts["expired"] == [0, 0, 1]
    assert slashes(REPORT) == ([N1, N2, N3], [2.0, 0.0, 5.0])


def test_an_unallocated_task_still_shows_its_assigned_nodes_without_a_result() -> None:
    report = copy.deepcopy(REPORT)
    report["outcomes"] = [
        {"id": 9, "kind": "mcts", "status": "allocated", "assigned": [N2], "reveals": [], "slashed": {}, "refund": 0}
    ]
    assert allocation_matrix(report) == ([N1, N2, N3], [9], [[0], [1], [0]])


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    assert len(data) > 5_000, (path, len(data))  # axes, bars and labels, not an empty canvas


def test_plot_report_writes_every_chart(tmp_path: Path) -> None:
    out = tmp_path / "charts" / "run1"
    written = plot_report(REPORT, out)
    assert [p.name for p in written] == ["tasks.png", "allocation.png", "slashes.png"]
    for p in written:
        _png(p)
    assert sorted(p.name for p in out.iterdir()) == ["allocation.png", "slashes.png", "tasks.png"]  # no temp files


def test_a_large_run_without_outcomes_gets_no_allocation_map(tmp_path: Path) -> None:
    report = {**REPORT, "outcomes": []}
    assert [p.name for p in plot_report(report, tmp_path)] == ["tasks.png", "slashes.png"]


def test_plot_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "charts.png"
    target.write_text("mine")
    with pytest.raises(ValueError, match="--plot: .*is a file; expected a folder"):
        plot_report(REPORT, target)
    assert target.read_text() == "mine"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_devnet_report_shows_the_kept_report_and_draws_it(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = tmp_path / "net"
    save_report(net, REPORT)
    assert load_report(net) == REPORT
    code, out, err = _run(capsys, "devnet", "report", "--folder", str(net), "--plot", str(tmp_path / "charts"))
    assert code == 1  # the kept run failed, so the report does too
    assert "task 1 (mcts): minority" in err and "FAILED — 1 problem" in err
    assert "slashes" in out
    for name in ("tasks.png", "allocation.png", "slashes.png"):
        _png(tmp_path / "charts" / name)
    passed = {**REPORT, "problems": [], "passed": True}
    save_report(net, passed)
    code, out, err = _run(capsys, "devnet", "report", "--folder", str(net), "--json")
    assert code == 0, err
    assert json.loads(out)["passed"] is True


def test_devnet_report_without_a_report_says_what_to_run(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "devnet", "report", "--folder", str(tmp_path / "none"))
    assert code == 1
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "no devnet report" in lines[0] and "nashnet devnet up" in lines[0], err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / REPORT_FILE).write_text("{not json")
    code, _, err = _run(capsys, "devnet", "report", "--folder", str(tmp_path / "bad"))
    assert code == 1 and "is not a devnet report" in err and "Traceback" not in err
    (tmp_path / "charts.png").write_text("mine")
    save_report(tmp_path / "ok", REPORT)
    code, _, err = _run(
        capsys, "devnet", "report", "--folder", str(tmp_path / "ok"), "--plot", str(tmp_path / "charts.png")
    )
    assert code == 1 and "--plot" in err and "expected a folder" in err


def test_a_real_spiking_run_carries_its_rates_and_raster_and_is_drawn(tmp_path: Path) -> None:
    from node.spiking import SpikingTaskSpec, run_spiking_task
    from node.spiking.runner import RASTER_NEURONS
    from node.spiking.spec import NetworkConfig

    spec = SpikingTaskSpec(
        network=NetworkConfig(neurons=5000, seed=3), text="hi", warmup_steps=100, steps_per_char=10, reply_chars=2
    )
    res = run_spiking_task(spec)
    series = run_series("spiking", res.model_dump(mode="json"))
    assert len(series["rates"]) == res.steps
    settled = series["rates"][spec.warmup_steps :]
    assert abs(sum(settled) / len(settled) - res.mean_rate) < 1e-4
    assert series["spike_neurons"] and max(series["spike_neurons"]) < RASTER_NEURONS
    assert 0 <= min(series["spike_steps"]) and max(series["spike_steps"]) < res.steps
    assert series["target_rate"] == spec.network.target_rate
    _png(plot_run("spiking", res.model_dump(mode="json"), tmp_path / "raster.png"))


def test_a_real_training_run_carries_its_loss_curve_and_is_drawn(tmp_path: Path) -> None:
    from node.training import TrainingJobSpec, run_training_job

    spec = TrainingJobSpec(
        model="tiny",
        steps=12,
        batch_size=8,
        checkpoint_interval=4,
        optimizer={"lr": 3e-3},
        schedule={"warmup_steps": 2},
    )
    res = run_training_job(spec, tmp_path / "job")
    series = run_series("training", res.model_dump(mode="json"))
    assert series["steps"] == list(range(1, 13))
    assert series["loss"][-1] == pytest.approx(res.final_train_loss, abs=1e-5)
    assert series["loss"][-1] < series["loss"][0]  # it learned something in twelve steps
    # Run again: nothing left to train, the same curve from the job's metrics log.
    assert run_training_job(spec, tmp_path / "job").loss_curve == res.loss_curve
    _png(plot_run("training", res.model_dump(mode="json"), tmp_path / "loss.png"))


def test_run_plots_refuse_what_they_cannot_draw(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a mcts task has no picture"):
        plot_run("mcts", {}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="carries no loss curve"):
        plot_run("training", {"eval_loss": 1.0}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="-o: .*is a folder"):
        plot_run("spiking", {"rates": [0.1]}, tmp_path)
    assert not (tmp_path / "x.png").exists()
