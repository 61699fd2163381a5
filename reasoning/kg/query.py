"""SPARQL with a real time limit: queries run in a worker process that is killed on timeout.

Starting a worker process costs tens of milliseconds, far more than a query over a small
graph, so workers are reused. A :class:`WorkerPool` keeps a few idle workers per process,
emptied of their data, and lends each to one query at a time; a :class:`SparqlWorker` loads
its graph into the worker it borrows. A worker whose query ran past its limit is killed and
never goes back to the pool, so the limit stays as hard as with a process per query.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from reasoning.errors import InputTooLarge, QueryTimeout, SparqlError

__all__ = ["MAX_IDLE_WORKERS", "MAX_QUERY_CHARS", "QueryResult", "SparqlWorker", "WorkerPool", "default_pool"]

MAX_QUERY_CHARS = 100_000
MAX_IDLE_WORKERS = 2
_LOAD_TIMEOUT_S = 300.0
_CLEAR_TIMEOUT_S = 5.0
_INLINE_MAX_QUADS = 20_000  # smaller stores travel inside the load request, larger ones through a file
_POOL_MAX_QUADS = 200_000  # a worker that held more is closed rather than kept, to return its memory


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


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class _Snapshot:
    """The contents of a store in N-Quads, as sent to workers; never changes once made."""

    def __init__(self, store: ox.Store) -> None:
        self.path: str | None = None
        self.data = ""
        if len(store) <= _INLINE_MAX_QUADS:
            self.data = (store.dump(format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
        else:
            fd, path = tempfile.mkstemp(suffix=".nq")
            with os.fdopen(fd, "wb") as fh:
                store.dump(fh, format=ox.RdfFormat.N_QUADS)
            self.path = path
            weakref.finalize(self, _unlink, path)  # removed once no graph or worker holds it

    def request(self) -> dict[str, Any]:
        return {"op": "load", "path": self.path} if self.path is not None else {"op": "load", "data": self.data}


class _Process:
    """One worker process, the unread part of its output and the snapshot it holds."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "reasoning.kg.worker", str(self.owner)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        self.pid = self.popen.pid
        self.buffer = b""
        self.loaded: _Snapshot | None = None
        self.quads = 0
        _LIVE.add(self)

    def usable(self) -> bool:
        return self.owner == os.getpid() and self.popen.poll() is None and not self.buffer

    def kill(self) -> None:
        """Stop the process and reap it; in a forked child, only let go of the parent's pipes."""
        popen = self.popen
        if self.owner == os.getpid() and popen.returncode is None:
            popen.kill()
            popen.wait()
        for stream in (popen.stdin, popen.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self.loaded = None
        _LIVE.discard(self)

    def request(self, request: dict[str, Any], timeout_s: float, what: str) -> dict[str, Any]:
        """Send one request and wait for its reply; past ``timeout_s`` the process is killed."""
        stdin, stdout = self.popen.stdin, self.popen.stdout
        assert stdin is not None and stdout is not None
        deadline = time.monotonic() + timeout_s
        try:
            stdin.write((json.dumps(request) + "\n").encode())
            stdin.flush()
        except OSError:
            self._died(what)
        fd = stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    # the worker is busy in native code: killing it is the only way to stop it
                    self.kill()
                    raise QueryTimeout(timeout_s, what)
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self._died(what)
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)  # type: ignore[no-any-return]

    def _died(self, what: str) -> None:
        code = self.popen.poll()
        self.kill()
        raise SparqlError(f"the SPARQL worker exited (code {code}) while {what}")

    def load(self, snapshot: _Snapshot) -> None:
        self.loaded = None
        reply = self.request(snapshot.request(), _LOAD_TIMEOUT_S, "loading data into the SPARQL worker")
        if not reply["ok"]:
            self.kill()
            raise SparqlError(f"the SPARQL worker could not load the graph: {reply['message']}")
        self.loaded, self.quads = snapshot, int(reply["triples"])

    def clear(self) -> bool:
        """Empty the worker's store; False (and the process killed) when it does not answer."""
        self.loaded = None
        try:
            reply = self.request({"op": "clear"}, _CLEAR_TIMEOUT_S, "clearing the SPARQL worker")
        except (QueryTimeout, SparqlError):
            return False
        if not reply.get("ok"):
            self.kill()
            return False
        self.quads = 0
        return True


