"""Training runs on CPU: learning, exact resume, atomic checkpoints, spot-check verification."""

import json
import shutil
from unittest import mock

import pytest
import torch

from node.training import (
    CheckpointError,
    CheckpointRecord,
    TrainingJobSpec,
    latest_valid,
    load_checkpoint,
    read_manifest,
    run_training_job,
    sample_intervals,
    train,
    verify_training_job,
    write_checkpoint,
)
from node.training import checkpoint as ckpt_mod
from node.training.checkpoint import MANIFEST, chain_link


def _spec(**kw):
    base = {"model": "tiny", "steps": 24, "batch_size": 8, "checkpoint_interval": 8,
                "optimizer": {"lr": 3e-3}, "schedule": {"warmup_steps": 4}}
    return TrainingJobSpec(**{**base, **kw})


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    spec = _spec()
    workdir = tmp_path_factory.mktemp("honest")
    return spec, workdir, run_training_job(spec, workdir)


def test_loss_falls_and_result_is_complete(honest):
    _, workdir, result = honest
    first = json.loads((workdir / "metrics.jsonl").read_text().splitlines()[0])["loss"]
    assert result.final_train_loss < first - 0.3
    assert result.eval_loss < 5.0
    assert [c.step for c in result.checkpoints] == [0, 8, 16, 24]
    assert result.tokens_per_s > 0 and result.mfu is None and result.device == "cpu"
    assert result.chain_head == read_manifest(workdir)[-1].chain


def test_resume_matches_uninterrupted_run_bit_for_bit(honest, tmp_path):
    spec, workdir, result = honest
    # Stop mid-interval (step 12), then resume: the run restarts from checkpoint 8.
    train(spec, tmp_path, stop_at=12)
    train(spec, tmp_path)
    ours = load_checkpoint(tmp_path, read_manifest(tmp_path)[-1])
    theirs = load_checkpoint(workdir, read_manifest(workdir)[-1])
    for k, v in theirs["model"].items():
        assert torch.equal(ours["model"][k], v), k
    assert [e.sha256 for e in read_manifest(tmp_path)] == [c.sha256 for c in result.checkpoints]


def test_honest_nodes_agree_on_the_result_hash(honest, tmp_path):
    spec, _, result = honest
    again = run_training_job(spec, tmp_path)
    assert again.result_hash == result.result_hash
    assert again.chain_head == result.chain_head


def test_write_killed_halfway_leaves_previous_checkpoint_valid(honest, tmp_path):
    spec, workdir, _ = honest
    for e in read_manifest(workdir)[:2]:
        shutil.copy(workdir / e.file, tmp_path / e.file)
    shutil.copy(workdir / MANIFEST, tmp_path / MANIFEST)
    body = json.loads((tmp_path / MANIFEST).read_text())
    body["checkpoints"] = body["checkpoints"][:2]
    (tmp_path / MANIFEST).write_text(json.dumps(body))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    real_fsync = ckpt_mod.os.fsync
    def die_after_partial_write(fd):
        real_fsync(fd)
        raise OSError("power lost")
    payload = load_checkpoint(tmp_path, read_manifest(tmp_path)[-1])
    with (
        mock.patch.object(ckpt_mod.os, "fsync", die_after_partial_write),
        pytest.raises(OSError, match="power lost"),
    ):
        write_checkpoint(tmp_path, spec.spec_hash(), 16, payload)

    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file left
    entry, restored = latest_valid(tmp_path)
    assert entry.step == 8 and restored["step"] == 8


def test_truncated_checkpoint_is_refused_and_skipped(honest, tmp_path):
    _, workdir, _ = honest
    shutil.copytree(workdir, tmp_path / "w")
    last = read_manifest(tmp_path / "w")[-1]
    path = tmp_path / "w" / last.file
    path.write_bytes(path.read_bytes()[: 1000])
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(tmp_path / "w", last)
    assert latest_valid(tmp_path / "w")[0].step == 16


