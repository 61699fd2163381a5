"""Tools agents call: a JSON schema each, called by name through a :class:`Toolbox`."""

from reasoning.tools.base import Tool, Toolbox
from reasoning.tools.bm25 import BM25
from reasoning.tools.builtin import (
    corpus_search_tool,
    default_toolbox,
    kg_lookup_tool,
    sparql_tool,
)
from reasoning.tools.calculator import calculator_tool

__all__ = [
    "BM25",
    "Tool",
    "Toolbox",
    "calculator_tool",
    "corpus_search_tool",
    "default_toolbox",
    "kg_lookup_tool",
    "sparql_tool",
]