_LIVE: weakref.WeakSet[_Process] = weakref.WeakSet()
_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class WorkerPool:
    """Idle SPARQL worker processes of this process, emptied of data and kept for reuse.

    Each worker is lent to one borrower at a time. A worker that timed out, failed, or held a
    large graph is closed instead of kept, and so is any worker beyond ``max_idle``.

    Args:
        max_idle: Most idle workers kept; 0 closes every worker after use.
    """

    def __init__(self, max_idle: int = MAX_IDLE_WORKERS) -> None:
        if max_idle < 0:
            raise ValueError(f"max_idle: expected a non-negative integer, got {max_idle}")
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[_Process] = []
        _POOLS.add(self)

    def idle_pids(self) -> list[int]:
        """Process ids of the idle workers, oldest first."""
        with self._lock:
            return [proc.pid for proc in self._idle]

    def close(self) -> None:
        """Stop every idle worker (workers on loan are closed when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            proc.kill()

    def _take(self) -> _Process:
        """An empty worker: an idle one if any is still alive, else a new process."""
        while True:
            with self._lock:
                proc = self._idle.pop() if self._idle else None
            if proc is None:
                return _Process()  # started outside the lock: other threads need not wait for it
            if proc.usable():
                return proc
            proc.kill()

    def _give(self, proc: _Process, *, wait: bool = True) -> None:
        """Take back a worker; it is emptied and kept, or closed. ``wait=False`` never blocks on the lock."""
        if len(self._idle) >= self.max_idle or not proc.usable() or proc.quads > _POOL_MAX_QUADS or not proc.clear():
            proc.kill()
            return
        if self._lock.acquire(blocking=wait):
            try:
                if len(self._idle) < self.max_idle:
                    self._idle.append(proc)
                    return
            finally:
                self._lock.release()
        proc.kill()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._idle = []


def _kill_all() -> None:
    for proc in list(_LIVE):
        proc.kill()


def _after_fork_in_child() -> None:
    # The parent's workers belong to the parent: drop our copies of their pipes, so that they
    # still see end-of-input when the parent exits, and never send them anything.
    for pool in list(_POOLS):
        pool._after_fork()
    _kill_all()


_DEFAULT_POOL = WorkerPool()
atexit.register(_kill_all)
os.register_at_fork(after_in_child=_after_fork_in_child)


def default_pool() -> WorkerPool:
    """The pool that :class:`SparqlWorker` uses unless given another."""
    return _DEFAULT_POOL


class SparqlWorker:
    """Runs queries over a snapshot of a store in a worker process borrowed from a pool.

    Between queries it keeps its worker, loaded, so that repeated queries need no reload;
    :meth:`close` gives it back. Safe to use from several threads: each query in flight has
    a worker of its own.

    Args:
        pool: Where workers come from and go back to; default :func:`default_pool`.
    """

    def __init__(self, pool: WorkerPool | None = None) -> None:
        self._pool = pool if pool is not None else _DEFAULT_POOL
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._held: _Process | None = None

    @property
    def pid(self) -> int | None:
        """Process id of the worker held between queries, if any."""
        held = self._held
        return held.pid if held is not None else None

    def close(self, *, wait: bool = True) -> None:
        """Give the worker back to the pool and forget the data."""
        with self._lock:
            proc, self._held = self._held, None
            self._snapshot = None
        if proc is not None:
            self._pool._give(proc, wait=wait)

    def load(self, store: ox.Store) -> None:
        """Take a copy of ``store``; the next query runs over it (and only over it)."""
        snapshot = _Snapshot(store)
        with self._lock:
            self._snapshot = snapshot

    def query(self, sparql: str, timeout_s: float, max_rows: int) -> QueryResult:
        """Run ``sparql`` with a time limit and a row limit.

        Raises:
            QueryTimeout: the limit passed; the worker was killed.
            SparqlError: the query is malformed or failed, no data was loaded, or the worker died.
            InputTooLarge: the query text is over :data:`MAX_QUERY_CHARS`.
        """
        if len(sparql) > MAX_QUERY_CHARS:
            raise InputTooLarge("sparql", len(sparql), MAX_QUERY_CHARS, "characters")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s: expected a positive number of seconds, got {timeout_s}")
        if max_rows < 0:
            raise ValueError(f"max_rows: expected a non-negative integer, got {max_rows}")
        with self._lock:
            snapshot = self._snapshot
            proc, self._held = self._held, None
        if snapshot is None:
            if proc is not None:
                self._pool._give(proc)
            raise SparqlError("no data loaded into the SPARQL worker")
        if proc is None or not proc.usable():
            if proc is not None:
                proc.kill()
            proc = self._pool._take()
        try:
            if proc.loaded is not snapshot:
                proc.load(snapshot)
            start = time.monotonic()
            reply = proc.request({"op": "query", "sparql": sparql, "max_rows": max_rows}, timeout_s, "SPARQL query")
            seconds = time.monotonic() - start
        except BaseException:
            proc.kill()  # a worker in an unknown state (timed out, died, interrupted) is never reused
            raise
        self._keep(proc)
        if not reply["ok"]:
            kind = "malformed SPARQL" if reply["error"] == "syntax" else f"SPARQL failed ({reply['error']})"
            raise SparqlError(f"{kind}: {reply['message']}")
        if reply["kind"] == "ask":
            return QueryResult(kind="ask", boolean=bool(reply["value"]), seconds=seconds)
        return QueryResult(
            kind=reply["kind"],
            variables=reply["variables"],
            rows=reply["rows"],
            truncated=reply["truncated"],
            seconds=seconds,
        )

    def _keep(self, proc: _Process) -> None:
        with self._lock:
            if self._held is None and proc.loaded is self._snapshot:
                self._held = proc
                return
        self._pool._give(proc)  # another thread keeps one already, or the data changed meanwhile

    def __del__(self) -> None:
        try:
            self.close(wait=False)
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown may have torn down modules
            pass
