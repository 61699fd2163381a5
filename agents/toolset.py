"""The tools a task may name, built over the task's own context."""

from __future__ import annotations

from agents.specs import DocumentsContext, TurtleContext
from reasoning import KnowledgeGraph, Toolbox, UnknownToolError, default_toolbox

__all__ = ["build_toolbox"]


def build_toolbox(names: list[str], context: TurtleContext | DocumentsContext | None) -> Toolbox:
    """Tools ``names`` over ``context``: calculator always; KG tools with Turtle; search with documents.

    The graph given as Turtle is materialized (OWL-RL) before the tools see it.

    Raises:
        UnknownToolError: a name is not available for this context (the message lists those that are).
    """
    kg = None
    if isinstance(context, TurtleContext):
        kg = KnowledgeGraph.from_text(context.turtle, "turtle")
        kg.materialize("owl-rl")
    documents = list(context.documents) if isinstance(context, DocumentsContext) else None
    box = default_toolbox(kg, documents)
    for name in names:
        if name not in box:
            raise UnknownToolError(name, box.names())
    return box.subset(dict.fromkeys(names))
