"""Task inputs, one versioned pydantic model per kind; unknown fields are rejected.

These are the inputs the node daemon receives from the market and the CLI reads from
``--input FILE``. Size limits keep a hostile input from exhausting a node.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from agents.errors import TaskSpecError

__all__ = [
    "KINDS",
    "BlocksSpec",
    "DocumentsContext",
    "Game24Spec",
    "NeuroSymbolicSpec",
    "RDFData",
    "ToolTaskSpec",
    "TurtleContext",
    "parse_spec",
]

MAX_QUESTION_CHARS = 4_000
MAX_RDF_CHARS = 2_000_000
MAX_DOCUMENTS = 1_000
MAX_DOCUMENT_CHARS = 20_000
MAX_TOOLS = 16


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1


class TurtleContext(_Spec):
    """RDF data (Turtle) the knowledge-graph tools answer from."""

    turtle: str = Field(min_length=1, max_length=MAX_RDF_CHARS)


class DocumentsContext(_Spec):
    """A local corpus the search tool answers from."""

    documents: list[Annotated[str, Field(max_length=MAX_DOCUMENT_CHARS)]] = Field(
        min_length=1, max_length=MAX_DOCUMENTS
    )


class ToolTaskSpec(_Spec):
    """Input of ``react`` and ``rewoo``: a question, the tools allowed, optional context."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    tools: list[str] = Field(min_length=1, max_length=MAX_TOOLS)
    context: TurtleContext | DocumentsContext | None = None


class Game24Spec(_Spec):
    """``mcts`` on Game of 24: four numbers to combine into 24."""

    problem: Literal["game24"]
    numbers: list[Annotated[int, Field(ge=0, le=1000)]] = Field(min_length=4, max_length=4)


class BlocksSpec(_Spec):
    """``mcts`` on blocks world: stacks listed bottom to top, from ``start`` to ``goal``."""

    problem: Literal["blocks"]
    start: list[list[str]] = Field(max_length=12)
    goal: list[list[str]] = Field(max_length=12)

    @model_validator(mode="after")
    def _same_blocks(self) -> BlocksSpec:
        start = sorted(b for s in self.start for b in s)
        goal = sorted(b for s in self.goal for b in s)
        if start != goal or len(set(start)) != len(start):
            raise ValueError(f"start and goal must hold the same distinct blocks, got {start} and {goal}")
        if len(start) > 12:
            raise ValueError(f"at most 12 blocks, got {len(start)}")
        return self


MCTSSpec = Annotated[Game24Spec | BlocksSpec, Field(discriminator="problem")]


class RDFData(_Spec):
    format: Literal["turtle"]
    text: str = Field(min_length=1, max_length=MAX_RDF_CHARS)


class NeuroSymbolicSpec(_Spec):
    """``neuro-symbolic``: a question (model writes SPARQL) or SPARQL itself, over RDF data."""

    question: str | None = Field(None, min_length=1, max_length=MAX_QUESTION_CHARS)
    sparql: str | None = Field(None, min_length=1, max_length=MAX_QUESTION_CHARS)
    data: RDFData
    reasoning: Literal["owl-rl", "rdfs", "none"] = "owl-rl"

    @model_validator(mode="after")
    def _question_or_sparql(self) -> NeuroSymbolicSpec:
        if self.question is None and self.sparql is None:
            raise ValueError("give 'question' or 'sparql' (or both)")
        return self


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "react": TypeAdapter(ToolTaskSpec),
    "rewoo": TypeAdapter(ToolTaskSpec),
    "mcts": TypeAdapter(MCTSSpec),
    "neuro-symbolic": TypeAdapter(NeuroSymbolicSpec),
}

KINDS: tuple[str, ...] = tuple(_ADAPTERS)


def parse_spec(kind: str, spec: Any) -> Any:
    """Validate ``spec`` (a mapping, JSON text or a spec model) for ``kind``.

    Raises:
        TaskSpecError: unknown kind, or the first field that does not validate.
    """
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        raise TaskSpecError(kind, "kind", f"unknown agent kind; expected one of {', '.join(KINDS)}")
    if isinstance(spec, BaseModel):
        spec = spec.model_dump()
    try:
        if isinstance(spec, (str, bytes)):
            return adapter.validate_json(spec)
        return adapter.validate_python(spec)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(input)"
        value = repr(err.get("input"))
        value = value if len(value) <= 80 else value[:80] + "..."
        raise TaskSpecError(kind, field, f"{err['msg']} (got {value})") from None
