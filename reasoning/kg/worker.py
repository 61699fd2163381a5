"""The SPARQL worker process: holds a copy of the store and answers queries on stdin.

It is a separate process so that a query that would never end can be stopped by
killing it; oxigraph evaluates inside native code that no thread can interrupt.
Protocol: one JSON object per line each way. Requests ``{"op": "load", "path": ...}``
or ``{"op": "query", "sparql": ..., "max_rows": ...}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyoxigraph as ox

from reasoning.kg.evaluate import run_query


def main() -> None:
    store = ox.Store()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "load":
                store = ox.Store()
                with open(request["path"], "rb") as fh:
                    store.bulk_load(fh, format=ox.RdfFormat.N_QUADS)
                reply: dict[str, Any] = {"ok": True, "triples": len(store)}
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
