"""The executor on a real local Ray (2 CPUs): every kind, failures as outcomes, digests, envelopes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from eth_utils import keccak

from agents import run_task
from node.daemon.executor import Executor, ExecutorError
from node.daemon.outcome import (
    MAX_REVEALED_ANSWER_CHARS,
    Outcome,
    TaskInputError,
    outcome_from_failure,
    result_digest,
    reveal_payload,
    split_envelope,
)

TTL = """@prefix ex: <http://e.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Dog rdfs:subClassOf ex:Animal . ex:rex a ex:Dog . ex:tom a ex:Cat ."""
SPARQL = {
    "sparql": "PREFIX ex: <http://e.org/> SELECT ?x WHERE { ?x a ex:Dog }",
    "data": {"format": "turtle", "text": TTL},
    "reasoning": "none",
}
GAME24 = {"problem": "game24", "numbers": [4, 7, 8, 8]}
SPIKING = {
    "network": {"neurons": 5000, "seed": 3},
    "text": "hi",
    "warmup_steps": 300,
    "steps_per_char": 10,
    "reply_chars": 3,
}
TRAINING = {
    "model": "tiny",
    "steps": 8,
    "batch_size": 8,
    "checkpoint_interval": 4,
    "optimizer": {"lr": 3e-3},
    "schedule": {"warmup_steps": 2},
}


def js(value: object) -> bytes:
    return json.dumps(value).encode()


def drain(ex: Executor, ids: Iterable[int], timeout: float = 120.0) -> dict[int, Outcome]:
    """Poll until every id in ``ids`` has its outcome; each must come exactly once."""
    import time

    want = set(ids)
    got: dict[int, Outcome] = {}
    deadline = time.monotonic() + timeout
    while want - set(got):
        assert time.monotonic() < deadline, f"no outcome for {sorted(want - set(got))} after {timeout} s"
        for outcome in ex.poll(timeout=1.0):
            assert outcome.task_id not in got, f"task {outcome.task_id} reported twice"
            got[outcome.task_id] = outcome
    assert not (set(got) - want), f"unexpected outcomes {sorted(set(got) - want)}"
    return got


# -- outcome.py (no Ray) -----------------------------------------------------------------


def test_result_digest_is_keccak_of_canonical_json() -> None:
    body = b'{"answer":"42","kind":"mcts","ok":true,"task":7,"v":1}'
    assert result_digest(7, "mcts", True, "42") == keccak(body)
    assert len(result_digest(7, "mcts", True, "42")) == 32
    # a failure commits to no answer, so nodes failing the same way agree
    assert result_digest(7, "mcts", False, "partial") == result_digest(7, "mcts", False, None)
    assert result_digest(7, "mcts", False, None) != bytes(32)
    assert result_digest(7, "mcts", True, "42") != result_digest(8, "mcts", True, "42")
    assert result_digest(7, "mcts", True, "42") != result_digest(7, "rewoo", True, "42")


def test_outcome_trace_hash_and_failure_shape() -> None:
    failed = outcome_from_failure(3, 9, ValueError("kind: no such kind"), 0.5)
    assert not failed.ok and failed.answer is None and failed.kind == "9"
    assert failed.error == "kind: no such kind" and failed.error_type == "ValueError"
    assert failed.trace_hash == hashlib.sha256(failed.trace).hexdigest()
    assert json.loads(failed.trace)["record"] == {"error": "kind: no such kind", "error_type": "ValueError"}
    assert outcome_from_failure(3, "mcts", "worker died", 1.0).error_type == "TaskFailed"


def test_reveal_payload_caps_the_answer_but_the_digest_covers_it_all() -> None:
    long = "x" * (MAX_REVEALED_ANSWER_CHARS + 500)
    outcome = Outcome.build(1, "react", {"answer": long}, ok=True, answer=long)
    payload = json.loads(reveal_payload(outcome, "http://node/trace/1"))
    assert payload == {
        "v": 1,
        "ok": True,
        "answer": "x" * MAX_REVEALED_ANSWER_CHARS,
        "trace": f"sha256:{outcome.trace_hash}",
        "uri": "http://node/trace/1",
    }
    assert outcome.digest == result_digest(1, "react", True, long) != result_digest(1, "react", True, payload["answer"])
    assert b" " not in reveal_payload(outcome, None)


