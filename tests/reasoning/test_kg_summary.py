"""Schema summary for prompts and entity lookup."""

from __future__ import annotations

import pytest

from reasoning import KnowledgeGraph
from reasoning.datasets import UniversityData


def test_schema_summary_is_compact_and_complete(university_kg: KnowledgeGraph) -> None:
    text = university_kg.schema_summary()
    assert "PREFIX ex: <http://nashnet.example/univ#>" in text
    assert "ex:FullProfessor ⊑ ex:Professor" in text
    assert "ex:FullProfessor ⊑ ex:Person" not in text  # direct edges only
    assert "ex:subOrganizationOf (domain ex:Organization, range ex:Organization, transitive)" in text
    assert "ex:advises (inverse of ex:advisor)" in text
    assert "Example triples:" in text
    assert len(text) < 6000


def test_lookup_by_iri_local_name_and_name(small_university: UniversityData, university_kg: KnowledgeGraph) -> None:
    dept = small_university.facts.departments[0]
    head = small_university.facts.head_of[dept]
    by_iri = university_kg.lookup(head, limit=50)
    assert (head, "http://nashnet.example/univ#headOf", dept) in by_iri
    assert university_kg.lookup(head.rsplit("/", 1)[1], limit=50) == by_iri
    by_name = university_kg.lookup(small_university.facts.name[head].upper(), limit=50)
    assert by_name == by_iri
    assert len(university_kg.lookup(head, limit=3)) == 3
    assert university_kg.lookup("no such thing") == []
    with pytest.raises(ValueError, match="limit"):
        university_kg.lookup(head, limit=0)
