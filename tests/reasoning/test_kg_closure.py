"""The chosen reasoner's closure equals owlrl's on the test ontologies (in the normal form
documented in reasoning.kg.baseline), and the inference the question set needs happens."""

from __future__ import annotations

import pytest

from reasoning import KnowledgeGraph
from reasoning.datasets import UniversityData, generate_university
from reasoning.kg.baseline import normalize, owlrl_closure, store_triples

from .conftest import DATA_DIR


def _ours(text: str, profile: str) -> set[tuple[str, str, str]]:
    kg = KnowledgeGraph.from_text(text)
    kg.materialize(profile)
    return normalize(store_triples(kg.store))


@pytest.mark.parametrize("profile", ["owl-rl", "rdfs"])
def test_university_closure_equals_owlrl(profile: str) -> None:
    text = generate_university(1, 2, seed=3, scale=0.15).turtle()
    ours, reference = _ours(text, profile), normalize(owlrl_closure(text, profile))
    assert ours - reference == set()
    assert reference - ours == set()
    asserted = normalize(store_triples(KnowledgeGraph.from_text(text).store))
    assert len(ours - asserted) > 100  # the check compares real entailments


@pytest.mark.parametrize("profile", ["owl-rl", "rdfs"])
def test_family_closure_equals_owlrl(profile: str) -> None:
    """Symmetric, functional, inverse-functional, hasValue, allValuesFrom, chains, sameAs."""
    text = (DATA_DIR / "family.ttl").read_text()
    ours, reference = _ours(text, profile), normalize(owlrl_closure(text, profile))
    assert ours == reference


def test_owl_rl_entailments_by_kind() -> None:
    kg = KnowledgeGraph.from_text((DATA_DIR / "family.ttl").read_text())
    added = kg.materialize("owl-rl")
    assert added > 0
    f = "PREFIX f: <http://example.org/family#> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
    for ask in [
        "ASK { f:carl f:spouse f:alice }",  # equivalent property then symmetric
        "ASK { f:alice a f:Citizen }",  # hasValue
        "ASK { f:rex a f:Dog }",  # allValuesFrom
        "ASK { f:dora f:hasGrandparent f:alice }",  # property chain
        "ASK { f:dora f:ancestor f:alice }",  # subproperty then transitive
        "ASK { f:alice owl:sameAs f:alicia }",  # functional property
        "ASK { f:erin2 a f:Woman }",  # inverse functional, then sameAs
        "ASK { f:alice a f:Parent }",  # someValuesFrom
    ]:
        assert kg.query(f + ask, timeout_s=None).boolean is True, ask
    kg.close()


def test_profiles_none_and_unknown(small_university: UniversityData) -> None:
    kg = KnowledgeGraph.from_text(small_university.turtle())
    assert kg.materialize("none") == 0
    with pytest.raises(ValueError, match="profile: expected one of owl-rl, rdfs, none, got 'owl-dl'"):
        kg.materialize("owl-dl")
    assert kg.materialize("owl-rl") > 0
    assert kg.materialize("owl-rl") == 0  # a closure is closed
