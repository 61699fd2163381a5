"""Spot re-execution of a training job, in the spirit of proof-of-learning.

A verifier holds the spec, the node's claimed ``TrainingResult`` and read access to the
node's checkpoints. It checks, in order:

1. the manifest: checkpoint steps are the spec's, every file hashes to its recorded sha256,
   and the hashes chain to the claimed ``chain_head``;
2. checkpoint 0 is the initialisation the job seed prescribes;
3. each sampled interval: start from checkpoint ``i-1``, re-run the steps up to checkpoint
   ``i``, and compare the result with the claimed checkpoint ``i``, parameter by parameter and
   over the AdamW moments: relative L2 ``‖ours − theirs‖₂ / ‖theirs‖₂ ≤ rel_l2_tol`` and
   ``max |ours − theirs| ≤ max_abs_tol``;
4. the eval loss recomputed from the final checkpoint is within ``eval_loss_tol`` of the
   claim, and the claimed result hash is the one that eval loss yields.

A node that skips steps or fakes a checkpoint fails step 3 for every interval it touched (and
usually step 4); sampling ``k`` of ``n`` intervals catches a single faked interval with
probability ``k/n`` per check, so requesters raise ``verification.samples`` for larger jobs.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .checkpoint import CheckpointEntry, chain_link, load_checkpoint, read_manifest
from .data import TokenData
from .errors import CheckpointError
from .result import TrainingResult, Verdict, result_hash
from .spec import TrainingJobSpec
from .trainer import build, evaluate, snapshot, train


def sample_intervals(result: TrainingResult, count: int, salt: bytes = b"") -> list[int]:
    """``count`` distinct interval indices (1-based) drawn from the result and a verifier salt."""
    n = len(result.checkpoints) - 1
    seed = int.from_bytes(hashlib.sha256(result.chain_head.encode() + salt).digest()[:8], "little")
    g = torch.Generator().manual_seed(seed & ((1 << 63) - 1))
    return sorted((torch.randperm(n, generator=g)[: min(count, n)] + 1).tolist())


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[float, float]:
    """Largest absolute difference and largest relative L2 distance over model tensors and
    AdamW moments of two checkpoint payloads."""
    pairs = [(ours["model"][k], theirs["model"].get(k)) for k in ours["model"]]
    for idx, st in ours["optimizer"]["state"].items():
        other = theirs["optimizer"]["state"].get(idx, {})
        pairs += [(st[m], other.get(m)) for m in ("exp_avg", "exp_avg_sq")]
    max_abs, rel = 0.0, 0.0
    for a, b in pairs:
        if b is None or a.shape != b.shape:
            return float("inf"), float("inf")
        a, b = a.double(), b.double()
        max_abs = max(max_abs, float((a - b).abs().max()))
        rel = max(rel, float((a - b).norm() / b.norm().clamp_min(1e-30)))
    return max_abs, rel


def _check_manifest(
    spec: TrainingJobSpec, workdir: Path, result: TrainingResult
) -> tuple[list[CheckpointEntry], list[str]]:
    reasons: list[str] = []
    entries = read_manifest(workdir)
    if [e.step for e in entries] != spec.checkpoint_steps():
        reasons.append(f"checkpoint steps {[e.step for e in entries]} != spec's {spec.checkpoint_steps()}")
    if [(e.step, e.sha256) for e in entries] != [(c.step, c.sha256) for c in result.checkpoints]:
        reasons.append("manifest hashes differ from the result's checkpoint hashes")
    head = spec.spec_hash()
    for e in entries:
        head = chain_link(head, e.step, e.sha256)
    if head != result.chain_head:
        reasons.append(f"hash chain recomputes to {head}, result claims {result.chain_head}")
    return entries, reasons


def verify(
    spec: TrainingJobSpec,
    workdir: Path,
    result: TrainingResult,
    sample: Sequence[int] | None = None,
    salt: bytes = b"",
) -> Verdict:
    """Check ``result`` against the checkpoints in ``workdir``; see the module docstring."""
    workdir, tol = Path(workdir), spec.verification
    reasons: list[str] = []
    if result.spec_hash != spec.spec_hash() or result.steps != spec.steps:
        reasons.append(f"result is for spec {result.spec_hash} / {result.steps} steps, not this job")
        return Verdict(ok=False, intervals=[], reasons=reasons)
    entries, reasons = _check_manifest(spec, workdir, result)
    if reasons:
        return Verdict(ok=False, intervals=[], reasons=reasons)
    picks = list(sample) if sample is not None else sample_intervals(result, tol.samples, salt)
    bad = [i for i in picks if not 1 <= i < len(entries)]
    if bad:
        raise ValueError(f"sample={bad} out of range; intervals are 1..{len(entries) - 1}")

    try:
        needed = sorted({0, *picks, *(i - 1 for i in picks), len(entries) - 1})
        payloads = {i: load_checkpoint(workdir, entries[i]) for i in needed}
    except CheckpointError as exc:
        return Verdict(ok=False, intervals=[], reasons=[str(exc)])

    worst_abs, worst_rel = 0.0, 0.0
    device = torch.device("cpu")
    model, opt = build(spec, device)
    init_abs, init_rel = compare(snapshot(model, opt, spec, 0), payloads[0])
    if init_abs > tol.max_abs_tol or init_rel > tol.rel_l2_tol or payloads[0]["optimizer"]["state"]:
        reasons.append(f"checkpoint 0 is not the seeded initialisation (max_abs={init_abs:.3g})")

    intervals: list[tuple[int, int]] = []
    for i in picks:
        start, claimed = payloads[i - 1], payloads[i]
        intervals.append((entries[i - 1].step, entries[i].step))
        if int(start["step"]) != entries[i - 1].step or int(claimed["step"]) != entries[i].step:
            reasons.append(f"interval {i}: checkpoint step fields do not match the manifest")
            continue
        with tempfile.TemporaryDirectory(prefix="nashnet-verify-") as scratch:
            train(spec, Path(scratch), stop_at=entries[i].step, start_from=start)
            ours = load_checkpoint(Path(scratch), read_manifest(Path(scratch))[-1])
        max_abs, rel = compare(ours, claimed)
        worst_abs, worst_rel = max(worst_abs, max_abs), max(worst_rel, rel)
        if max_abs > tol.max_abs_tol or rel > tol.rel_l2_tol:
            reasons.append(
                f"interval {i} (steps {entries[i - 1].step}->{entries[i].step}): re-execution differs, "
                f"max_abs={max_abs:.3g} (tol {tol.max_abs_tol}), rel_l2={rel:.3g} (tol {tol.rel_l2_tol})"
            )

    model.load_state_dict(payloads[len(entries) - 1]["model"])
    eval_loss = evaluate(model, TokenData(spec), spec, device)
    if abs(eval_loss - result.eval_loss) > tol.eval_loss_tol:
        reasons.append(f"eval loss recomputes to {eval_loss:.6f}, result claims {result.eval_loss:.6f}")
    if result_hash(spec, result.eval_loss) != result.result_hash:
        reasons.append("result_hash does not match the claimed eval loss")
    return Verdict(ok=not reasons, intervals=intervals, max_abs=worst_abs, rel_l2=worst_rel,
                   eval_loss=eval_loss, reasons=reasons)
