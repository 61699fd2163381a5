"""SPARQL with a real time limit: queries run in a worker process that is killed on timeout."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from reasoning.errors import InputTooLarge, QueryTimeout, SparqlError

__all__ = ["MAX_QUERY_CHARS", "QueryResult", "SparqlWorker"]

MAX_QUERY_CHARS = 100_000
_LOAD_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class QueryResult:
    """Result of a SPARQL query, every term as canonical text.

    Attributes:
        kind: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT/DESCRIBE, rows are triples).
        variables: Column names (without ``?``).
        rows: One list per solution; an unbound variable is ``""``.
        boolean: The answer of an ASK query, else None.
        truncated: True when rows stopped at the row limit.
        seconds: Wall time of the query.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    seconds: float = 0.0

    def answer(self) -> str:
        """A canonical one-line answer: the ASK value, a single cell, or sorted first-column values."""
        if self.kind == "ask":
            return "true" if self.boolean else "false"
        if len(self.rows) == 1 and len(self.rows[0]) == 1:
            return self.rows[0][0]
        return ", ".join(sorted(row[0] for row in self.rows if row))

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "ask":
            return {"boolean": self.boolean}
        return {"variables": self.variables, "rows": self.rows, "truncated": self.truncated}


class SparqlWorker:
    """One worker process with a snapshot of a store; restarted after a timeout."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._snapshot: str | None = None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        if self._snapshot is not None:
            try:
                os.unlink(self._snapshot)
            except OSError:
                pass
            self._snapshot = None

    def load(self, store: ox.Store) -> None:
        """Give the worker a copy of ``store`` (written once to a temporary file)."""
        self.close()
        fd, path = tempfile.mkstemp(suffix=".nq")
        with os.fdopen(fd, "wb") as fh:
            store.dump(fh, format=ox.RdfFormat.N_QUADS)
        self._snapshot = path

    def _start(self) -> None:
        if self._snapshot is None:
            raise SparqlError("no data loaded into the SPARQL worker")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "reasoning.kg.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        self._buffer = b""
        self._request({"op": "load", "path": self._snapshot}, _LOAD_TIMEOUT_S, "loading data into the SPARQL worker")

    def _request(self, request: dict[str, Any], timeout_s: float, what: str) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write((json.dumps(request) + "\n").encode())
        self._proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        fd = self._proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    # the worker is busy in native code: killing it is the only way to stop it
                    snapshot, self._snapshot = self._snapshot, None
                    self.close()
                    self._snapshot = snapshot
                    raise QueryTimeout(timeout_s, what)
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = self._proc.poll()
                    snapshot, self._snapshot = self._snapshot, None
                    self.close()
                    self._snapshot = snapshot
                    raise SparqlError(f"the SPARQL worker exited (code {code}) while {what}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)  # type: ignore[no-any-return]

    def query(self, sparql: str, timeout_s: float, max_rows: int) -> QueryResult:
        """Run ``sparql`` with a time limit and a row limit."""
        if len(sparql) > MAX_QUERY_CHARS:
            raise InputTooLarge("sparql", len(sparql), MAX_QUERY_CHARS, "characters")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s: expected a positive number of seconds, got {timeout_s}")
        if max_rows < 0:
            raise ValueError(f"max_rows: expected a non-negative integer, got {max_rows}")
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        start = time.monotonic()
        reply = self._request({"op": "query", "sparql": sparql, "max_rows": max_rows}, timeout_s, "SPARQL query")
        seconds = time.monotonic() - start
        if not reply["ok"]:
            kind = "malformed SPARQL" if reply["error"] == "syntax" else f"SPARQL failed ({reply['error']})"
            raise SparqlError(f"{kind}: {reply['message']}")
        if reply["kind"] == "ask":
            return QueryResult(kind="ask", boolean=bool(reply["value"]), seconds=seconds)
        return QueryResult(
            kind=reply["kind"], variables=reply["variables"], rows=reply["rows"],
            truncated=reply["truncated"], seconds=seconds,
        )

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown may have torn down modules
            pass
