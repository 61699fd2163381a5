"""RDF knowledge graphs: loading, OWL 2 RL / RDFS materialization, SPARQL with limits."""

from reasoning.kg.closure import PROFILES
from reasoning.kg.graph import KnowledgeGraph
from reasoning.kg.query import QueryResult

__all__ = ["PROFILES", "KnowledgeGraph", "QueryResult"]
