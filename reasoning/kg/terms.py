"""Vocabulary IRIs and the canonical text of RDF terms."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

__all__ = ["OWL", "RDF", "RDFS", "W3C_PREFIXES", "XSD", "canonical", "local_name"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
W3C_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD}


def canonical(term: Any) -> str:
    """Return the canonical text of a term: an IRI, a literal's lexical form, or ``_:id``.

    Canonical text is what answers are compared by, so it drops syntax (angle brackets,
    quotes, datatypes) that two honest engines could render differently.
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def local_name(iri: str) -> str:
    """Return the part of an IRI after its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1 :] if cut >= 0 else iri
