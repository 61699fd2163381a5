"""Reasoning engines that need no language model: RDF + OWL-RL, SPARQL, MCTS, tools.

Subpackages: :mod:`reasoning.kg` (knowledge graphs), :mod:`reasoning.mcts` (search),
:mod:`reasoning.tools` (tools with JSON schemas), :mod:`reasoning.datasets`
(generated evaluation sets).
"""

from reasoning.errors import (
    InputTooLarge,
    QueryTimeout,
    RDFParseError,
    ReasoningError,
    SparqlError,
    ToolArgumentError,
    ToolError,
    UnknownToolError,
)
from reasoning.kg import KnowledgeGraph, QueryResult
from reasoning.mcts import (
    MCTS,
    Problem,
    SearchResult,
    search,
    solve_blocks,
    solve_game24,
)
from reasoning.tools import (
    Tool,
    Toolbox,
    calculator_tool,
    corpus_search_tool,
    default_toolbox,
    kg_lookup_tool,
    sparql_tool,
)

__all__ = [
    "MCTS",
    "InputTooLarge",
    "KnowledgeGraph",
    "Problem",
    "QueryResult",
    "QueryTimeout",
    "RDFParseError",
    "ReasoningError",
    "SearchResult",
    "SparqlError",
    "Tool",
    "ToolArgumentError",
    "ToolError",
    "Toolbox",
    "UnknownToolError",
    "calculator_tool",
    "corpus_search_tool",
    "default_toolbox",
    "kg_lookup_tool",
    "search",
    "solve_blocks",
    "solve_game24",
    "sparql_tool",
]
