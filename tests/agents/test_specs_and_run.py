"""Task specs, run_task's error results, canonical answers, the symbolic fast path and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import canonical_answer, parse_spec, run_task
from agents.answer import canonical_list
from agents.errors import TaskSpecError
from node.cli.agent_cmd import app

TTL = """@prefix ex: <http://e.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Dog rdfs:subClassOf ex:Animal . ex:rex a ex:Dog . ex:tom a ex:Cat ."""


@pytest.mark.parametrize(
    ("kind", "spec", "field"),
    [
        ("react", {"question": "q", "tools": ["calculator"], "temperature": 1}, "temperature"),
        ("rewoo", {"question": "", "tools": ["calculator"]}, "question"),
        ("react", {"question": "x" * 5000, "tools": ["calculator"]}, "question"),
        ("mcts", {"problem": "game24", "numbers": [1, 2, 3]}, "game24.numbers"),
        ("neuro-symbolic", {"sparql": "ASK {}", "data": {"format": "turtle", "text": "x", "extra": 1}}, "data.extra"),
        (
            "neuro-symbolic",
            {"sparql": "ASK {}", "data": {"format": "turtle", "text": "x"}, "reasoning": "owl-dl"},
            "reasoning",
        ),
        ("chess", {}, "kind"),
    ],
)
def test_bad_inputs_name_the_field(kind: str, spec: dict, field: str) -> None:
    with pytest.raises(TaskSpecError) as info:
        parse_spec(kind, spec)
    assert info.value.field == field
    result = run_task(kind, spec)
    assert not result.ok and result.error_type == "TaskSpecError" and repr(field) in (result.error or "")


def test_unknown_tool_is_an_error_result_listing_known_tools() -> None:
    result = run_task("react", {"question": "q", "tools": ["calculator", "browser"]})
    assert not result.ok and result.error_type == "UnknownToolError"
    assert "'browser'" in (result.error or "") and "calculator" in (result.error or "")


def test_oversized_rdf_is_an_error_result() -> None:
    result = run_task("neuro-symbolic", {"sparql": "ASK {}", "data": {"format": "turtle", "text": "#" * 2_000_001}})
    assert not result.ok and "data.text" in (result.error or "")


def test_sparql_input_needs_no_model_and_uses_the_closure() -> None:
    spec = {
        "sparql": "PREFIX ex: <http://e.org/> SELECT ?x WHERE { ?x a ex:Animal }",
        "data": {"format": "turtle", "text": TTL},
        "reasoning": "rdfs",
    }
    result = run_task("neuro-symbolic", spec)
    assert result.ok and result.answer == "http://e.org/rex" and result.counters.lm_calls == 0
    assert run_task("neuro-symbolic", {**spec, "reasoning": "none"}).answer == ""
    assert run_task("neuro-symbolic", spec).trace_hash == result.trace_hash


def test_malformed_turtle_and_sparql_are_error_results() -> None:
    bad_ttl = run_task("neuro-symbolic", {"sparql": "ASK {}", "data": {"format": "turtle", "text": "ex:a ex:b"}})
    assert not bad_ttl.ok and bad_ttl.error_type == "RDFParseError"
    bad_q = run_task("neuro-symbolic", {"sparql": "SELEC ?x", "data": {"format": "turtle", "text": TTL}})
    assert not bad_q.ok and bad_q.error_type == "SparqlError"


def test_game24_fast_path_solves_and_proves_unsolvable() -> None:
    solved = run_task("mcts", {"problem": "game24", "numbers": [3, 3, 8, 8]})
    assert solved.ok and solved.answer is not None and solved.counters.lm_calls == 0
    assert sorted(int(t) for t in solved.answer.replace("(", " ").replace(")", " ").split() if t.isdigit()) == [
        3,
        3,
        8,
        8,
    ]
    none = run_task("mcts", {"problem": "game24", "numbers": [1, 1, 1, 1]})
    assert none.ok and none.answer == "unsolvable"
    assert run_task("mcts", {"problem": "game24", "numbers": [3, 3, 8, 8]}).trace_hash == solved.trace_hash


def test_blocks_fast_path() -> None:
    r = run_task("mcts", {"problem": "blocks", "start": [["a", "b"], ["c"]], "goal": [["c", "b", "a"]]})
    assert r.ok and json.loads(r.answer or "[]")[-1] == "move a onto b"


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("42.0", "42"),
        (" 1,234.50 ", "1234.5"),
        ("3/6", "1/2"),
        ('"Paris."', "Paris"),
        ("a  b\n c", "a b c"),
        ("0.1", "0.1"),
        ("1e3", "1000"),
    ],
)
def test_canonical_answer(raw: str, canon: str) -> None:
    assert canonical_answer(raw) == canon
    assert canonical_answer(canon) == canon


def test_canonical_list_is_order_free() -> None:
    assert canonical_list(["b", "a", "a "]) == canonical_list(["a", "b"]) == '["a","b"]'


def test_cli_run_prints_answer_hash_and_counters(tmp_path: Path) -> None:
    task = tmp_path / "t.json"
    task.write_text(json.dumps({"problem": "game24", "numbers": [4, 7, 8, 8]}))
    runner = CliRunner()
    plain = runner.invoke(app, ["run", "mcts", "--input", str(task)])
    assert plain.exit_code == 0, plain.output
    assert "answer: " in plain.output and "trace hash: " in plain.output
    as_json = runner.invoke(app, ["run", "mcts", "--input", str(task), "--json"])
    data = json.loads(as_json.stdout)
    assert data["ok"] and data["trace_hash"] in plain.output
    task.write_text(json.dumps({"problem": "game24", "numbers": [4, 7, 8]}))
    bad = runner.invoke(app, ["run", "mcts", "--input", str(task)])
    assert bad.exit_code == 1 and "TaskSpecError" in bad.output
