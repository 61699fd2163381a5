"""Compact descriptions of a graph: a schema summary for prompts, and entity lookup."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from reasoning.kg.terms import OWL, RDF, RDFS, W3C_PREFIXES, canonical, local_name

__all__ = ["lookup", "schema_summary"]

_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_DG = ox.DefaultGraph()


def _short(iri: str, prefixes: dict[str, str]) -> str:
    for name, ns in prefixes.items():
        if iri.startswith(ns) and ns:
            return f"{name}:{iri[len(ns):]}"
    return f"<{iri}>"


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _objects(store: ox.Store, pred: str) -> list[tuple[str, str]]:
    quads = store.quads_for_pattern(None, ox.NamedNode(pred), None, _DG)
    return [(q.subject.value, q.object.value) for q in quads if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]


def schema_summary(store: ox.Store, *, examples: int = 5, max_items: int = 80) -> str:
    """Describe classes, subclass edges, properties with domain/range and a few triples.

    Meant as the part of a prompt that lets a language model write SPARQL; names use
    prefixes, which are declared in the first lines so they can be pasted into a query.
    """
    classes: set[str] = set()
    for s, o in _objects(store, RDF + "type"):
        if o in (OWL + "Class", RDFS + "Class"):
            classes.add(s)
    used_types = {q.object.value for q in store.quads_for_pattern(None, _TYPE, None, _DG) if isinstance(q.object, ox.NamedNode)}
    classes |= {c for c in used_types if not c.startswith("http://www.w3.org/")}
    sub_all = {(s, o) for s, o in _objects(store, RDFS + "subClassOf") if s != o and not o.startswith(OWL)}
    ups: dict[str, set[str]] = defaultdict(set)
    for s, o in sub_all:
        ups[s].add(o)
    # direct edges only: a materialized graph holds the whole transitive closure
    sub = [(s, o) for s, o in sub_all if not any(o in ups[m] for m in ups[s] if m != o)]
    domain, rng = defaultdict(set), defaultdict(set)
    for s, o in _objects(store, RDFS + "domain"):
        domain[s].add(o)
    for s, o in _objects(store, RDFS + "range"):
        rng[s].add(o)
    props: set[str] = {s for s, o in _objects(store, RDF + "type") if o in (OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property", OWL + "TransitiveProperty")}
    props |= set(domain) | set(rng)
    inverse = _objects(store, OWL + "inverseOf")
    transitive = {s for s, o in _objects(store, RDF + "type") if o == OWL + "TransitiveProperty"}
    namespaces: dict[str, int] = defaultdict(int)
    for iri in classes | props:
        namespaces[_namespace(iri)] += 1
    prefixes = dict(W3C_PREFIXES)
    for i, (ns, _) in enumerate(sorted(namespaces.items(), key=lambda kv: -kv[1])):
        if ns not in prefixes.values():
            prefixes["ex" if i == 0 else f"ns{i}"] = ns
    data_ns = next((_namespace(q.subject.value) for q in store.quads_for_pattern(None, _TYPE, None, _DG)
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value not in classes | props), None)
    if data_ns and data_ns not in prefixes.values():
        prefixes["data"] = data_ns
    p = lambda iri: _short(iri, prefixes)
    lines = [f"PREFIX {k}: <{v}>" for k, v in prefixes.items() if k not in ("xsd",)]
    lines.append(f"# {len(store)} triples")
    lines.append("Classes: " + ", ".join(sorted(p(c) for c in classes)[:max_items]))
    if sub:
        direct = sorted(f"{p(s)} ⊑ {p(o)}" for s, o in sub)
        lines.append("Subclasses: " + "; ".join(direct[:max_items]))
    if props:
        lines.append("Properties:")
        for prop in sorted(props, key=p)[:max_items]:
            bits = []
            for label, table in (("domain", domain), ("range", rng)):
                most_specific = {c for c in table.get(prop, ()) if not any(c in ups[d] for d in table[prop])}
                if most_specific:
                    bits.append(f"{label} " + "/".join(sorted(p(x) for x in most_specific)))
            if prop in transitive:
                bits.append("transitive")
            for a, b in inverse:
                if a == prop:
                    bits.append(f"inverse of {p(b)}")
            lines.append(f"  {p(prop)}" + (f" ({', '.join(bits)})" if bits else ""))
    shown = 0
    sample: list[str] = []
    for quad in store.quads_for_pattern(None, None, None, _DG):
        if shown >= examples:
            break
        subj = quad.subject
        obj_iri = quad.object.value if isinstance(quad.object, ox.NamedNode) else ""
        if (
            isinstance(subj, ox.NamedNode) and subj.value not in classes and subj.value not in props
            and not quad.predicate.value.startswith(OWL) and not obj_iri.startswith(OWL)
            and not isinstance(quad.object, ox.BlankNode)
        ):
            obj_text = p(quad.object.value) if isinstance(quad.object, ox.NamedNode) else f'"{canonical(quad.object)}"'
            sample.append(f"  {p(subj.value)} {p(quad.predicate.value)} {obj_text} .")
            shown += 1
    if sample:
        lines.append("Example triples:")
        lines.extend(sample)
    return "\n".join(lines)


def lookup(store: ox.Store, term: str, limit: int = 20) -> list[tuple[str, str, str]]:
    """Triples about an entity found by full IRI, local name or exact label/name (case-insensitive).

    Returns ``(subject, predicate, object)`` as canonical text: first the entity's own
    triples, then those where it is the object, at most ``limit`` in all.
    """
    if limit < 1:
        raise ValueError(f"limit: expected a positive integer, got {limit}")
    key = term.strip().strip("<>")
    subjects: list[ox.NamedNode | ox.BlankNode] = []
    if "://" in key:
        subjects.append(ox.NamedNode(key))
    else:
        wanted = key.lower()
        seen: set[str] = set()
        for quad in store.quads_for_pattern(None, None, None, _DG):
            s = quad.subject
            if not isinstance(s, ox.NamedNode) or s.value in seen:
                continue
            hit = local_name(s.value).lower() == wanted or (
                isinstance(quad.object, ox.Literal) and quad.object.value.lower() == wanted
                and local_name(quad.predicate.value).lower() in ("label", "name", "title")
            )
            if hit:
                seen.add(s.value)
                subjects.append(s)
                if len(subjects) >= 5:
                    break
    out: list[tuple[str, str, str]] = []
    for s in subjects:
        for quad in store.quads_for_pattern(s, None, None, _DG):
            out.append((canonical(quad.subject), canonical(quad.predicate), canonical(quad.object)))
            if len(out) >= limit:
                return out
    for s in subjects:
        if isinstance(s, ox.NamedNode):
            for quad in store.quads_for_pattern(None, None, s, _DG):
                out.append((canonical(quad.subject), canonical(quad.predicate), canonical(quad.object)))
                if len(out) >= limit:
                    return out
    return out
