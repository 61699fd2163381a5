"""Pictures of a devnet run, drawn with matplotlib from its report (the JSON `devnet up` prints and keeps).

Three charts, each a PNG written atomically (a reader never sees half a file):

- ``tasks.png``: the sample tasks of each kind, stacked by final status;
- ``allocation.png``: the nodes × tasks map of the finalized allocation, each cell saying what the
  node did with the task (agreed with the majority, minority, silent, revealed on a refund);
- ``slashes.png``: the tokens each node lost.

and, for one task (:func:`plot_run`), a training job's loss curve or a spiking run's raster and
firing rate against its target.

The data of each chart is computed by a pure function (:func:`status_counts`,
:func:`allocation_matrix`, :func:`slashes`) so that what a picture shows can be checked without
reading pixels. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from contracts.errors import ConfigError
from contracts.files import write_atomic
from node.amounts import DECIMALS

__all__ = [
    "CELLS",
    "PLOTTABLE",
    "STATUSES",
    "allocation_matrix",
    "check_plot_folder",
    "check_plottable",
    "plot_report",
    "plot_run",
    "run_series",
    "slashes",
    "status_counts",
]

#: Final statuses in the order the tasks chart stacks them, with their colours.
STATUSES: dict[str, str] = {
    "settled": "#2e7d32",
    "refunded": "#f9a825",
    "expired": "#8d6e63",
    "cancelled": "#9e9e9e",
    "allocated": "#1565c0",
    "open": "#90caf9",
}

#: The allocation map's cell values: code → (label, colour). 0 is "not assigned".
CELLS: dict[int, tuple[str, str]] = {
    0: ("not assigned", "#f5f5f5"),
    1: ("assigned, no result yet", "#90caf9"),
    2: ("revealed the majority's result", "#2e7d32"),
    3: ("revealed a minority result", "#c62828"),
    4: ("assigned, revealed nothing", "#212121"),
    5: ("revealed; task refunded", "#f9a825"),
}


def status_counts(summary: Mapping[str, Any]) -> tuple[list[str], dict[str, list[int]]]:
    """The kinds (in report order) and, per status of :data:`STATUSES`, the count of each kind."""
    by_kind: Mapping[str, Mapping[str, int]] = summary.get("by_kind") or {}
    kinds = list(by_kind)
    return kinds, {st: [int(by_kind[k].get(st, 0)) for k in kinds] for st in STATUSES}


def _cell(task: Mapping[str, Any], node: str) -> int:
    if node not in task.get("assigned", ()):
        return 0
    mine = next((r for r in task.get("reveals", ()) if r["node"] == node), None)
    status = task["status"]
    if mine is None:
        return 4 if status in ("settled", "refunded") else 1
    if status == "refunded":
        return 5
    if status == "settled":
        return 2 if mine["result_hash"] == task.get("winner") else 3
    return 1


def allocation_matrix(summary: Mapping[str, Any]) -> tuple[list[str], list[int], list[list[int]]]:
    """Nodes (rows), task ids (columns) and the :data:`CELLS` code of each node for each task.

    The nodes are the devnet's, then any other node a task was assigned to, so a node that was
    given nothing still has its (empty) row.
    """
    tasks: Sequence[Mapping[str, Any]] = sorted(summary.get("outcomes") or (), key=lambda t: int(t["id"]))
    nodes = list(dict.fromkeys([*summary.get("nodes", ()), *(n for t in tasks for n in t.get("assigned", ()))]))
    return nodes, [int(t["id"]) for t in tasks], [[_cell(t, n) for t in tasks] for n in nodes]


def slashes(summary: Mapping[str, Any]) -> tuple[list[str], list[float]]:
    """Every node and the tokens it lost over the run (zero included)."""
    lost: Mapping[str, int] = summary.get("slashed") or {}
    nodes = list(dict.fromkeys([*summary.get("nodes", ()), *lost]))
    return nodes, [int(lost.get(n, 0)) / 10**DECIMALS for n in nodes]


def _label(node: str, names: Mapping[str, str]) -> str:
    name = names.get(node)
    short = f"{node[:6]}…{node[-4:]}"
    return f"{name} {short}" if name else short


def _save(fig: Any, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    write_atomic(path, buf.getvalue())
    return path


#: The kinds whose runs :func:`plot_run` draws.
PLOTTABLE = ("training", "spiking")


def check_plottable(kind: str, path: Path) -> None:
    """Refuse, before any fetching, a kind without a picture or an output path that is a folder.

    Raises:
        ConfigError: naming what is wrong.
    """
    if kind not in PLOTTABLE:
        raise ConfigError(f"a {kind} task has no picture: `task plot` draws training (loss) and spiking (raster) tasks")
    if Path(path).is_dir():
        raise ConfigError(f"-o: {str(path)!r} is a folder; expected a file name such as plot.png")


def check_plot_folder(folder: Path | None) -> None:
    """Refuse, before any work, a ``--plot`` folder that is a file.

    Raises:
        ConfigError: ``folder`` exists and is not a folder.
    """
    if folder is not None and Path(folder).exists() and not Path(folder).is_dir():
        raise ConfigError(f"--plot: {str(folder)!r} is a file; expected a folder to write the charts into")


def run_series(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`plot_run` draws of a task's run record, checked.

    ``training``: ``steps`` and ``loss`` (the training loss per step) and ``eval_loss``.
    ``spiking``: ``rates`` (the fraction of neurons firing per step), ``target_rate``, and the
    raster as ``spike_steps`` / ``spike_neurons``.

    Raises:
        ConfigError: another kind, or a record without the series (a result from before they were kept).
    """
    if kind == "training":
        curve = record.get("loss_curve") or []
        if not curve:
            raise ConfigError(
                "this training result carries no loss curve: the node ran a version that did not keep one"
            )
        return {
            "steps": [int(s) for s, _ in curve],
            "loss": [float(v) for _, v in curve],
            "eval_loss": record.get("eval_loss"),
        }
    if kind == "spiking":
        rates = record.get("rates") or []
        if not rates:
            raise ConfigError(
                "this spiking result carries no firing rates: the node ran a version that did not keep them"
            )
        raster = record.get("raster") or []
        return {
            "rates": [float(r) for r in rates],
            "target_rate": record.get("target_rate"),
            "spike_steps": [int(s) for s, _ in raster],
            "spike_neurons": [int(n) for _, n in raster],
        }
    raise ConfigError(f"a {kind} task has no picture: `task plot` draws training (loss) and spiking (raster) tasks")


