"""The tools a task may name, built over the task's own context."""

from __future__ import annotations

from typing import Any

from reasoning import Toolbox, UnknownToolError, calculator_tool

from agents.specs import DocumentsContext, TurtleContext

__all__ = ["build_toolbox"]


def build_toolbox(names: list[str], context: TurtleContext | DocumentsContext | None) -> Toolbox:
    """Tools ``names`` over ``context``: calculator always; KG tools with Turtle; search with documents.

    Raises:
        UnknownToolError: a name is not available for this context (the message lists those that are).
    """
    tools: list[Any] = [calculator_tool()]
    if isinstance(context, TurtleContext):
        from reasoning import KnowledgeGraph, kg_lookup_tool, sparql_tool

        kg = KnowledgeGraph.from_turtle(context.turtle)
        kg.materialize("owl-rl")
        tools += [sparql_tool(kg), kg_lookup_tool(kg)]
    elif isinstance(context, DocumentsContext):
        from reasoning import corpus_search_tool

        tools.append(corpus_search_tool(list(context.documents)))
    box = Toolbox(tools)
    for name in names:
        if name not in box:
            raise UnknownToolError(name, box.names())
    return box.subset(dict.fromkeys(names))
