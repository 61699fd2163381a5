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


def test_repair_that_repeats_the_failed_query_is_redrawn() -> None:
    # Greedy decoding tends to write the failed query again; the repair round must not
    # spend itself on it: a verbatim repeat is drawn again, seeded, at a temperature.
    empty = "SELECT ?x WHERE { ?x a ex:Dragon }"
    lm, engine = scripted_lm(q(empty), q(empty), q(GOOD))
    result = NeuroSymbolicAgent(lm).run(spec("How many faculty work for Department of Logic?"))
    assert result.ok and result.answer == "2", result.error
    queries = [e["args"]["query"] for e in result.trace if e["type"] == "tool_call"]
    assert len(queries) == 2 and queries[0] != queries[1]  # the repeat never ran
    temperatures = [r.config.temperature for r in engine.requests]
    seeds = [r.config.seed for r in engine.requests]
    assert temperatures[:2] == [0.0, 0.0] and temperatures[2] > 0 and seeds[2] != seeds[1]


def test_repair_that_only_repeats_ends_with_an_error() -> None:
    empty = "SELECT ?x WHERE { ?x a ex:Dragon }"
    lm, _ = scripted_lm(*[q(empty)] * 4)
    result = NeuroSymbolicAgent(lm).run(spec("Which dragons are there?"))
    assert not result.ok and "repeated a failed query" in (result.error or "")
    assert result.counters.lm_calls == 4  # the try, the repair and its two redraws


def test_true_count_of_zero_is_an_answer() -> None:
    # Every name in the query occurs in the graph, so 0 is the answer, not a misspelling.
    zero = 'SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ex:Professor ; ex:name "Alan Costa" }'
    lm, _ = scripted_lm(q(zero))
    result = NeuroSymbolicAgent(lm).run(spec("How many professors are named Alan Costa?"))
    assert result.ok and result.answer == "0", result.error
    assert result.counters.lm_calls == 1


def test_zero_from_a_pattern_that_cannot_match_is_repaired() -> None:
    # a class IRI where an individual belongs: both names exist, the pattern matches nothing
    wrong = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ex:Faculty ; ex:worksFor ex:Faculty }"
    lm, _ = scripted_lm(q(wrong), q(GOOD))
    result = NeuroSymbolicAgent(lm).run(spec("How many faculty work for Department of Logic?"))
    assert result.ok and result.answer == "2", result.error
    checks = [e["reason"] for e in result.trace if e["type"] == "check_failed"]
    assert len(checks) == 1 and "<http://e.org/worksFor> <http://e.org/Faculty>" in checks[0]


def test_false_ask_stands_only_over_known_names() -> None:
    known = "ASK { <http://e.org/alan> a ex:Professor }"
    misspelt = "ASK { <http://e.org/alan> a ex:Profesor }"
    lm, _ = scripted_lm(q(misspelt), q(known))
    result = NeuroSymbolicAgent(lm).run(spec("Is Alan Costa a professor?"))
    assert result.ok and result.answer == "false", result.error
    checks = [e["reason"] for e in result.trace if e["type"] == "check_failed"]
    assert len(checks) == 1 and "<http://e.org/Profesor>" in checks[0]


def test_entity_linking_keeps_longest_names() -> None:
    kg = KnowledgeGraph.from_text(TTL + ' ex:l2 ex:name "Logic" .')
    try:
        assert link_entities(kg, 'Who works for Department of Logic? "quoted"') == [
            ("http://e.org/logic", "Department of Logic")
        ]
    finally:
        kg.close()
