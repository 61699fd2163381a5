"""owlrl as the reference reasoner, and the normal form closures are compared in.

The normal form drops what owlrl derives for every resource regardless of the data
(reflexive ``sameAs``/``subClassOf``/``equivalentClass``, ``owl:Thing`` typing, typing
with RDF/RDFS/OWL/XSD vocabulary classes other than owl:Class and property kinds, triples
about the W3C vocabularies themselves, triples with literal subjects) and triples with
blank nodes (restriction classes, whose labels differ between engines); it reads
``"x"^^xsd:string`` as ``"x"`` (the same literal in RDF 1.1).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from reasoning.kg.terms import OWL, RDF, RDFS, XSD

__all__ = ["normalize", "owlrl_closure", "rdflib_to_oxigraph", "store_triples"]

_KEPT_TYPES = {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "TransitiveProperty"}
_REFLEXIVE = {OWL + "sameAs", RDFS + "subClassOf", RDFS + "subPropertyOf", OWL + "equivalentClass", OWL + "equivalentProperty"}
_W3 = "http://www.w3.org/"


def _term(node: object) -> str | None:
    """Text of a term in the normal form; None for a blank node."""
    if isinstance(node, ox.BlankNode):
        return None
    if isinstance(node, ox.NamedNode):
        return "<" + node.value + ">"
    if isinstance(node, ox.Literal):
        if node.language:
            return f'"{node.value}"@{node.language}'
        if node.datatype.value == XSD + "string":
            return f'"{node.value}"'
        return f'"{node.value}"^^<{node.datatype.value}>'
    return None


def normalize(triples: Iterable[tuple[object, object, object]]) -> set[tuple[str, str, str]]:
    """Return the comparable part of a closure given as oxigraph terms."""
    out: set[tuple[str, str, str]] = set()
    for s, p, o in triples:
        if not isinstance(s, ox.NamedNode) or s.value.startswith(_W3):
            continue
        ts, tp, to = _term(s), _term(p), _term(o)
        if ts is None or tp is None or to is None:
            continue
        pv = p.value if isinstance(p, ox.NamedNode) else ""
        if pv in _REFLEXIVE and ts == to:
            continue
        if isinstance(o, ox.NamedNode) and o.value == OWL + "Thing":
            continue
        if pv == RDF + "type" and isinstance(o, ox.NamedNode) and o.value.startswith(_W3) and o.value not in _KEPT_TYPES:
            continue
        out.add((ts, tp, to))
    return out


def store_triples(store: ox.Store) -> list[tuple[object, object, object]]:
    return [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]


def owlrl_closure(turtle: str, profile: str = "owl-rl") -> list[tuple[object, object, object]]:
    """Closure computed by owlrl (slow; for tests and benchmarks), as oxigraph terms."""
    import owlrl
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=turtle, format="turtle")
    semantics = owlrl.OWLRL_Semantics if profile == "owl-rl" else owlrl.RDFS_Semantics
    owlrl.DeductiveClosure(semantics).expand(graph)
    out: list[tuple[object, object, object]] = []
    for s, p, o in graph:
        if isinstance(s, rdflib.Literal):  # owlrl's literal-subject triples are not RDF
            continue
        out.append(tuple(rdflib_to_oxigraph(x) for x in (s, p, o)))  # type: ignore[arg-type]
    return out


def rdflib_to_oxigraph(term: object) -> object:
    """Convert an rdflib term to oxigraph (blank nodes become fresh ones)."""
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode()
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))
