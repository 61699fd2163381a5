"""SPARQL: answers over the closure, time limit, row limit, bad queries."""

from __future__ import annotations

import time

import pytest

from reasoning import InputTooLarge, KnowledgeGraph, QueryTimeout, SparqlError
from reasoning.datasets import UniversityData, university_questions

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_generated_questions_need_inference_and_are_answered(
    small_university: UniversityData, university_kg: KnowledgeGraph
) -> None:
    questions = university_questions(small_university, n=33, seed=2)
    for q in questions:
        assert university_kg.query(q.sparql).answer() == q.answer, q.id
    with KnowledgeGraph.from_text(small_university.turtle()) as plain:
        right = sum(plain.query(q.sparql).answer() == q.answer for q in questions)
    assert right <= 3  # without inference the answers are wrong


def test_never_ending_query_times_out_and_worker_recovers(university_kg: KnowledgeGraph) -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        university_kg.query(CROSS_JOIN, timeout_s=1.0)
    elapsed = time.monotonic() - start
    assert 1.0 <= elapsed < 4.0
    assert info.value.timeout_s == 1.0
    assert isinstance(info.value, TimeoutError)
    assert university_kg.query("ASK { ?s ?p ?o }", timeout_s=5.0).boolean is True


def test_row_limit_truncates(university_kg: KnowledgeGraph) -> None:
    result = university_kg.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=7)
    assert result.truncated and len(result.rows) == 7
    assert result.variables == ["s", "p", "o"]
    small = university_kg.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", max_rows=7)
    assert not small.truncated and len(small.rows) == 3


def test_in_process_mode_matches_worker(university_kg: KnowledgeGraph) -> None:
    q = "PREFIX u: <http://nashnet.example/univ#> SELECT ?x WHERE { ?x a u:Chair } ORDER BY ?x"
    assert university_kg.query(q, timeout_s=None).rows == university_kg.query(q).rows


def test_bad_queries(university_kg: KnowledgeGraph) -> None:
    with pytest.raises(SparqlError, match="malformed SPARQL"):
        university_kg.query("SELEKT ?x WHERE { ?x ?y ?z }")
    with pytest.raises(SparqlError, match="malformed SPARQL"):
        university_kg.query("SELEKT ?x", timeout_s=None)
    with pytest.raises(SparqlError, match="non-empty query"):
        university_kg.query("  ")
    with pytest.raises(InputTooLarge, match="sparql is 100001 characters"):
        university_kg.query("#" * 100_001)
    with pytest.raises(ValueError, match="timeout_s"):
        university_kg.query("ASK {}", timeout_s=0)


def test_graph_change_reaches_the_worker() -> None:
    with KnowledgeGraph.from_text("<http://e/a> <http://e/p> <http://e/b> .", "ntriples") as kg:
        assert kg.query("SELECT ?o WHERE { <http://e/a> <http://e/p> ?o }").answer() == "http://e/b"
        kg.load("<http://e/a> <http://e/p> <http://e/c> .", "ntriples")
        assert kg.query("SELECT ?o WHERE { <http://e/a> <http://e/p> ?o }").answer() == "http://e/b, http://e/c"
