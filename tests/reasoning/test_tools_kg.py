"""SPARQL, lookup and corpus-search tools, and the default toolbox."""

from __future__ import annotations

import json

import pytest

from reasoning import (
    KnowledgeGraph,
    ToolError,
    UnknownToolError,
    corpus_search_tool,
    default_toolbox,
)
from reasoning.datasets import UniversityData
from reasoning.tools import BM25

DOCS = [
    "The Rhine flows from the Swiss Alps to the North Sea.",
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
    "The Danube is the second-longest river in Europe and flows into the Black Sea.",
    "Ravens can solve multi-step puzzles and plan for the future.",
]


def test_default_toolbox_contents(university_kg: KnowledgeGraph) -> None:
    assert default_toolbox().names() == ["calculator"]
    box = default_toolbox(university_kg, DOCS)
    assert box.names() == ["calculator", "sparql", "kg_lookup", "search"]
    for schema in box.schemas():
        assert schema["parameters"]["type"] == "object"
        assert set(schema["parameters"]["required"]) <= set(schema["parameters"]["properties"])
    with pytest.raises(UnknownToolError):
        default_toolbox().call("sparql", {"query": "ASK {}"})


def test_sparql_tool(small_university: UniversityData, university_kg: KnowledgeGraph) -> None:
    box = default_toolbox(university_kg)
    dept = small_university.facts.departments[0]
    q = f"PREFIX u: <http://nashnet.example/univ#> SELECT ?x WHERE {{ ?x a u:Chair ; u:worksFor <{dept}> }}"
    out = json.loads(box.call("sparql", {"query": q}))
    assert out == {"variables": ["x"], "rows": [[small_university.facts.head_of[dept]]], "truncated": False}
    assert json.loads(box.call("sparql", {"query": "ASK { ?s ?p ?o }"})) == {"boolean": True}
    with pytest.raises(ToolError, match=r"^sparql: malformed SPARQL"):
        box.call("sparql", {"query": "SELEKT"})


def test_sparql_tool_timeout_is_an_error_not_an_answer(university_kg: KnowledgeGraph) -> None:
    from reasoning.tools import sparql_tool

    tool = sparql_tool(university_kg, timeout_s=0.5)
    with pytest.raises(ToolError, match="sparql: SPARQL query exceeded its time limit of 0.5 s"):
        tool.call({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})


def test_kg_lookup_tool(small_university: UniversityData, university_kg: KnowledgeGraph) -> None:
    box = default_toolbox(university_kg)
    head = small_university.facts.head_of[small_university.facts.departments[1]]
    rows = json.loads(box.call("kg_lookup", {"entity": small_university.facts.name[head], "limit": 5}))
    assert len(rows) == 5 and all(r[0] == head for r in rows)
    with pytest.raises(ToolError, match="kg_lookup: ValueError: limit must be between 1 and 200"):
        box.call("kg_lookup", {"entity": head, "limit": 1000})


def test_corpus_search_ranks_by_bm25() -> None:
    tool = corpus_search_tool(DOCS, k=2)
    hits = json.loads(tool.call({"query": "Which river flows into the Black Sea?"}))
    assert [h["doc"] for h in hits] == [2, 0]
    assert json.loads(tool.call({"query": "quantum chromodynamics"})) == []


def test_bm25_scores() -> None:
    index = BM25(["a a b", "b c", "c d d d"])
    scores = index.scores("a")
    assert scores[0] > 0 and scores[1] == scores[2] == 0
    assert index.search("d c", 3)[0][0] == 2
