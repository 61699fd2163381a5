"""The workload registry: one complete record per kind, consistent with what the node does today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.kinds import TaskKind
from node.samples import samples
from node.workloads import WORKLOADS, Resources, WorkloadSpecError, get, kinds


def test_every_chain_kind_has_a_record() -> None:
    for kind in TaskKind:
        assert get(kind).chain_kind is kind
    assert {"alphazero", "q-learning"} <= set(kinds())
    assert all(w.chain_kind is None for w in WORKLOADS.values() if w.kind in ("alphazero", "q-learning"))


@pytest.mark.parametrize("kind", list(WORKLOADS))
def test_every_record_has_every_field(kind: str) -> None:
    w = get(kind)
    assert w.kind == kind
    assert w.spec is not None
    assert callable(w.run) and callable(w.resources_for)
    assert w.default_timeout_s > 0
    assert isinstance(w.batched, bool)
    assert w.verification
    assert w.verify is None or callable(w.verify)


def test_timeouts_and_batching_agree_with_the_executor() -> None:
    from node.daemon.config import DEFAULT_TIMEOUTS as CONFIG_TIMEOUTS
    from node.daemon.executor import BATCHED_KINDS, DEFAULT_TIMEOUTS

    for kind in TaskKind:
        assert get(kind).default_timeout_s == DEFAULT_TIMEOUTS[kind] == CONFIG_TIMEOUTS[kind.label]
        assert get(kind).batched == (kind in BATCHED_KINDS)


def test_the_samples_validate_through_the_registry() -> None:
    for sample in samples(cheap=True):
        get(sample.kind).parse(sample.spec)


def test_a_bad_input_names_its_field() -> None:
    with pytest.raises(WorkloadSpecError) as info:
        get("mcts").parse({"problem": "game24", "numbers": [1, 2, 3]})
    assert info.value.field == "game24.numbers"
    with pytest.raises(WorkloadSpecError) as info:
        get("alphazero").parse(b'{"search": {"simulations": 0}}')
    assert info.value.field == "search.simulations"
    with pytest.raises(WorkloadSpecError) as info:
        get("chess")
    assert info.value.field == "kind"


def test_resources_come_from_the_parsed_spec() -> None:
    training = get("training")
    job = {"model": "tiny", "steps": 2, "batch_size": 2, "checkpoint_interval": 1}
    assert training.resources(training.parse(job)) == Resources(cpus=1.0, gpus=0.0)
    gpu = training.parse({**job, "scale": {"use_gpu": True}})
    assert training.resources(gpu) == Resources(cpus=1.0, gpus=1.0)
    ddp = training.parse({**job, "scale": {"workers": 2}})
    assert training.resources(ddp) == Resources(cpus=0.0, gpus=0.0)
    assert get("alphazero").resources(get("alphazero").parse({})) == Resources()


def test_runners_share_one_signature(tmp_path: Path) -> None:
    w = get("q-learning")
    spec = w.parse({"episodes": 20, "eval_episodes": 5})
    result = w.run(spec, tmp_path)
    assert w.verify is not None and w.verify(spec, tmp_path, result).ok


def test_reading_the_registry_imports_no_torch() -> None:
    code = "import sys, node.workloads as w; w.get('training'); assert 'torch' not in sys.modules, 'torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("kind", ["training", "spiking"])
def test_existing_kinds_run_and_verify_through_the_registry(kind: str, tmp_path: Path) -> None:
    (sample,) = samples(kinds=(kind,))
    w = get(kind)
    spec = w.parse(sample.spec)
    result = w.run(spec, tmp_path)
    assert w.verify is not None
    assert w.verify(spec, tmp_path, result).ok
