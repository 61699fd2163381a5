"""What a node must remember across restarts: its outcomes and its commits.

Everything else is folded again from the chain log. A commit is written here *before*
its transaction is sent, so a node killed in between knows on restart which tasks it
committed to (and derives the same salts), and never commits a round twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CommitRecord", "NodeStore", "StoredOutcome"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS node_outcomes (
    task_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ok INTEGER NOT NULL,
    answer TEXT,
    error TEXT,
    digest BLOB NOT NULL,
    payload BLOB NOT NULL,
    trace_hash TEXT NOT NULL,
    seconds REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS node_commits (
    round INTEGER PRIMARY KEY,
    task_ids TEXT NOT NULL,
    state TEXT NOT NULL,
    commit_tx TEXT,
    reveal_tx TEXT
);
CREATE TABLE IF NOT EXISTS node_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredOutcome:
    """A finished task as this node will commit and reveal it."""

    task_id: int
    kind: str
    ok: bool
    answer: str | None
    error: str | None
    digest: bytes
    payload: bytes
    trace_hash: str
    seconds: float


@dataclass(frozen=True)
class CommitRecord:
    """This node's commit of a round.

    ``state`` is ``sending`` (written, transaction maybe sent), ``committed``, ``revealed``
    or ``missed`` (a deadline passed before the next step could be taken).
    """

    round: int
    task_ids: list[int]
    state: str
    commit_tx: str | None
    reveal_tx: str | None


class NodeStore:
    """The node's own table in its SQLite state file (WAL; safe to read from another thread)."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---------------------------------------------------------------- outcomes

    def put_outcome(self, o: StoredOutcome) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO node_outcomes VALUES (?,?,?,?,?,?,?,?,?)",
                (o.task_id, o.kind, int(o.ok), o.answer, o.error, o.digest, o.payload, o.trace_hash, o.seconds),
            )

    def outcome(self, task_id: int) -> StoredOutcome | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM node_outcomes WHERE task_id=?", (task_id,)).fetchone()
        return _outcome(row) if row else None

    def outcomes(self, task_ids: list[int] | None = None) -> dict[int, StoredOutcome]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM node_outcomes").fetchall()
        found = {int(r[0]): _outcome(r) for r in rows}
        return found if task_ids is None else {t: found[t] for t in task_ids if t in found}

    # ----------------------------------------------------------------- commits

    def commit_record(self, round_: int) -> CommitRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM node_commits WHERE round=?", (round_,)).fetchone()
        return _commit(row) if row else None

    def commits(self, states: tuple[str, ...] = ("sending", "committed")) -> list[CommitRecord]:
        marks = ",".join("?" * len(states))
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM node_commits WHERE state IN ({marks}) ORDER BY round", states
            ).fetchall()
        return [_commit(r) for r in rows]

    def begin_commit(self, round_: int, task_ids: list[int]) -> None:
        """Record the tasks of a round's commit before its transaction goes out."""
        with self._lock:
            self._db.execute(
                "INSERT INTO node_commits (round, task_ids, state) VALUES (?,?,'sending')",
                (round_, json.dumps(sorted(task_ids))),
            )

    def set_commit_state(
        self, round_: int, state: str, *, commit_tx: str | None = None, reveal_tx: str | None = None
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE node_commits SET state=?, commit_tx=COALESCE(?, commit_tx), reveal_tx=COALESCE(?, reveal_tx) "
                "WHERE round=?",
                (state, commit_tx, reveal_tx, round_),
            )

    # -------------------------------------------------------------------- meta

    def get_meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM node_meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO node_meta VALUES (?,?)", (key, json.dumps(value)))

    def summary(self) -> dict[str, Any]:
        """Counts for the status page."""
        with self._lock:
            outcomes = self._db.execute("SELECT COUNT(*), COALESCE(SUM(ok),0) FROM node_outcomes").fetchone()
            states = dict(self._db.execute("SELECT state, COUNT(*) FROM node_commits GROUP BY state").fetchall())
        return {"outcomes": int(outcomes[0]), "outcomes_ok": int(outcomes[1]), "commits": states}


def _outcome(row: Any) -> StoredOutcome:
    return StoredOutcome(
        task_id=int(row[0]),
        kind=str(row[1]),
        ok=bool(row[2]),
        answer=row[3],
        error=row[4],
        digest=bytes(row[5]),
        payload=bytes(row[6]),
        trace_hash=str(row[7]),
        seconds=float(row[8]),
    )


def _commit(row: Any) -> CommitRecord:
    return CommitRecord(
        round=int(row[0]),
        task_ids=[int(t) for t in json.loads(row[1])],
        state=str(row[2]),
        commit_tx=row[3],
        reveal_tx=row[4],
    )