def test_split_envelope() -> None:
    bare = b'{ "problem": "game24",  "numbers": [4, 7, 8, 8] }'
    assert split_envelope(bare) == (bare, {})  # untouched, byte for byte
    inner, env = split_envelope(js({**GAME24, "reply_to": {"key": "ab"}}))
    assert json.loads(inner) == GAME24 and env == {"reply_to": {"key": "ab"}}
    with pytest.raises(TaskInputError, match="'reply_to': expected an object"):
        split_envelope(js({**GAME24, "reply_to": "ab"}))
    with pytest.raises(TaskInputError, match="invalid JSON"):
        split_envelope(b"{not json")


# -- the executor on Ray -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ex(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Executor]:
    with Executor(num_cpus=2, workdir=tmp_path_factory.mktemp("executor")) as executor:
        yield executor


@pytest.mark.integration
def test_reasoning_outcomes_match_a_direct_run(ex: Executor) -> None:
    ex.submit(1, "mcts", js(GAME24))
    ex.submit(2, 4, js(SPARQL))
    out = drain(ex, [1, 2])
    for task_id, kind, spec in ((1, "mcts", GAME24), (2, "neuro-symbolic", SPARQL)):
        direct = run_task(kind, spec)
        got = out[task_id]
        assert direct.ok and got.ok and got.kind == kind and got.error is None
        assert got.answer == direct.answer
        assert got.digest == result_digest(task_id, kind, direct.ok, direct.answer)
        assert got.trace_hash == hashlib.sha256(got.trace).hexdigest()
        record = json.loads(got.trace)
        assert record["kind"] == kind and record["task"] == task_id
        assert record["record"]["trace_hash"] == direct.trace_hash  # the agent's own trace, in full
    assert out[2].answer == "http://e.org/rex"
    assert ex.pending() == set()


@pytest.mark.integration
def test_same_input_same_digest_and_duplicates_ignored(ex: Executor) -> None:
    other = {**GAME24, "numbers": [3, 3, 8, 8]}
    ex.submit(10, "mcts", js(GAME24))
    ex.submit(11, "mcts", js(GAME24))
    ex.submit(12, "mcts", js(other))
    ex.submit(10, "mcts", js(other))  # already in flight: ignored
    out = drain(ex, [10, 11, 12])
    a, b, c = out[10], out[11], out[12]
    assert a.answer == b.answer and a.answer != c.answer
    # another node running task 10's input for task 10 commits the same digest
    assert result_digest(10, "mcts", b.ok, b.answer) == a.digest
    assert len({a.digest, b.digest, c.digest}) == 3  # digests bind the task id
    ex.submit(10, "mcts", js(GAME24))  # already done: ignored
    assert ex.pending() == set() and ex.poll(timeout=0.5) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    ("task_id", "kind", "spec", "needle", "error_type"),
    [
        (101, "mcts", js({"problem": "game24", "numbers": [4, 7, 8]}), "game24.numbers", "TaskSpecError"),
        (102, "neuro-symbolic", js({**SPARQL, "reasoning": "owl-dl"}), "reasoning", "TaskSpecError"),
        (103, "mcts", b"{not json", "invalid JSON", "TaskInputError"),
        (104, "training", js({**TRAINING, "steps": 0}), "'steps'", "TaskInputError"),
        (105, "spiking", js({**SPIKING, "colour": "red"}), "'colour'", "TaskInputError"),
        (106, "painting", js(GAME24), "kind", "TaskSpecError"),
        (107, 9, js(GAME24), "kind", "TaskSpecError"),
    ],
)
def test_bad_inputs_are_failed_outcomes(
    ex: Executor, task_id: int, kind: str | int, spec: bytes, needle: str, error_type: str
) -> None:
    ex.submit(task_id, kind, spec)
    got = drain(ex, [task_id])[task_id]
    assert not got.ok and got.answer is None
    assert got.error_type == error_type and needle in (got.error or ""), got.error
    assert got.digest == result_digest(task_id, got.kind, False, None)


