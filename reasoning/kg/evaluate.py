"""Evaluating one SPARQL query over a store into plain rows of canonical text."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from reasoning.kg.terms import canonical

__all__ = ["run_query"]


def run_query(store: ox.Store, sparql: str, max_rows: int) -> dict[str, Any]:
    result = store.query(sparql)
    if isinstance(result, ox.QueryBoolean):
        return {"ok": True, "kind": "ask", "value": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[list[str]] = []
        truncated = False
        for solution in result:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append([canonical(solution[i]) for i in range(len(variables))])
        return {"ok": True, "kind": "select", "variables": variables, "rows": rows, "truncated": truncated}
    rows, truncated = [], False  # CONSTRUCT / DESCRIBE: triples as rows
    for triple in result:
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append([canonical(triple.subject), canonical(triple.predicate), canonical(triple.object)])
    return {"ok": True, "kind": "graph", "variables": ["subject", "predicate", "object"], "rows": rows, "truncated": truncated}
