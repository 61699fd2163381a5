"""SPARQL worker reuse: pooled processes, no data shared between graphs, a time limit that still kills."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from reasoning import KnowledgeGraph, QueryTimeout, SparqlError
from reasoning.kg import query as query_module
from reasoning.kg.query import SparqlWorker, WorkerPool, default_pool

# Twelve patterns over ten triples: 10**12 solutions, so even a tiny graph can run away.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(12)) + " }"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


def _store(name: str, n: int = 10) -> ox.Store:
    store = ox.Store()
    for i in range(n):
        store.add(ox.Quad(ox.NamedNode(f"http://{name}/s{i}"), ox.NamedNode(f"http://{name}/p"), ox.Literal(str(i))))
    return store


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _exits_within(pid: int, seconds: float) -> bool:
    """True when ``pid`` exits (or is a zombie of someone else) within ``seconds``."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], seconds)[0])  # readable once the process has exited
    finally:
        os.close(fd)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    pool = WorkerPool(max_idle=2)
    yield pool
    pool.close()


def test_worker_is_reused_and_holds_only_the_new_graph(pool: WorkerPool) -> None:
    first = SparqlWorker(pool)
    first.load(_store("a"))
    assert len(first.query(ALL, 5.0, 100).rows) == 10
    pid = first.pid
    assert pid is not None
    first.close()
    assert pool.idle_pids() == [pid]

    second = SparqlWorker(pool)
    second.load(_store("b", 3))
    rows = second.query(ALL, 5.0, 100).rows
    assert second.pid == pid  # the same process, not a new one
    assert pool.idle_pids() == []
    assert [row[0] for row in rows] == [f"http://b/s{i}" for i in range(3)]
    assert second.query("ASK { <http://a/s1> ?p ?o }", 5.0, 100).boolean is False
    assert second.query("SELECT ?s WHERE { ?s <http://a/p> ?o }", 5.0, 100).rows == []
    second.close()


def test_knowledge_graphs_share_pooled_workers() -> None:
    with KnowledgeGraph.from_text("<http://e/a> <http://e/p> <http://e/b> .", "ntriples") as kg:
        assert kg.query("ASK { <http://e/a> <http://e/p> <http://e/b> }").boolean is True
    idle = default_pool().idle_pids()
    assert idle
    with KnowledgeGraph.from_text("<http://e/c> <http://e/p> <http://e/d> .", "ntriples") as kg:
        assert kg.query("ASK { <http://e/a> ?p ?o }").boolean is False
        assert default_pool().idle_pids() == idle[:-1]  # the newest idle worker was taken
    assert default_pool().idle_pids() == idle


def test_timeout_kills_the_worker_and_it_is_not_pooled(pool: WorkerPool) -> None:
    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    assert worker.query("ASK { ?s ?p ?o }", 5.0, 10).boolean is True
    worker.close()
    (pid,) = pool.idle_pids()

    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    start = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        worker.query(RUNAWAY, 0.5, 10)
    assert 0.5 <= time.monotonic() - start < 3.0
    assert info.value.timeout_s == 0.5
    assert _gone(pid)  # killed and reaped
    assert worker.pid is None and pool.idle_pids() == []
    assert worker.query("ASK { <http://a/s0> ?p ?o }", 5.0, 10).boolean is True  # a fresh worker, data reloaded
    assert worker.pid not in (None, pid)
    worker.close()


def test_failed_query_keeps_the_worker(pool: WorkerPool) -> None:
    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    worker.query("ASK { ?s ?p ?o }", 5.0, 10)
    pid = worker.pid
    with pytest.raises(SparqlError, match="malformed SPARQL"):
        worker.query("SELEKT ?x", 5.0, 10)
    assert worker.pid == pid
    worker.close()


