"""Materializing entailments: OWL 2 RL with ``reasonable``, RDFS by our own rules.

``reasonable`` (a Rust OWL 2 RL reasoner) computes the instance-level closure; small
Python passes add what it leaves out: property chains (``prp-spo2``, alternated with
reasonable to a fixpoint) and schema-level entailments (``scm-*`` rules), so that the
result matches owlrl's, less owlrl's trivial and axiomatic triples (see
``docs/reasoning.md``). RDFS needs no engine: one pass over the triples with the
transitive subclass and subproperty maps.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from reasoning.kg.terms import OWL, RDF, RDFS

__all__ = ["PROFILES", "materialize_store"]

PROFILES = ("owl-rl", "rdfs", "none")

Triple = tuple[str, str, str]  # N-Triples text of each term
_TYPE, _SCO, _SPO = f"<{RDF}type>", f"<{RDFS}subClassOf>", f"<{RDFS}subPropertyOf>"
_DOM, _RNG = f"<{RDFS}domain>", f"<{RDFS}range>"
_EQC, _EQP = f"<{OWL}equivalentClass>", f"<{OWL}equivalentProperty>"
_INT, _FIRST, _REST, _NIL = f"<{OWL}intersectionOf>", f"<{RDF}first>", f"<{RDF}rest>", f"<{RDF}nil>"
_CHAIN = f"<{OWL}propertyChainAxiom>"
_SCHEMA = {_SCO, _SPO, _DOM, _RNG, _EQC, _EQP, _INT, _FIRST, _REST}


_LOCK = threading.Lock()
_TERMS: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal] = {}


def _key(term: Any) -> str:
    text = str(term)
    _TERMS.setdefault(text, term)
    return text


def _from_rdflib(term: object) -> str:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return _key(ox.NamedNode(str(term)))
    if isinstance(term, rdflib.BNode):
        # the same label as in the dump we gave reasonable, so the same node in the store
        return _key(ox.BlankNode(str(term)))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return _key(ox.Literal(str(term), language=term.language))
    if term.datatype is not None:
        return _key(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
    return _key(ox.Literal(str(term)))


def _closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Transitive closure of a relation, as node -> strict successors (no reflexive pairs)."""
    direct: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        if a != b:
            direct[a].add(b)
    result: dict[str, set[str]] = {}
    for start in list(direct):
        seen: set[str] = set()
        stack = list(direct[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(direct.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def _triples(store: ox.Store, predicates: Iterable[str] | None = None) -> list[Triple]:
    if predicates is None:
        quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        return [(_key(q.subject), _key(q.predicate), _key(q.object)) for q in quads]
    out: list[Triple] = []
    for p in predicates:
        node = ox.NamedNode(p[1:-1])
        _key(node)
        out.extend((_key(q.subject), p, _key(q.object)) for q in store.quads_for_pattern(None, node, None, ox.DefaultGraph()))
    return out


def _schema_entailments(schema: list[Triple]) -> set[Triple]:
    """OWL 2 RL schema rules scm-sco, scm-spo, scm-eqc1/2, scm-eqp1/2, scm-int, scm-dom1/2, scm-rng1/2."""
    by_p: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, p, o in schema:
        by_p[p].append((s, o))
    first = dict(by_p[_FIRST])
    rest = dict(by_p[_REST])
    sco = set(by_p[_SCO])
    spo = set(by_p[_SPO])
    for a, b in by_p[_EQC]:
        sco |= {(a, b), (b, a)}
    for a, b in by_p[_EQP]:
        spo |= {(a, b), (b, a)}
    for cls, head in by_p[_INT]:
        node, guard = head, 0
        while node in first and guard < 10_000:
            sco.add((cls, first[node]))
            node, guard = rest.get(node, _NIL), guard + 1
    sup_c, sup_p = _closure(sco), _closure(spo)
    out: set[Triple] = set()
    for a, sups in sup_c.items():
        out.update((a, _SCO, b) for b in sups)
        out.update((a, _EQC, b) for b in sups if a in sup_c.get(b, ()))
    for a, sups in sup_p.items():
        out.update((a, _SPO, b) for b in sups)
        out.update((a, _EQP, b) for b in sups if a in sup_p.get(b, ()))
    sub_p: dict[str, set[str]] = defaultdict(set)
    for a, sups in sup_p.items():
        for b in sups:
            sub_p[b].add(a)
    for pred in (_DOM, _RNG):
        for prop, cls in by_p[pred]:
            for q in {prop} | sub_p.get(prop, set()):
                for c in {cls} | sup_c.get(cls, set()):
                    out.add((q, pred, c))
    return out


def _rdfs(store: ox.Store) -> set[Triple]:
    """RDFS rules rdfs2, 3, 5, 7, 9, 11 (axiomatic triples are left out)."""
    schema = _triples(store, [_SCO, _SPO, _DOM, _RNG])
    sup_c = _closure((s, o) for s, p, o in schema if p == _SCO)
    sup_p = _closure((s, o) for s, p, o in schema if p == _SPO)
    dom: dict[str, set[str]] = defaultdict(set)
    rng: dict[str, set[str]] = defaultdict(set)
    for s, p, o in schema:
        if p == _DOM:
            dom[s].add(o)
        elif p == _RNG:
            rng[s].add(o)
    out: set[Triple] = set()
    out.update((a, _SCO, b) for a, sups in sup_c.items() for b in sups)
    out.update((a, _SPO, b) for a, sups in sup_p.items() for b in sups)

    def add_type(x: str, cls: str) -> None:
        out.add((x, _TYPE, cls))
        out.update((x, _TYPE, c) for c in sup_c.get(cls, ()))

    for s, p, o in _triples(store):
        props = {p} | sup_p.get(p, set())
        for q in props:
            if q != p:
                out.add((s, q, o))
            for cls in dom.get(q, ()):
                add_type(s, cls)
            if not o.startswith('"'):  # a literal cannot be a subject in RDF
                for cls in rng.get(q, ()):
                    add_type(o, cls)
        if p == _TYPE:
            add_type(s, o)
    return out


def _reasonable(store: ox.Store) -> set[Triple]:
    import reasonable  # imported here: a compiled extension not every caller needs

    fd, path = tempfile.mkstemp(suffix=".ttl")  # reasonable's Rust parser reads files
    try:
        with os.fdopen(fd, "wb") as fh:
            store.dump(fh, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        reasoner = reasonable.PyReasoner()
        reasoner.load_file(path)
        inferred = reasoner.reason()
    finally:
        os.unlink(path)
    memo: dict[object, str] = {}  # the same few predicates and classes recur in most triples

    def key(term: object) -> str:
        text = memo.get(term)
        if text is None:
            text = memo[term] = _from_rdflib(term)
        return text

    return {(key(s), key(p), key(o)) for s, p, o in inferred}


def _chains(schema: list[Triple]) -> list[tuple[str, list[str]]]:
    first = {s: o for s, p, o in schema if p == _FIRST}
    rest = {s: o for s, p, o in schema if p == _REST}
    out = []
    for s, p, o in schema:
        if p == _CHAIN:
            links: list[str] = []
            node = o
            while node in first and len(links) < 100:
                links.append(first[node])
                node = rest.get(node, _NIL)
            if links:
                out.append((s, links))
    return out


def _chain_entailments(chains: list[tuple[str, list[str]]], triples: Iterable[Triple]) -> set[Triple]:
    """prp-spo2, which reasonable does not implement: x p1 y1 ... p_n z gives x P z."""
    wanted = {p for _, links in chains for p in links}
    by_p: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s, p, o in triples:
        if p in wanted:
            by_p[p][s].add(o)
    out: set[Triple] = set()
    for prop, links in chains:
        for start, firsts in by_p[links[0]].items():
            frontier = set(firsts)
            for link in links[1:]:
                frontier = {z for y in frontier for z in by_p[link].get(y, ())}
            out.update((start, prop, z) for z in frontier)
    return out


def _owl_rl(store: ox.Store) -> set[Triple]:
    schema = _triples(store, _SCHEMA | {_CHAIN})
    chains = _chains(schema)
    out = _reasonable(store)
    # property chains feed the other rules and the other rules feed chains: alternate to a fixpoint
    while chains:
        extra = _chain_entailments(chains, out) - out
        if not extra:
            break
        _insert(store, out | extra)
        out = _reasonable(store)
    out |= _schema_entailments(schema)
    return out


def _insert(store: ox.Store, triples: Iterable[Triple]) -> None:
    # terms, not text: parsing text would give every blank node a fresh identity
    graph = ox.DefaultGraph()
    store.bulk_extend(
        ox.Quad(_TERMS[s], _TERMS[p], _TERMS[o], graph)  # type: ignore[arg-type]
        for s, p, o in triples
        if not s.startswith('"')
    )


def materialize_store(store: ox.Store, profile: str) -> int:
    """Add the entailments of ``profile`` to the default graph of ``store``.

    Returns:
        The number of triples added.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile: expected one of {', '.join(PROFILES)}, got {profile!r}")
    if profile == "none":
        return 0
    with _LOCK:  # the term table is shared by the rules of one run
        _TERMS.clear()
        for iri in (_TYPE, _SCO, _SPO, _DOM, _RNG, _EQC, _EQP, _INT, _FIRST, _REST, _NIL, _CHAIN):
            _key(ox.NamedNode(iri[1:-1]))
        before = len(store)
        try:
            _insert(store, _owl_rl(store) if profile == "owl-rl" else _rdfs(store))
        finally:
            _TERMS.clear()
        return len(store) - before
