"""Training job spec: presets, validation errors naming the field, canonical hashing."""

import hashlib
import itertools

import pytest
from pydantic import ValidationError

from node.training import (
    PRESETS,
    LocalDataset,
    ModelConfig,
    ScaleSpec,
    TrainingJobSpec,
    TrainingSpecError,
    count_params,
    lr_at,
)
from node.training.data import TokenData


def _spec(**kw):
    base = {"model": "tiny", "steps": 10, "batch_size": 4, "checkpoint_interval": 5}
    return TrainingJobSpec(**{**base, **kw})


def test_presets_span_tiny_to_a_billion():
    sizes = {name: count_params(ModelConfig.preset(name)) for name in PRESETS}
    assert sizes["tiny"] < 200_000
    assert 0.9e9 < sizes["1b"] < 1.3e9
    assert sorted(sizes.values()) == list(sizes.values())


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError, match="extra"):
        _spec(learning_rate=1.0)


def test_errors_name_field_and_value():
    with pytest.raises(ValidationError, match=r"n_embd=65 must be a multiple of model.n_head=2"):
        _spec(model=ModelConfig.preset("tiny", n_embd=65))
    with pytest.raises(ValidationError, match=r"batch_size=5 must be a multiple of scale.workers=2"):
        _spec(batch_size=5, scale=ScaleSpec(workers=2))
    with pytest.raises(ValidationError, match="unknown"):
        _spec(model="huge")


def test_spec_hash_is_canonical_and_sensitive():
    assert _spec().spec_hash() == _spec().spec_hash()
    assert _spec().spec_hash() != _spec(seed=1).spec_hash()
    assert TrainingJobSpec.model_validate_json(_spec().model_dump_json()) == _spec()


def test_checkpoint_steps_end_at_last_step():
    assert _spec(steps=12, checkpoint_interval=5).checkpoint_steps() == [0, 5, 10, 12]


def test_schedule_warms_up_then_decays_to_floor():
    spec = _spec(steps=100)
    lrs = [lr_at(spec, s) for s in range(100)]
    peak = spec.optimizer.lr
    assert lrs[0] == pytest.approx(peak / spec.schedule.warmup_steps)
    assert max(lrs) == pytest.approx(peak)
    assert lrs[-1] == pytest.approx(peak * spec.schedule.min_lr_ratio, rel=0.01)
    assert all(a >= b for a, b in itertools.pairwise(lrs[10:]))


def test_local_dataset_checks_sha256(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"the quick brown fox jumps over the lazy dog. " * 400)
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    data = TokenData(_spec(dataset=LocalDataset(path=str(path), sha256=good)))
    assert data.train.max() < 256
    with pytest.raises(TrainingSpecError, match="sha256 mismatch"):
        TokenData(_spec(dataset=LocalDataset(path=str(path), sha256="0" * 64)))


def test_batches_are_a_function_of_step_and_split_across_ranks():
    data = TokenData(_spec())
    x1, y1 = data.train_batch(3, 0)
    x2, _ = data.train_batch(3, 0)
    assert (x1 == x2).all() and (x1[:, 1:] == y1[:, :-1]).all()
    assert not (data.train_batch(4, 0)[0] == x1).all()
    halves = [data.train_batch(3, 0, rank=r, world=2)[0] for r in range(2)]
    assert (halves[0] == x1[0::2]).all() and (halves[1] == x1[1::2]).all()
