"""Symbolic checks of a model-written query's result before it may become an answer.

A count of 0 or an ASK that says no is the usual symptom of a misspelt class,
property or name, or of a pattern that cannot match (a class IRI where an individual
belongs: ``?x ex:worksFor ex:Department``), but it can also be the true answer. The two
are told apart by the query itself: when every IRI and every quoted name it uses occurs
in the graph and each of its triple patterns, taken alone, matches something, the 0 (or
the no) stands; otherwise what does not occur or match is named, so the repair round
knows what to change.
"""

from __future__ import annotations

import re
from typing import Any

from reasoning import KnowledgeGraph, QueryResult

__all__ = ["check_result", "unknown_terms", "unmatched_patterns"]

_INTEGER = re.compile(r"^[+-]?\d+$")
_PREFIX_DECL = re.compile(r"PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE)
_IRI = re.compile(r"<([^<>\s]+)>")
_PNAME = re.compile(r"(?<![\w<?$:/#])([A-Za-z][\w-]*)?:([A-Za-z_][\w.-]*[\w-]|[A-Za-z_])")
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
# Vocabularies every closure knows or a FILTER may name (xsd:integer...): never "unknown".
_BUILTIN = (
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
)


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _query_terms(query: str) -> tuple[list[str], list[str]]:
    """The IRIs (prefixed names expanded) and string literals a query uses, in order of appearance."""
    prefixes = {m.group(1): m.group(2) for m in _PREFIX_DECL.finditer(query)}
    body = _PREFIX_DECL.sub(" ", query)
    literals = [m.group(1) for m in _LITERAL.finditer(body)]
    body = _LITERAL.sub('""', body)
    iris = [m.group(1) for m in _IRI.finditer(body)]
    for m in _PNAME.finditer(_IRI.sub(" ", body)):
        namespace = prefixes.get(m.group(1) or "")
        if namespace is not None:
            iris.append(namespace + m.group(2))
    return list(dict.fromkeys(iris)), list(dict.fromkeys(literals))


def unknown_terms(kg: KnowledgeGraph, query: str, *, timeout_s: float = 5.0) -> list[str]:
    """The IRIs and quoted names of ``query`` that occur nowhere in ``kg`` (as ``<iri>`` or ``"text"``)."""
    iris, literals = _query_terms(query)
    missing: list[str] = []
    for iri in iris:
        if iri.startswith(_BUILTIN):
            continue
        ask = f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s <{iri}> ?o }} UNION {{ ?s ?p <{iri}> }} }}"
        if not kg.query(ask, timeout_s=timeout_s).boolean:
            missing.append(f"<{iri}>")
    for text in literals:
        ask = f"ASK {{ ?s ?p ?o FILTER(isLiteral(?o) && STR(?o) = {_sparql_string(text)}) }}"
        if not kg.query(ask, timeout_s=timeout_s).boolean:
            missing.append(_sparql_string(text))
    return missing


def _triple_patterns(node: Any, out: list[tuple[Any, Any, Any]]) -> None:
    if getattr(node, "name", None) == "BGP":
        out.extend(node.triples)
    if isinstance(node, dict):
        for value in node.values():
            _triple_patterns(value, out)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _triple_patterns(value, out)


def unmatched_patterns(kg: KnowledgeGraph, query: str, *, timeout_s: float = 5.0) -> list[str]:
    """The triple patterns of ``query`` that match nothing in ``kg`` on their own.

    Only patterns with a variable count: a ground pattern that is false is what an ASK asks.
    """
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import Variable

    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # rdflib raises many types; the engine already parsed and ran the query
        return []
    patterns: list[tuple[Any, Any, Any]] = []
    _triple_patterns(algebra, patterns)
    unmatched = []
    for triple in dict.fromkeys(patterns):
        if not any(isinstance(term, Variable) for term in triple):
            continue
        text = " ".join(term.n3() for term in triple)
        if not kg.query(f"ASK {{ {text} }}", timeout_s=timeout_s).boolean:
            unmatched.append("{ " + text + " }")
    return unmatched


def _empty_answer_check(kg: KnowledgeGraph | None, query: str | None, what: str) -> str | None:
    if kg is None or query is None:
        return f"{what}, and without the graph the query's names cannot be checked"
    missing = unknown_terms(kg, query)
    if missing:
        return f"{what} and {', '.join(missing[:4])} occur nowhere in the graph; use the graph's own names"
    unmatched = unmatched_patterns(kg, query)
    if unmatched:
        return f"{what} and the pattern {unmatched[0]} matches nothing in the graph; check what it links"
    return None  # every name exists and every pattern matches: the empty answer is the true one


def check_result(
    question: str | None, result: QueryResult, kg: KnowledgeGraph | None = None, query: str | None = None
) -> str | None:
    """Return why ``result`` cannot answer ``question``, or None when it passes every check.

    Args:
        question: The question, used to expect a single integer for "how many".
        result: What the query returned.
        kg: The graph the query ran on; with ``query``, lets a count of 0 or an ASK
            that says no stand when every name in the query occurs in the graph.
        query: The query text.
    """
    if result.kind == "ask":
        if result.boolean:
            return None
        return _empty_answer_check(kg, query, "the ASK is false")
    if result.kind != "select":
        return "it must be a SELECT or ASK query, not CONSTRUCT/DESCRIBE"
    if not result.rows:
        return "it returned no rows; check class and property names and the exact ex:name text"
    if any(not row or row[0] == "" for row in result.rows):
        return f"its first column ?{result.variables[0] if result.variables else 'x'} has unbound values"
    if question and re.match(r"\s*how many\b", question, re.IGNORECASE):
        if len(result.rows) != 1 or len(result.rows[0]) != 1 or not _INTEGER.match(result.rows[0][0]):
            return "a 'how many' question needs one integer: SELECT (COUNT(DISTINCT ?x) AS ?n)"
        if int(result.rows[0][0]) == 0:
            return _empty_answer_check(kg, query, "the count is 0")
    return None
