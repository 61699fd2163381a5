"""The SPARQL worker process: holds a copy of one store and answers queries on stdin.

It is a separate process so that a query that would never end can be stopped by
killing it; oxigraph evaluates inside native code that no thread can interrupt.
A worker outlives one graph: the parent keeps idle workers in a pool and reuses them,
so every ``load`` replaces the whole store and ``clear`` empties it.

Protocol: one JSON object per line each way. Requests are
``{"op": "load", "data": <N-Quads text>}`` or ``{"op": "load", "path": <N-Quads file>}``,
``{"op": "clear"}`` and ``{"op": "query", "sparql": ..., "max_rows": ...}``.

Run as ``python -m reasoning.kg.worker [PARENT_PID]``: with a parent id the worker exits
as soon as that process is gone, even in the middle of a query.
"""

from __future__ import annotations

import json
import os
import select
import sys
import threading
import time
from typing import Any

import pyoxigraph as ox

from reasoning.kg.evaluate import run_query


def _exit_with(parent: int) -> None:
    """Exit this process once ``parent`` has exited (it closed our stdin, or it was killed)."""
    if os.getppid() != parent:  # already reparented: the parent is gone
        os._exit(0)
    try:
        fd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll for reparenting
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    select.select([fd], [], [])
    os._exit(0)


def _load(request: dict[str, Any]) -> ox.Store:
    store = ox.Store()
    if request.get("path") is not None:
        store.bulk_load(path=request["path"], format=ox.RdfFormat.N_QUADS)
    elif request.get("data"):
        store.bulk_load(request["data"].encode(), format=ox.RdfFormat.N_QUADS)
    return store


def main() -> None:
    if len(sys.argv) > 1:
        # oxigraph releases the GIL while it evaluates, so this thread runs even during a runaway query
        threading.Thread(target=_exit_with, args=(int(sys.argv[1]),), daemon=True).start()
    store = ox.Store()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "load":
                store = ox.Store()  # drop the old graph before the new one is read
                store = _load(request)
                reply: dict[str, Any] = {"ok": True, "triples": len(store)}
            elif request["op"] == "clear":
                store = ox.Store()
                reply = {"ok": True, "triples": 0}
            else:
                reply = run_query(store, request["sparql"], int(request["max_rows"]))
        except SyntaxError as exc:
            reply = {"ok": False, "error": "syntax", "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises SparqlError
            reply = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
