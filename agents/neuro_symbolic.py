"""Neuro-symbolic QA: the model writes SPARQL from the schema, the engine answers over the closure.

The model never states a fact; it only writes a query. The query runs over the OWL-RL
(or RDFS) closure, and its result is checked symbolically before it is accepted: the
query parses, is a SELECT or ASK, returns rows of the expected shape (a single integer
for "how many"), and is not empty; a count of 0 or a false ASK stands only when every
name in the query occurs in the graph (see :mod:`agents.sparql_check`). A failed check
gets one repair round with the reason; a repair that repeats a failed query verbatim is
drawn again with seeded sampling, so the round is never wasted on the same query. An
input that carries SPARQL itself needs no model at all.
"""

from __future__ import annotations

import re

from agents.answer import canonical_answer
from agents.budget import Budget, Meter
from agents.errors import AgentError, LMError
from agents.lm.client import ChatModel
from agents.lm.template import Free, Literal, Program
from agents.parsing import first_json_object
from agents.result import AgentResult
from agents.sparql_check import check_result
from agents.specs import NeuroSymbolicSpec
from agents.trace import Trace
from reasoning import KnowledgeGraph, QueryResult, ReasoningError

__all__ = ["NeuroSymbolicAgent", "check_result"]

_SYSTEM = """Write ONE SPARQL query (SELECT or ASK) that answers the question over the RDF graph below.
Inferred triples are included, so ask for the general class or property directly.
Never invent IRIs for individuals: use the IRIs listed with the question, else ex:name "<exact name>".
For "how many" use SELECT (COUNT(DISTINCT ?x) AS ?n). For yes/no questions use ASK.
Reply with ONE JSON object only: {{"sparql": "<query>"}}
Examples (IRIs listed with a question stand for the things it names):
Question: How many students take Course 5?
<http://x.org/c5> = "Course 5"
{{"sparql": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ex:Student ; ex:takesCourse <http://x.org/c5> }}"}}
Question: Which courses does Ada Baker teach?
<http://x.org/p1> = "Ada Baker"
{{"sparql": "SELECT ?c WHERE {{ <http://x.org/p1> ex:teacherOf ?c }}"}}

{schema}"""

_REPAIR = "This query failed: {query}\nProblem: {reason}\nWrite a different, correct query."

_SCHEMA = {"type": "object", "properties": {"sparql": {"type": "string"}}, "required": ["sparql"]}


def _query_template() -> Program:
    """The reply as a template: only the query text is the model's."""
    yield Literal('{"sparql": "')
    yield Free(stop='"', close='"}', max_tokens=300)
    yield Literal('"}')


_PREFIX_LINE = re.compile(r"^PREFIX\s+(\w*):\s*<[^>]*>\s*$", re.IGNORECASE | re.MULTILINE)


def _with_prefixes(query: str, schema: str) -> str:
    """Prepend the schema's PREFIX lines that the query uses but does not declare."""
    declared = {m.group(1) for m in _PREFIX_LINE.finditer(query)}
    needed = [
        m.group(0).strip()
        for m in _PREFIX_LINE.finditer(schema)
        if m.group(1) not in declared and re.search(rf"(?<![\w<]){re.escape(m.group(1))}:", query)
    ]
    return "\n".join([*needed, query]) if needed else query


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def link_entities(kg: KnowledgeGraph, question: str, limit: int = 8) -> list[tuple[str, str]]:
    """Find the individuals the question names: subjects of literals that occur in its text.

    Small models guess IRIs or split names; linking names symbolically and showing the
    model the IRIs removes that whole class of error. A match inside a longer match
    ("University 0" in "Department of Algebra 0 at University 0") is dropped.
    """
    query = (
        "SELECT DISTINCT ?s ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o) && STRLEN(STR(?o)) >= 3 "
        f"&& CONTAINS({_sparql_string(question)}, STR(?o))) }}"
    )
    rows = kg.query(query, timeout_s=5.0, max_rows=200).rows
    texts = {text for _, text in rows}
    kept = sorted(
        ((iri, text) for iri, text in rows if not any(text != other and text in other for other in texts)),
        key=lambda r: (-len(r[1]), r[1], r[0]),
    )
    return kept[:limit]


