"""Tools over a knowledge graph and a document corpus, and the default toolbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reasoning.tools.base import Tool, Toolbox
from reasoning.tools.bm25 import BM25
from reasoning.tools.calculator import calculator_tool

if TYPE_CHECKING:
    from reasoning.kg import KnowledgeGraph

__all__ = ["corpus_search_tool", "default_toolbox", "kg_lookup_tool", "sparql_tool"]


def sparql_tool(kg: KnowledgeGraph, *, timeout_s: float = 5.0, max_rows: int = 100) -> Tool:
    """The ``sparql`` tool: run a query over ``kg``; rows come back as compact JSON."""

    def sparql(query: str) -> dict[str, Any]:
        return kg.query(query, timeout_s=timeout_s, max_rows=max_rows).to_dict()

    return Tool(
        name="sparql",
        description=(
            f"Run a SPARQL query (SELECT or ASK) over the knowledge graph, inferred facts included. "
            f"At most {max_rows} rows, {timeout_s:g} s."
        ),
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string", "description": "SPARQL with PREFIX lines"}},
            "required": ["query"],
        },
        fn=sparql,
    )


def kg_lookup_tool(kg: KnowledgeGraph) -> Tool:
    """The ``kg_lookup`` tool: triples about an entity named by IRI, local name or label."""

    def kg_lookup(entity: str, limit: int = 20) -> list[list[str]]:
        if not 1 <= limit <= 200:
            raise ValueError(f"limit must be between 1 and 200, got {limit}")
        return [list(t) for t in kg.lookup(entity, limit)]

    return Tool(
        name="kg_lookup",
        description="List facts (subject, predicate, object) about an entity, found by IRI, short name or label.",
        parameters={
            "type": "object",
            "properties": {
                "entity": {"type": "string", "description": "IRI, local name or exact label"},
                "limit": {"type": "integer", "description": "most triples to return (default 20)"},
            },
            "required": ["entity"],
        },
        fn=kg_lookup,
    )


def corpus_search_tool(documents: Sequence[str], *, k: int = 3) -> Tool:
    """The ``search`` tool: BM25 over ``documents``; returns the best passages with their index."""
    index = BM25(documents)

    def search(query: str) -> list[dict[str, Any]]:
        return [{"doc": i, "text": index.documents[i]} for i, _ in index.search(query, k)]

    return Tool(
        name="search",
        description=f"Search the local document collection; returns up to {k} matching passages.",
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string", "description": "keywords"}},
            "required": ["query"],
        },
        fn=search,
    )


def default_toolbox(kg: KnowledgeGraph | None = None, documents: Sequence[str] | None = None) -> Toolbox:
    """The calculator, plus ``sparql`` and ``kg_lookup`` given a graph, plus ``search`` given documents."""
    tools = [calculator_tool()]
    if kg is not None:
        tools += [sparql_tool(kg), kg_lookup_tool(kg)]
    if documents is not None:
        tools.append(corpus_search_tool(documents))
    return Toolbox(tools)