def test_honest_job_passes_spot_check(honest):
    spec, workdir, result = honest
    verdict = verify_training_job(spec, workdir, sample=[1, 2, 3])
    assert verdict.ok, verdict.reasons
    assert verdict.intervals == [(0, 8), (8, 16), (16, 24)]
    assert verdict.max_abs == 0.0 and verdict.rel_l2 == 0.0
    assert sample_intervals(result, 2, b"a") == sample_intervals(result, 2, b"a")


def _forge(workdir, spec, step, mutate):
    """Replace checkpoint ``step`` by a mutated payload and rewrite the manifest consistently,
    as a dishonest node would."""
    entries = read_manifest(workdir)
    payloads = [load_checkpoint(workdir, e) for e in entries]
    (workdir / MANIFEST).unlink()
    for e, p in zip(entries, payloads, strict=True):
        if e.step == step:
            mutate(p)
        write_checkpoint(workdir, spec.spec_hash(), e.step, p)
    return read_manifest(workdir)


def test_faked_checkpoint_is_caught(honest, tmp_path):
    spec, workdir, result = honest
    fake = tmp_path / "fake"
    shutil.copytree(workdir, fake)
    def perturb(p):
        for v in p["model"].values():
            v.add_(1e-3 * torch.randn_like(v))
    entries = _forge(fake, spec, 16, perturb)
    claim = result.model_copy(update={
        "checkpoints": [CheckpointRecord(step=e.step, sha256=e.sha256) for e in entries],
        "chain_head": entries[-1].chain,
    })
    verdict = verify_training_job(spec, fake, claim, sample=[2])
    assert not verdict.ok and "interval 2" in verdict.reasons[0] and verdict.rel_l2 > 1e-4
    # The interval after the fake starts from the fake, so on its own it re-executes cleanly:
    # this is why intervals are sampled at random and a node cannot know which one is checked.
    assert verify_training_job(spec, fake, claim, sample=[1]).ok


def test_node_that_skipped_steps_is_caught(honest, tmp_path):
    spec, workdir, result = honest
    lazy = tmp_path / "lazy"
    shutil.copytree(workdir, lazy)
    # Copy checkpoint 16's weights forward as "step 24": the last 8 steps were never run.
    w16 = load_checkpoint(lazy, read_manifest(lazy)[2])
    def skip(p):
        p["model"], p["optimizer"] = w16["model"], w16["optimizer"]
    entries = _forge(lazy, spec, 24, skip)
    claim = result.model_copy(update={
        "checkpoints": [CheckpointRecord(step=e.step, sha256=e.sha256) for e in entries],
        "chain_head": entries[-1].chain,
    })
    verdict = verify_training_job(spec, lazy, claim, sample=[3])
    assert not verdict.ok
    assert any("interval 3" in r for r in verdict.reasons)
    assert any("eval loss" in r for r in verdict.reasons)


def test_tampered_file_or_chain_is_caught(honest, tmp_path):
    spec, workdir, result = honest
    bad = tmp_path / "bad"
    shutil.copytree(workdir, bad)
    one, two = read_manifest(bad)[1:3]
    shutil.copy(bad / two.file, bad / one.file)  # a valid file, but not the committed content
    verdict = verify_training_job(spec, bad, result, sample=[1])
    assert not verdict.ok and "manifest says" in verdict.reasons[0]
    wrong_head = result.model_copy(update={"chain_head": chain_link("0", 0, "0")})
    verdict = verify_training_job(spec, workdir, wrong_head, sample=[1])
    assert not verdict.ok and "hash chain" in verdict.reasons[0]


def test_result_for_another_spec_is_refused(honest):
    _, workdir, result = honest
    other = _spec(seed=7)
    verdict = verify_training_job(other, workdir, result, sample=[1])
    assert not verdict.ok and "not this job" in verdict.reasons[0]


def test_rerunning_a_finished_job_returns_the_same_result(honest):
    spec, workdir, result = honest
    lines_before = (workdir / "metrics.jsonl").read_text()
    again = run_training_job(spec, workdir)
    assert (workdir / "metrics.jsonl").read_text() == lines_before  # no step was re-run
    assert again.result_hash == result.result_hash
    assert again.final_train_loss == result.final_train_loss
