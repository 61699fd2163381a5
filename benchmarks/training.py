"""Training throughput (tokens/s) of the trainer, and MFU on a known GPU.

Usage: python benchmarks/training.py [--model tiny] [--steps 30] [--batch 16]

Runs a real training job (checkpoints included) in a temporary folder; the last line is a
JSON object for machines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import torch

from node.training import ScaleSpec, TrainingJobSpec, count_params, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--gpu", action=argparse.BooleanOptionalAction, default=torch.cuda.is_available())
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    spec = TrainingJobSpec(
        model=args.model, steps=args.steps, batch_size=args.batch, checkpoint_interval=args.steps,
        scale=ScaleSpec(use_gpu=args.gpu),
    )
    with tempfile.TemporaryDirectory() as workdir:
        history = train(spec, Path(workdir))
    steady = history[min(3, len(history) - 1):]  # leave kernel warm-up out
    tps = statistics.median(m.tokens_per_s for m in steady)
    mfus = [m.mfu for m in steady if m.mfu is not None]
    device = torch.cuda.get_device_name() if args.gpu else "cpu"

    print(f"{'model':>6} {'params':>10} {'batch×ctx':>10} {'tokens/s':>10} {'MFU':>6} {'loss':>13}  device")
    mfu_s = f"{statistics.median(mfus):.1%}" if mfus else "n/a"
    print(f"{args.model:>6} {count_params(spec.model):>10,} {args.batch}×{spec.model.block_size:<6} {tps:>10,.0f}"
          f" {mfu_s:>6} {history[0].loss:>6.3f}→{history[-1].loss:<6.3f}  {device}"
          f" ({torch.get_num_threads()} threads)")
    out: dict[str, object] = {"tokens_per_s": round(tps, 1), "device": device}
    if mfus:
        out["mfu"] = round(statistics.median(mfus), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