@pytest.mark.integration
def test_gpus_the_cluster_lacks_are_a_failed_outcome(ex: Executor) -> None:
    ex.submit(200, "spiking", js(SPIKING), gpus=64)
    got = drain(ex, [200])[200]
    assert not got.ok and got.error_type == "ExecutorError" and "64 GPU" in (got.error or "")


@pytest.mark.integration
def test_spiking_and_training_answer_with_their_result_hash(ex: Executor, tmp_path: Path) -> None:
    from node.spiking import SpikingTaskSpec, run_spiking_task
    from node.training import TrainingJobSpec, run_training_job

    ex.submit(300, "spiking", js(SPIKING))
    ex.submit(301, "training", js(TRAINING))
    out = drain(ex, [300, 301])
    spiking = run_spiking_task(SpikingTaskSpec.model_validate(SPIKING))
    training = run_training_job(TrainingJobSpec.model_validate(TRAINING), tmp_path / "direct")
    assert out[300].ok and out[300].answer == spiking.result_hash
    assert out[301].ok and out[301].answer == training.result_hash
    assert json.loads(out[301].trace)["record"]["result_hash"] == training.result_hash
    assert (ex.workdir / "training" / "301" / "result.json").exists()


@pytest.mark.integration
def test_timeout_is_a_failed_outcome_and_the_executor_goes_on(ex: Executor) -> None:
    slow = {**SPIKING, "warmup_steps": 5_000_000}
    ex.submit(400, "spiking", js(slow), timeout_s=1.0)
    ex.submit(401, "mcts", js(GAME24))
    out = drain(ex, [400, 401], timeout=60)
    assert not out[400].ok and out[400].error_type == "TaskTimeout" and "timeout_s" in (out[400].error or "")
    assert out[400].seconds < 10
    assert out[401].ok


@pytest.mark.integration
def test_reply_to_envelope_is_stripped(ex: Executor) -> None:
    ex.submit(500, "neuro-symbolic", js(SPARQL))
    ex.submit(501, "neuro-symbolic", js({**SPARQL, "reply_to": {"key": "00" * 32}}))
    ex.submit(502, "neuro-symbolic", js({**SPARQL, "reply_to": 5}))
    out = drain(ex, [500, 501, 502])
    assert out[501].ok and out[501].answer == out[500].answer
    assert out[501].digest == result_digest(501, "neuro-symbolic", True, out[500].answer)
    assert not out[502].ok and "reply_to" in (out[502].error or "")


def test_bad_constructor_arguments(tmp_path: Path) -> None:
    with pytest.raises(ExecutorError, match="max_in_flight"):
        Executor(workdir=tmp_path, max_in_flight=0)
    with pytest.raises(ExecutorError, match="num_cpus"):
        Executor(workdir=tmp_path, num_cpus=0)


@pytest.mark.integration
@pytest.mark.slow
def test_react_with_the_embedded_model(ex: Executor) -> None:
    spec = {"question": "What is 17 * 23?", "tools": ["calculator"]}
    ex.submit(600, "react", js(spec))
    out = drain(ex, [600], timeout=240)
    assert out[600].ok and out[600].answer == "391", out[600].error
    assert out[600].digest == result_digest(600, "react", True, "391")


@pytest.mark.integration
def test_backlog_beyond_max_in_flight_and_close_keeps_a_reused_ray(ex: Executor, tmp_path: Path) -> None:
    import ray

    with Executor(workdir=tmp_path, max_in_flight=1) as small:  # joins the running Ray
        for i in range(3):
            small.submit(700 + i, "mcts", js({**GAME24, "numbers": [i + 1, 2, 8, 8]}))
        assert small.pending() == {700, 701, 702}
        out = drain(small, [700, 701, 702])
        assert all(o.ok for o in out.values())
        assert small.pending() == set()
    assert ray.is_initialized()  # closing it left the Ray it did not start
    ex.submit(703, "mcts", js(GAME24))
    assert drain(ex, [703])[703].ok
