"""Neuro-symbolic control flow against a scripted model (see scripted.py); the graph and SPARQL are real."""

from __future__ import annotations

import json

from agents.neuro_symbolic import NeuroSymbolicAgent, link_entities
from agents.specs import NeuroSymbolicSpec
from reasoning import KnowledgeGraph
from tests.agents.scripted import scripted_lm

TTL = """@prefix ex: <http://e.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Professor rdfs:subClassOf ex:Faculty .
ex:logic ex:name "Department of Logic" .
ex:ada a ex:Professor ; ex:name "Ada Baker" ; ex:worksFor ex:logic .
ex:alan a ex:Faculty ; ex:name "Alan Costa" ; ex:worksFor ex:logic ."""

GOOD = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ex:Faculty ; ex:worksFor <http://e.org/logic> }"


def spec(question: str) -> NeuroSymbolicSpec:
    return NeuroSymbolicSpec(question=question, data={"format": "turtle", "text": TTL}, reasoning="rdfs")


def q(sparql: str) -> str:
    return json.dumps({"sparql": sparql})


def test_answer_over_the_closure_with_linked_entities() -> None:
    lm, engine = scripted_lm(q(GOOD))
    result = NeuroSymbolicAgent(lm).run(spec("How many faculty work for Department of Logic?"))
    assert result.ok and result.answer == "2" and result.counters.lm_calls == 1
    assert '<http://e.org/logic> = "Department of Logic"' in engine.requests[0].messages[0].text


def test_bad_sparql_gets_one_repair_with_the_reason() -> None:
    lm, engine = scripted_lm(q("SELEC ?x"), q(GOOD))
    result = NeuroSymbolicAgent(lm).run(spec("How many faculty work for Department of Logic?"))
    assert result.ok and result.answer == "2"
    repair = engine.requests[1].messages[0].text
    assert "This query failed: SELEC ?x" in repair and "malformed SPARQL" in repair


def test_zero_count_and_wrong_shape_fail_the_check() -> None:
    zero = "SELECT (COUNT(?x) AS ?n) WHERE { ?x a ex:Nothing }"
    rows = "SELECT ?x WHERE { ?x a ex:Faculty }"
    lm, _ = scripted_lm(q(zero), q(rows))
    result = NeuroSymbolicAgent(lm).run(spec("How many faculty work for Department of Logic?"))
    assert not result.ok and "one integer" in (result.error or "")
    checks = [e["reason"] for e in result.trace if e["type"] == "check_failed"]
    assert "count is 0" in checks[0]


def test_repeated_query_ends_the_repair() -> None:
    empty = "SELECT ?x WHERE { ?x a ex:Dragon }"
    lm, _ = scripted_lm(q(empty), q(empty))
    result = NeuroSymbolicAgent(lm).run(spec("Which dragons are there?"))
    assert not result.ok and "repeated a failed query" in (result.error or "")


def test_entity_linking_keeps_longest_names() -> None:
    kg = KnowledgeGraph.from_text(TTL + ' ex:l2 ex:name "Logic" .')
    try:
        assert link_entities(kg, 'Who works for Department of Logic? "quoted"') == [
            ("http://e.org/logic", "Department of Logic")
        ]
    finally:
        kg.close()
