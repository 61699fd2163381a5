"""Loading RDF: formats, malformed input with its line, size limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasoning import InputTooLarge, KnowledgeGraph, RDFParseError

TTL = """@prefix ex: <http://example.org/> .
ex:a ex:knows ex:b .
ex:b ex:name "Bob" .
"""


def test_turtle_ntriples_jsonld() -> None:
    kg = KnowledgeGraph()
    assert kg.load(TTL, "turtle") == 2
    assert kg.load('<http://example.org/c> <http://example.org/knows> <http://example.org/a> .\n', "ntriples") == 1
    doc = '{"@context": {"ex": "http://example.org/"}, "@id": "ex:d", "ex:knows": {"@id": "ex:a"}}'
    assert kg.load(doc, "json-ld") == 1
    assert len(kg) == 4


def test_malformed_turtle_names_the_line_and_adds_nothing() -> None:
    kg = KnowledgeGraph.from_text(TTL)
    bad = TTL + 'ex:c ex:name "unterminated .\nex:d ex:knows ex:a .\n'
    with pytest.raises(RDFParseError) as info:
        kg.load(bad, "turtle")
    assert info.value.line == 4
    assert str(info.value).startswith("malformed turtle at line 4:")
    assert isinstance(info.value, ValueError)
    assert len(kg) == 2


def test_malformed_jsonld_and_unknown_format() -> None:
    with pytest.raises(RDFParseError, match="malformed json-ld at line 1"):
        KnowledgeGraph.from_text('{"@id": 3', "json-ld")
    with pytest.raises(RDFParseError, match="unsupported format; expected one of"):
        KnowledgeGraph.from_text(TTL, "rdfxml-ish")


def test_input_size_limits() -> None:
    with pytest.raises(InputTooLarge) as info:
        KnowledgeGraph(max_input_bytes=50).load(TTL)
    assert (info.value.field, info.value.limit) == ("RDF input", 50)
    assert info.value.size == len(TTL.encode())
    with pytest.raises(InputTooLarge, match="knowledge graph is 2 triples, more than the limit of 1 triples"):
        KnowledgeGraph(max_triples=1).load(TTL)


def test_load_file_by_suffix(tmp_path: Path) -> None:
    path = tmp_path / "g.ttl"
    path.write_text(TTL)
    assert len(KnowledgeGraph.from_file(path)) == 2
    odd = tmp_path / "g.data"
    odd.write_text(TTL)
    with pytest.raises(RDFParseError, match="cannot tell the format"):
        KnowledgeGraph.from_file(odd)