class NeuroSymbolicAgent:
    """Question (or SPARQL) plus RDF data in, a checked answer out.

    Args:
        lm: The model that writes SPARQL; may be None when every input carries SPARQL.
        budget: ``steps`` counts queries written by the model (2: one try, one repair).
        timeout_s: Time limit of each query.
        max_rows: Row limit of each query.
        redraws: Seeded redraws of a repair that repeats a failed query.
        redraw_temperature: Sampling temperature of those redraws.
        templates: Decode the reply as a template on backends that can (only the query
            is free text); otherwise it is schema-constrained JSON.
    """

    kind = "neuro-symbolic"

    def __init__(
        self,
        lm: ChatModel | None,
        budget: Budget | None = None,
        *,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        redraws: int = 2,
        redraw_temperature: float = 0.7,
        templates: bool = True,
    ) -> None:
        self.lm = lm
        self.budget = budget or Budget(steps=2)
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.redraws = redraws
        self.redraw_temperature = redraw_temperature
        self.templates = templates

    def run(self, spec: NeuroSymbolicSpec) -> AgentResult:
        """Answer ``spec``; never raises for a failed run."""
        trace = Trace()
        trace.add("task", kind=self.kind, question=spec.question, sparql=spec.sparql, reasoning=spec.reasoning)
        meter = Meter(self.budget, trace, self.lm if spec.sparql is None else None)
        try:
            with KnowledgeGraph.from_text(spec.data.text, spec.data.format) as kg:
                asserted = len(kg)
                inferred = kg.materialize(spec.reasoning)
                trace.add("closure", profile=spec.reasoning, asserted=asserted, inferred=inferred)
                answer = self._answer(spec, kg, trace, meter)
        except (AgentError, LMError, ReasoningError) as exc:
            return AgentResult.failure(self.kind, exc, trace, meter)
        return AgentResult.success(self.kind, answer, trace, meter)

    def _run_query(self, kg: KnowledgeGraph, query: str, trace: Trace) -> QueryResult:
        trace.tool_call("sparql", {"query": query})
        result = kg.query(query, timeout_s=self.timeout_s, max_rows=self.max_rows)
        trace.observation(result.answer()[:2000])
        return result

    @staticmethod
    def _render(result: QueryResult) -> str:
        return canonical_answer(result.answer())

    def _answer(self, spec: NeuroSymbolicSpec, kg: KnowledgeGraph, trace: Trace, meter: Meter) -> str:
        if spec.sparql is not None:
            return self._render(self._run_query(kg, spec.sparql, trace))
        if self.lm is None:
            raise AgentError("a question without SPARQL needs a language model")
        assert spec.question is not None
        schema = kg.schema_summary()
        system = _SYSTEM.format(schema=schema)
        entities = link_entities(kg, spec.question)
        trace.add("entities", links=[list(e) for e in entities])
        prompt = f"Question: {spec.question}"
        if entities:
            prompt += "\nIRIs of the things it names (use them directly):\n" + "\n".join(
                f"<{iri}> = {_sparql_string(text)}" for iri, text in entities
            )
        turns: list[tuple[str, str]] = [("user", prompt)]
        reason = ""
        tried: set[str] = set()
        while True:
            meter.step()  # the second step is the repair round; a third exceeds the budget
            query = self._write_query(system, turns, tried, repair=bool(reason), meter=meter)
            if query is None:
                reason = 'the reply held no {"sparql": "..."} object'
            elif query in tried:
                raise AgentError(f"the repair repeated a failed query; last problem: {reason}")
            else:
                tried.add(query)
                query = _with_prefixes(query, schema)
                try:
                    result = self._run_query(kg, query, trace)
                    failure = check_result(spec.question, result, kg, query)
                except ReasoningError as exc:  # parse errors and timeouts are repairable
                    if isinstance(exc, AgentError):  # budgets and model failures are not
                        raise
                    trace.observation(str(exc), error=True)
                    failure = str(exc)
                if failure is None:
                    return self._render(result)
                reason = failure
            trace.add("check_failed", reason=reason)
            if meter.counters.steps >= self.budget.steps:
                raise AgentError(f"no checked answer after {meter.counters.steps} queries; last problem: {reason}")
            # A fresh prompt that quotes the failed query: with greedy decoding, appending a
            # complaint to the same conversation mostly reproduces the same query.
            turns = [("user", prompt + "\n" + _REPAIR.format(query=(query or "(none)").strip(), reason=reason))]

    def _write_query(
        self, system: str, turns: list[tuple[str, str]], tried: set[str], *, repair: bool, meter: Meter
    ) -> str | None:
        """One query from the model; in a repair, a verbatim repeat of a failed query is redrawn.

        Greedy decoding often reproduces the failed query even when the prompt quotes it, so
        a repeat is drawn again at a temperature, with fixed seeds: still the same query on
        every honest node.
        """
        purpose = "neuro.repair" if repair else "neuro.sparql"
        query = ""
        for attempt in range(1 + (self.redraws if repair else 0)):
            temperature = 0.0 if attempt == 0 else self.redraw_temperature
            reply = meter.call_lm(
                purpose if attempt == 0 else "neuro.redraw",
                system,
                turns,
                max_tokens=300,
                schema=_SCHEMA,
                template=_query_template if self.templates else None,
                temperature=temperature,
                seed_offset=attempt,
            )
            obj = first_json_object(reply.text)
            raw = obj.get("sparql") if obj else None
            if not isinstance(raw, str) or not raw.strip():
                return None
            query = raw.strip()
            if query not in tried:
                return query
            meter.trace.add("repeated_query", attempt=attempt)
        return query
