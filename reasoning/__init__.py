"""Reasoning engines that need no language model: RDF + OWL-RL, SPARQL, MCTS, tools."""

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
from reasoning.tools import Tool, Toolbox, calculator_tool

__all__ = [
    "InputTooLarge",
    "QueryTimeout",
    "RDFParseError",
    "ReasoningError",
    "SparqlError",
    "Tool",
    "ToolArgumentError",
    "ToolError",
    "Toolbox",
    "UnknownToolError",
    "calculator_tool",
]
