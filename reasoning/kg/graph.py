"""The knowledge graph: an oxigraph store with loading, reasoning, SPARQL and lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import pyoxigraph as ox

from reasoning.errors import InputTooLarge, SparqlError
from reasoning.kg.closure import PROFILES, materialize_store
from reasoning.kg.evaluate import run_query
from reasoning.kg.load import MAX_INPUT_BYTES, format_for_path, parse_into
from reasoning.kg.query import MAX_QUERY_CHARS, QueryResult, SparqlWorker
from reasoning.kg.summary import lookup, schema_summary

__all__ = ["KnowledgeGraph"]


class KnowledgeGraph:
    """An RDF graph with OWL 2 RL / RDFS materialization and time-limited SPARQL.

    Example:
        >>> kg = KnowledgeGraph.from_text(turtle, "turtle")
        >>> kg.materialize("owl-rl")
        >>> kg.query("SELECT ?x WHERE { ?x a ex:Person }", timeout_s=2.0).rows

    Args:
        max_input_bytes: Largest RDF document (or file) accepted by :meth:`load`.
        max_triples: Largest graph accepted, checked after each load and materialization.
    """

    def __init__(self, *, max_input_bytes: int = MAX_INPUT_BYTES, max_triples: int = 5_000_000) -> None:
        self.store = ox.Store()
        self.max_input_bytes = max_input_bytes
        self.max_triples = max_triples
        self._worker = SparqlWorker()
        self._worker_version = -1
        self._version = 0

    @classmethod
    def from_text(cls, text: str | bytes, fmt: str = "turtle", **kwargs: int) -> KnowledgeGraph:
        kg = cls(**kwargs)
        kg.load(text, fmt)
        return kg

    @classmethod
    def from_file(cls, path: str | Path, fmt: str | None = None, **kwargs: int) -> KnowledgeGraph:
        kg = cls(**kwargs)
        kg.load_file(path, fmt)
        return kg

    def __len__(self) -> int:
        return len(self.store)

    def _changed(self) -> None:
        self._version += 1
        if len(self.store) > self.max_triples:
            raise InputTooLarge("knowledge graph", len(self.store), self.max_triples, "triples")

    def load(self, text: str | bytes, fmt: str = "turtle", *, base_iri: str | None = None) -> int:
        """Parse Turtle, N-Triples or JSON-LD text; return the number of triples added.

        Raises:
            RDFParseError: malformed text (nothing is added).
            InputTooLarge: the text or the resulting graph is over its limit.
        """
        added = parse_into(self.store, text, fmt, base_iri=base_iri, max_bytes=self.max_input_bytes)
        self._changed()
        return added

    def load_file(self, path: str | Path, fmt: str | None = None) -> int:
        path = Path(path)
        size = path.stat().st_size
        if size > self.max_input_bytes:
            raise InputTooLarge(f"RDF file {path.name}", size, self.max_input_bytes)
        return self.load(path.read_bytes(), fmt or format_for_path(path), base_iri=path.resolve().as_uri())

    def materialize(self, profile: str = "owl-rl") -> int:
        """Add the entailments of ``profile`` (``"owl-rl"``, ``"rdfs"`` or ``"none"``).

        Returns:
            The number of triples added.
        """
        if profile not in PROFILES:
            raise ValueError(f"profile: expected one of {', '.join(PROFILES)}, got {profile!r}")
        added = materialize_store(self.store, profile)
        self._changed()
        return added

    def query(self, sparql: str, *, timeout_s: float | None = 5.0, max_rows: int = 10_000) -> QueryResult:
        """Run a SPARQL query.

        Args:
            sparql: SELECT, ASK, CONSTRUCT or DESCRIBE.
            timeout_s: Time limit. The query runs in a worker process that is killed when
                the limit passes; None runs it in this process without a limit.
            max_rows: Rows kept; beyond them the result is cut and marked ``truncated``.

        Raises:
            QueryTimeout: the time limit passed.
            SparqlError: the query is malformed or failed.
            InputTooLarge: the query text is over 100,000 characters.
        """
        if not isinstance(sparql, str) or not sparql.strip():
            raise SparqlError(f"sparql: expected a non-empty query string, got {sparql!r:.40}")
        if timeout_s is not None:
            if self._worker_version != self._version:
                self._worker.load(self.store)
                self._worker_version = self._version
            return self._worker.query(sparql, timeout_s, max_rows)
        if len(sparql) > MAX_QUERY_CHARS:
            raise InputTooLarge("sparql", len(sparql), MAX_QUERY_CHARS, "characters")
        try:
            reply = run_query(self.store, sparql, max_rows)
        except SyntaxError as exc:
            raise SparqlError(f"malformed SPARQL: {exc}") from None
        except (ValueError, OSError) as exc:
            raise SparqlError(f"SPARQL failed: {exc}") from None
        if reply["kind"] == "ask":
            return QueryResult(kind="ask", boolean=reply["value"])
        return QueryResult(kind=reply["kind"], variables=reply["variables"], rows=reply["rows"], truncated=reply["truncated"])

    def schema_summary(self, *, examples: int = 5) -> str:
        """A compact schema description for prompting a language model to write SPARQL."""
        return schema_summary(self.store, examples=examples)

    def lookup(self, term: str, limit: int = 20) -> list[tuple[str, str, str]]:
        """Triples about an entity given by IRI, local name, or label/name."""
        return lookup(self.store, term, limit)

    def to_turtle(self) -> str:
        data = self.store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
        return data.decode("utf-8") if data else ""

    def close(self) -> None:
        """Stop the SPARQL worker process (also done when the graph is garbage-collected)."""
        self._worker.close()
        self._worker_version = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