def plot_run(kind: str, record: Mapping[str, Any], path: Path, *, title: str = "") -> Path:
    """Draw a training task's loss curve, or a spiking task's raster and firing rate, as a PNG at ``path``.

    Raises:
        ConfigError: as :func:`run_series`, or ``path`` is a folder.
    """
    path = Path(path)
    check_plottable(kind, path)
    data = run_series(kind, record)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if kind == "training":
        fig, ax = plt.subplots(figsize=(7, 4))
        ev = data["eval_loss"]
        _line(ax, data["steps"], data["loss"], "training loss", ev, f"eval loss {ev:.4f}" if ev is not None else "")
        ax.set_ylabel("loss")
    else:
        fig, (top, ax) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, height_ratios=(2, 1))
        top.scatter(data["spike_steps"], data["spike_neurons"], s=1.5, color="#212121", marker="|")
        top.set_ylabel("neuron")
        top.set_title("spikes (first neurons)", fontsize="small")
        target = data["target_rate"]
        rates = data["rates"]
        _line(ax, list(range(len(rates))), rates, "firing rate", target, f"target {target:.0%}" if target else "")
        ax.set_ylabel("fraction firing")
    fig.suptitle(title or f"{kind} task")
    out = _save(fig, path)
    plt.close(fig)
    return out


def _line(ax: Any, x: list[int], y: list[float], label: str, ref: float | None, ref_label: str) -> None:
    """A series over steps, with a dashed reference level when there is one."""
    ax.plot(x, y, color="#1565c0", label=label)
    if ref is not None:
        ax.axhline(float(ref), color="#c62828", linestyle="--", label=ref_label)
    ax.set_xlabel("step")
    ax.legend(fontsize="small")


def plot_report(summary: Mapping[str, Any], folder: Path) -> list[Path]:
    """Draw the run's charts into ``folder`` (created if missing) and return the files written.

    The allocation map needs the report's per-task outcomes, which a report keeps for runs of up
    to 50 tasks; a larger run gets the other two charts only.

    Raises:
        ConfigError: ``folder`` exists and is not a folder.
    """
    folder = Path(folder)
    check_plot_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    names: Mapping[str, str] = summary.get("node_names") or {}
    written: list[Path] = []

    kinds, counts = status_counts(summary)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(kinds), 1)))
    left = [0] * len(kinds)
    for st, colour in STATUSES.items():
        if any(counts[st]):
            ax.barh(kinds, counts[st], left=left, color=colour, label=st)
            left = [a + b for a, b in zip(left, counts[st], strict=True)]
    ax.set_xlabel("tasks")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"sample tasks by kind and status ({sum(left)} tasks)")
    if kinds:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    written.append(_save(fig, folder / "tasks.png"))
    plt.close(fig)

    nodes, ids, cells = allocation_matrix(summary)
    if ids:
        fig, ax = plt.subplots(figsize=(min(2 + 0.45 * len(ids), 16), 1.2 + 0.45 * len(nodes)))
        cmap = ListedColormap([c for _, c in CELLS.values()])
        ax.imshow(
            cells, cmap=cmap, norm=BoundaryNorm([x - 0.5 for x in range(len(CELLS) + 1)], len(CELLS)), aspect="auto"
        )
        kind_of = {int(t["id"]): str(t.get("kind", "")) for t in summary.get("outcomes") or ()}
        ax.set_xticks(range(len(ids)), [f"{t}\n{kind_of[t]}" for t in ids], fontsize="small")
        ax.set_yticks(range(len(nodes)), [_label(n, names) for n in nodes])
        ax.set_xlabel("task")
        ax.set_title("allocation: what each node did with each task")
        used = sorted({v for row in cells for v in row})
        ax.legend(
            handles=[Patch(color=CELLS[v][1], label=CELLS[v][0]) for v in used],
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            fontsize="small",
        )
        written.append(_save(fig, folder / "allocation.png"))
        plt.close(fig)

    who, lost = slashes(summary)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(who), 1)))
    ax.barh([_label(n, names) for n in who], lost, color="#c62828")
    ax.set_xlabel("tokens slashed")
    ax.set_title(f"slashes ({sum(lost):g} tokens in all)")
    written.append(_save(fig, folder / "slashes.png"))
    plt.close(fig)
    return written
