"""Each agent once against the real embedded model (Qwen2.5-Coder-1.5B-Instruct, CPU).

The model stays loaded for the module and its system prompts stay warm between tests, as
in a node; a run after :meth:`ChatModel.reset` (cold cache) must give the same trace.
"""

from __future__ import annotations

import pytest

from agents import Budget, run_task
from agents.lm import embedded_lm
from agents.mcts import Game24Steps, LATSAgent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lm():  # type: ignore[no-untyped-def]
    return embedded_lm()


def test_react_calculator_question(lm) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "question": "A crate holds 24 bottles. How many bottles are in 17 crates plus 9 loose bottles?",
        "tools": ["calculator"],
    }
    lm.reset()
    first = run_task("react", spec, lm=lm)
    assert first.ok, first.error
    assert first.answer == "417"
    assert first.counters.lm_calls >= 2 and first.counters.tool_calls >= 1
    again = run_task("react", spec, lm=lm)  # the system prompt is warm now
    assert again.counters.cached_tokens > 0 and first.counters.cached_tokens < again.counters.cached_tokens
    assert (again.answer, again.trace_hash) == (first.answer, first.trace_hash)


def test_react_power_goes_through_the_calculator(lm) -> None:  # type: ignore[no-untyped-def]
    # The model writes "3^6 - 3"; read with XOR's precedence it was 3 ** (6 - 3) = 27.
    result = run_task("react", {"question": "What is 3 to the power of 6, minus 3?", "tools": ["calculator"]}, lm=lm)
    assert result.ok, result.error
    assert result.answer == "726"
    assert result.counters.tool_calls >= 1  # the first step may not answer from memory


def test_rewoo_uses_fewer_calls_than_react(lm) -> None:  # type: ignore[no-untyped-def]
    spec = {"question": "What is 1234 * 56 - 789?", "tools": ["calculator"]}
    rewoo = run_task("rewoo", spec, lm=lm)
    assert rewoo.ok, rewoo.error
    assert rewoo.answer == "68315"
    assert rewoo.counters.lm_calls == 1
    run_task("react", spec, lm=lm)  # another system prompt takes the cache; rewoo's comes back restored
    again = run_task("rewoo", spec, lm=lm)
    assert again.counters.cached_tokens > 0
    assert (again.answer, again.trace_hash) == (rewoo.answer, rewoo.trace_hash)


def test_lats_game24_with_model_proposals(lm) -> None:  # type: ignore[no-untyped-def]
    result = LATSAgent(lm, Budget(steps=6)).run(Game24Steps([4, 6, 1, 1]))
    assert result.ok, result.error
    assert result.counters.lm_calls >= 1
    # the answer was verified exactly before it was returned; check it independently too
    import ast
    from fractions import Fraction

    def ev(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int)
            return Fraction(node.value)
        assert isinstance(node, ast.BinOp)
        a, b = ev(node.left), ev(node.right)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) or a / b

    assert ev(ast.parse(result.answer or "", mode="eval").body) == 24


TINY_UNIVERSITY = """@prefix ex: <http://nashnet.example/univ#> .
@prefix d: <http://nashnet.example/data/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:FullProfessor rdfs:subClassOf ex:Professor . ex:Professor rdfs:subClassOf ex:Faculty .
ex:Lecturer rdfs:subClassOf ex:Faculty .
ex:worksFor rdfs:domain ex:Person ; rdfs:range ex:Organization .
ex:name rdfs:range rdfs:Literal .
d:dept a ex:Organization ; ex:name "Department of Logic" .
d:p1 a ex:FullProfessor ; ex:name "Ada Baker" ; ex:worksFor d:dept .
d:p2 a ex:Lecturer ; ex:name "Alan Costa" ; ex:worksFor d:dept .
d:p3 a ex:Professor ; ex:name "Grace Diaz" ; ex:worksFor d:dept .
"""


def test_neuro_symbolic_question_over_the_closure(lm) -> None:  # type: ignore[no-untyped-def]
    spec = {
        "question": "How many faculty members work for Department of Logic?",
        "data": {"format": "turtle", "text": TINY_UNIVERSITY},
        "reasoning": "rdfs",
    }
    result = run_task("neuro-symbolic", spec, lm=lm)
    assert result.ok, result.error
    assert result.answer == "3"  # needs FullProfessor ⊑ Professor ⊑ Faculty and Lecturer ⊑ Faculty
    assert 1 <= result.counters.lm_calls <= 2
    again = run_task("neuro-symbolic", spec, lm=lm)
    assert (again.answer, again.trace_hash) == (result.answer, result.trace_hash)
