"""The verdict on a devnet's sample tasks: what happened to each task and to each node, and why.

A devnet run passes only when every sample task settled, each on its expected answer where one
is known, and no node was slashed. Anything else is a :class:`Problem` that names the task, the
node and the reason, so that a run never says "passed" over a refund or a slash.

This module works on records read from the chain (:class:`TaskRecord`) and on nothing else, so
the verdict can be tested on recorded data; :meth:`node.devnet.Devnet.report` reads the records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from contracts.errors import ConfigError

__all__ = [
    "REASONS",
    "REPORT_FILE",
    "Problem",
    "Reveal",
    "TaskRecord",
    "judge",
    "load_report",
    "same_answer",
    "save_report",
    "slashed_by_node",
]

#: Where `devnet up` keeps its last report, in the devnet's folder.
REPORT_FILE = "report.json"

#: Every reason a task or a node fails a devnet run, with what it means.
REASONS: dict[str, str] = {
    "refunded": "no majority of the assigned nodes revealed the same result; the reward went back",
    "expired": "no round allocated it before its deadline",
    "cancelled": "the requester cancelled it before any round allocated it",
    "unsettled": "not settled when the run stopped waiting",
    "failed": "settled on a failed run, without an answer",
    "wrong-answer": "settled on another answer than the expected one",
    "silent": "assigned the task, revealed nothing",
    "minority": "revealed a result outside the majority",
    "slashed": "slashed at the task's settlement",
}


@dataclass(frozen=True)
class Reveal:
    """One node's revealed result for a task."""

    node: str
    result_hash: str
    ok: bool | None = None
    """The run's own success flag, when the payload is readable JSON."""
    answer: str | None = None


