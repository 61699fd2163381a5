"""Spot re-execution of an ``alphazero`` job.

A verifier holds the spec, the node's claimed result and read access to its checkpoints. It
checks the manifest (one checkpoint per iteration, each hashing to its recorded sha256, the
hashes chaining to ``chain_head``), that checkpoint 0 is the seeded initialisation, then
re-executes sampled iterations: from checkpoint ``i-1`` it plays iteration ``i``'s self-play
games and takes its training steps, and compares with checkpoint ``i``. The self-play positions
must match exactly (a search decision is discrete) and the parameters and AdamW moments within
``REL_L2_TOL`` / ``MAX_ABS_TOL``. With one thread and deterministic kernels a run reproduces bit
for bit on the same CPU type and torch build; across CPU types a flipped search decision shows
up as differing positions and is reported as such. Last, the final network hashes to the claim
and the claimed result hash is the one the claimed record yields. The evaluation games are not
replayed (the requester may replay them with :func:`evaluate_network`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from node.training.checkpoint import CheckpointEntry, chain_link, content_hash, load_checkpoint, read_manifest
from node.training.errors import CheckpointError
from node.training.result import Verdict

from ..determinism import deterministic_torch
from ..errors import WorkloadVerificationError
from .runner import AlphaZeroResult, result_hash
from .spec import AlphaZeroSpec
from .trainer import build, restore, run_iteration, snapshot

REL_L2_TOL = 1e-5
MAX_ABS_TOL = 1e-4


def sample_iterations(result: AlphaZeroResult, count: int, salt: bytes = b"") -> list[int]:
    """``count`` distinct iterations (1-based) drawn from the claim's chain head and a verifier salt."""
    n = result.iterations
    seed = int.from_bytes(hashlib.sha256(result.chain_head.encode() + salt).digest()[:8], "little") >> 1
    g = torch.Generator().manual_seed(seed)
    return sorted((torch.randperm(n, generator=g)[: min(count, n)] + 1).tolist())


def _compare(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[float, float]:
    pairs = [(ours["model"][k], theirs["model"].get(k)) for k in ours["model"]]
    for idx, st in ours["optimizer"]["state"].items():
        other = theirs["optimizer"]["state"].get(idx, {})
        pairs += [(st[m], other.get(m)) for m in ("exp_avg", "exp_avg_sq")]
    max_abs = rel = 0.0
    for a, b in pairs:
        if b is None or a.shape != b.shape:
            return float("inf"), float("inf")
        a, b = a.double(), b.double()
        max_abs = max(max_abs, float((a - b).abs().max()))
        rel = max(rel, float((a - b).norm() / b.norm().clamp_min(1e-30)))
    return max_abs, rel


def _check_manifest(spec: AlphaZeroSpec, entries: list[CheckpointEntry], result: AlphaZeroResult) -> list[str]:
    reasons = []
    if [e.step for e in entries] != list(range(spec.iterations + 1)):
        reasons.append(f"checkpoint iterations {[e.step for e in entries]} != 0..{spec.iterations}")
    if [(e.step, e.sha256) for e in entries] != [(c.step, c.sha256) for c in result.checkpoints]:
        reasons.append("manifest hashes differ from the result's checkpoint hashes")
    head = spec.spec_hash()
    for e in entries:
        head = chain_link(head, e.step, e.sha256)
    if head != result.chain_head:
        reasons.append(f"hash chain recomputes to {head}, result claims {result.chain_head}")
    return reasons


def verify_alphazero(
    spec: AlphaZeroSpec,
    workdir: Path,
    result: AlphaZeroResult,
    sample: Sequence[int] | None = None,
    samples: int = 1,
    salt: bytes = b"",
) -> Verdict:
    """Check ``result`` against the checkpoints in ``workdir``; see the module docstring.

    Args:
        sample: iterations to re-execute; default ``samples`` drawn by :func:`sample_iterations`.

    Raises:
        WorkloadVerificationError: ``sample`` names an iteration the job does not have.
    """
    workdir = Path(workdir)
    if result.spec_hash != spec.spec_hash() or result.iterations != spec.iterations:
        return Verdict(ok=False, intervals=[], reasons=[f"result is for spec {result.spec_hash}, not this job"])
    entries = read_manifest(workdir)
    reasons = _check_manifest(spec, entries, result)
    if reasons:
        return Verdict(ok=False, intervals=[], reasons=reasons)
    picks = list(sample) if sample is not None else sample_iterations(result, samples, salt)
    bad = [i for i in picks if not 1 <= i <= spec.iterations]
    if bad:
        raise WorkloadVerificationError(f"sample={bad} out of range; iterations are 1..{spec.iterations}")
    try:
        needed = sorted({0, *picks, *(i - 1 for i in picks), spec.iterations})
        payloads = {i: load_checkpoint(workdir, entries[i]) for i in needed}
    except CheckpointError as exc:
        return Verdict(ok=False, intervals=[], reasons=[str(exc)])

    worst_abs = worst_rel = 0.0
    intervals: list[tuple[int, int]] = []
    with deterministic_torch():
        net, opt = build(spec)
        if content_hash(snapshot(net, opt, 0, [])) != entries[0].sha256:
            reasons.append("checkpoint 0 is not the seeded initialisation")
        # The optimiser's settings never change during a job: a checkpoint that carries other
        # ones (a different learning rate, say) would steer a re-execution started from it.
        groups = opt.state_dict()["param_groups"]
        for i, payload in payloads.items():
            if payload["optimizer"]["param_groups"] != groups:
                reasons.append(f"checkpoint {i}: optimiser settings differ from the spec's")
        for i in picks:
            intervals.append((i - 1, i))
            net, opt = build(spec)
            buffer = restore(net, opt, payloads[i - 1])
            buffer, _ = run_iteration(spec, net, opt, buffer, i)
            ours, claimed = snapshot(net, opt, i, buffer), payloads[i]
            if int(claimed["iteration"]) != i:
                reasons.append(f"iteration {i}: the checkpoint says iteration {claimed['iteration']}")
                continue
            if content_hash(ours["buffer"][-1]) != content_hash(claimed["buffer"][-1]):
                reasons.append(f"iteration {i}: re-played self-play games differ from the checkpoint's")
            max_abs, rel = _compare(ours, claimed)
            worst_abs, worst_rel = max(worst_abs, max_abs), max(worst_rel, rel)
            if max_abs > MAX_ABS_TOL or rel > REL_L2_TOL:
                reasons.append(
                    f"iteration {i}: re-executed training differs, max_abs={max_abs:.3g} (tol {MAX_ABS_TOL}), "
                    f"rel_l2={rel:.3g} (tol {REL_L2_TOL})"
                )
    final = payloads[spec.iterations]["model"]
    if content_hash(final) != result.network_sha256:
        reasons.append("the final checkpoint's network does not hash to the claimed network_sha256")
    if result_hash(spec, result.network_sha256, result.evaluation) != result.result_hash:
        reasons.append("the claimed result_hash is not the one the claimed network and record yield")
    return Verdict(ok=not reasons, intervals=intervals, max_abs=worst_abs, rel_l2=worst_rel, reasons=reasons)