def test_idle_workers_are_bounded(pool: WorkerPool) -> None:
    workers = [SparqlWorker(pool) for _ in range(4)]
    for i, worker in enumerate(workers):
        worker.load(_store(f"g{i}"))
        worker.query("ASK { ?s ?p ?o }", 5.0, 10)
    pids = [w.pid for w in workers]
    assert len(set(pids)) == 4
    for worker in workers:
        worker.close()
    kept = pool.idle_pids()
    assert kept == pids[:2]
    assert all(_gone(pid) for pid in pids[2:] if pid is not None)


def test_concurrent_queries_get_distinct_workers(pool: WorkerPool) -> None:
    shared = SparqlWorker(pool)
    shared.load(_store("shared", 5))
    barrier = threading.Barrier(6)
    answers: dict[int, tuple[list[list[str]], list[list[str]]]] = {}

    def run(i: int) -> None:
        own = SparqlWorker(pool)
        own.load(_store(f"g{i}", i + 1))
        barrier.wait()
        answers[i] = (own.query(ALL, 10.0, 100).rows, shared.query(ALL, 10.0, 100).rows)
        own.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected_shared = shared.query(ALL, 5.0, 100).rows
    for i, (own_rows, shared_rows) in answers.items():
        assert [row[0] for row in own_rows] == [f"http://g{i}/s{j}" for j in range(i + 1)]
        assert shared_rows == expected_shared
    assert len(pool.idle_pids()) <= 2
    shared.close()


def test_large_graph_travels_by_file_and_the_file_is_removed(
    pool: WorkerPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_module, "_INLINE_MAX_QUADS", 5)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    assert len(list(tmp_path.glob("*.nq"))) == 1
    assert len(worker.query(ALL, 5.0, 100).rows) == 10
    worker.close()
    assert list(tmp_path.glob("*.nq")) == []


def test_worker_that_held_a_large_graph_is_not_kept(pool: WorkerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_module, "_POOL_MAX_QUADS", 5)
    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    worker.query("ASK { ?s ?p ?o }", 5.0, 10)
    pid = worker.pid
    worker.close()
    assert pool.idle_pids() == []
    assert pid is not None and _gone(pid)


def test_forked_child_never_uses_the_parents_workers(pool: WorkerPool) -> None:
    worker = SparqlWorker(pool)
    worker.load(_store("a"))
    worker.query("ASK { ?s ?p ?o }", 5.0, 10)
    parent_pid = worker.pid
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        ok = pool.idle_pids() == [] and worker.query("ASK { <http://a/s0> ?p ?o }", 5.0, 10).boolean is True
        ok = ok and worker.pid != parent_pid
        worker.close()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert worker.query("ASK { <http://a/s0> ?p ?o }", 5.0, 10).boolean is True
    assert worker.pid == parent_pid
    worker.close()


_PARENT = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    import pyoxigraph as ox
    from reasoning import KnowledgeGraph
    from reasoning.kg.query import SparqlWorker, default_pool

    busy = SparqlWorker()
    busy.load(KnowledgeGraph.from_text("".join(f"<http://e/{i}> <http://e/p> {i} ." for i in range(10))).store)
    busy.query("ASK { ?s ?p ?o }", 5.0, 10)
    busy_pid = busy.pid
    graphs = [KnowledgeGraph.from_text(f"<http://e/{i}> <http://e/p> <http://e/o> .", "ntriples") for i in range(2)]
    for kg in graphs:
        kg.query("ASK { ?s ?p ?o }")
    for kg in graphs:
        kg.close()
    threading.Thread(target=busy.query, args=(sys.argv[2], 600.0, 10), daemon=True).start()
    time.sleep(0.3)  # let the runaway query start
    print(*default_pool().idle_pids(), busy_pid, flush=True)
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_no_worker_outlives_its_parent(how: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PARENT, how, RUNAWAY],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
    )
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 3, proc.stderr  # two idle workers and one busy in a runaway query
    if how == "exit":
        assert all(_gone(pid) for pid in pids)  # killed and reaped by the parent on exit
    else:
        assert all(_exits_within(pid, 10.0) for pid in pids)  # idle: end of input; busy: watches the parent