@dataclass(frozen=True)
class TaskRecord:
    """What the chain says about one sample task, plus the answer the devnet expects, if known.

    ``status`` is the market's status in lower case (``open``, ``allocated``, ``settled``,
    ``refunded``, ``expired``); ``assigned`` the nodes the finalized allocation gave it; ``winner``
    the result hash it settled on; ``slashed`` base units taken from each node at its settlement.
    """

    id: int
    kind: str
    status: str
    assigned: tuple[str, ...] = ()
    reveals: tuple[Reveal, ...] = ()
    winner: str | None = None
    refund: int = 0
    slashed: Mapping[str, int] = field(default_factory=dict)
    expected: str | None = None

    @property
    def answer(self) -> str | None:
        """The answer of the winning result (None when refunded, sealed or failed)."""
        for r in self.reveals:
            if self.winner is not None and r.result_hash == self.winner:
                return r.answer
        return None

    @property
    def winning_ok(self) -> bool | None:
        for r in self.reveals:
            if self.winner is not None and r.result_hash == self.winner:
                return r.ok
        return None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskRecord:
        """A record from :meth:`to_dict`'s JSON (how recorded runs are kept)."""
        reveals = tuple(Reveal(**r) for r in data.get("reveals", ()))
        return cls(
            id=int(data["id"]),
            kind=str(data["kind"]),
            status=str(data["status"]),
            assigned=tuple(data.get("assigned", ())),
            reveals=reveals,
            winner=data.get("winner"),
            refund=int(data.get("refund", 0)),
            slashed={str(k): int(v) for k, v in dict(data.get("slashed", {})).items()},
            expected=data.get("expected"),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["slashed"] = dict(self.slashed)
        data["answer"] = self.answer
        data["answer_ok"] = None if self.expected is None else same_answer(self.answer, self.expected)
        return data


@dataclass(frozen=True)
class Problem:
    """Why a devnet run did not pass: one task, the node concerned (None: the task as a whole), a reason."""

    task: int
    kind: str
    reason: str
    node: str | None = None
    slashed: int = 0
    detail: str = ""

    def line(self, name_of: Mapping[str, str] | None = None) -> str:
        """One line for people: ``task 3 (mcts): silent — node1 0xAb…: assigned the task, revealed nothing; …``."""
        who = ""
        if self.node is not None:
            name = (name_of or {}).get(self.node)
            who = f" — {name} {self.node}" if name else f" — {self.node}"
        extra = f"; {self.detail}" if self.detail else ""
        return f"task {self.task} ({self.kind}): {self.reason}{who}: {REASONS[self.reason]}{extra}"


def same_answer(got: str | None, expected: str) -> bool:
    """Whether a revealed answer is the expected one: numbers by value (``"12,507"``, ``"12507.0"``), else text."""
    if got is None:
        return False
    a, b = str(got).strip().replace(",", ""), str(expected).strip().replace(",", "")
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return a.casefold() == b.casefold()


def _tokens(units: int) -> str:
    from node.amounts import fmt_amount

    return f"{fmt_amount(units)} tokens"


def judge(tasks: Iterable[TaskRecord]) -> list[Problem]:
    """Every problem of a run, by task then node; an empty list means the run passed.

    Per task: not settled (``refunded``, ``expired``, ``cancelled``, ``unsettled``); settled on a failed run
    (``failed``) or on an answer other than ``expected`` (``wrong-answer``). Per assigned node:
    revealed nothing (``silent``) or a result outside the majority (``minority``). A slash that
    none of these explains is reported as ``slashed``. Each node's problem carries what it lost.
    """
    return [p for t in sorted(tasks, key=lambda r: r.id) for p in _problems_of(t)]


def _problems_of(t: TaskRecord) -> list[Problem]:
    found: list[tuple[str, str | None, str]] = []
    if t.status in ("expired", "cancelled"):
        found.append((t.status, None, ""))
    elif t.status in ("open", "allocated"):
        found.append(("unsettled", None, f"status {t.status}"))
    elif t.status == "refunded":
        found.append(("refunded", None, f"{_tokens(t.refund)} returned to the requester" if t.refund else ""))
    elif t.status == "settled":
        if t.winning_ok is False:
            found.append(("failed", None, ""))
        elif t.expected is not None and not same_answer(t.answer, t.expected):
            found.append(("wrong-answer", None, f"got {t.answer!r}, expected {t.expected!r}"))
    revealed = {r.node: r for r in t.reveals}
    for node in t.assigned:
        mine = revealed.get(node)
        if mine is None and t.status in ("settled", "refunded"):
            found.append(("silent", node, ""))
        elif mine is not None and t.status == "settled" and t.winner is not None and mine.result_hash != t.winner:
            found.append(("minority", node, f"its result {mine.result_hash[:18]}…, the majority's {t.winner[:18]}…"))
    named = {node for _, node, _ in found}
    found += [("slashed", node, "") for node, amount in sorted(t.slashed.items()) if amount and node not in named]
    problems = []
    for reason, who, detail in found:
        lost = int(t.slashed.get(who, 0)) if who is not None else 0
        if lost:
            detail = f"{detail}; slashed {_tokens(lost)}" if detail else f"slashed {_tokens(lost)}"
        problems.append(Problem(t.id, t.kind, reason, who, lost, detail))
    return problems


def slashed_by_node(tasks: Sequence[TaskRecord]) -> dict[str, int]:
    """Base units slashed from each node over ``tasks``."""
    out: dict[str, int] = {}
    for t in tasks:
        for node, amount in t.slashed.items():
            out[node] = out.get(node, 0) + int(amount)
    return out


def save_report(folder: Path, summary: Mapping[str, Any]) -> Path:
    """Keep a run's report in ``folder`` (atomically), for `devnet report` to show again."""
    from contracts.files import write_atomic

    path = Path(folder) / REPORT_FILE
    write_atomic(path, json.dumps(summary, indent=1) + "\n")
    return path


def load_report(folder: Path) -> dict[str, Any]:
    """The report `devnet up` kept in ``folder``.

    Raises:
        ConfigError: there is none, or it is not a report.
    """
    path = Path(folder) / REPORT_FILE
    if not path.is_file():
        raise ConfigError(f"no devnet report in {str(folder)!r}: run `nashnet devnet up` first (it keeps one there)")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{str(path)!r} is not a devnet report: {exc}") from None
    if not isinstance(data, dict) or "passed" not in data or "problems" not in data:
        raise ConfigError(f"{str(path)!r} is not a devnet report: expected an object with 'passed' and 'problems'")
    return data
