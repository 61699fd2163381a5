"""Milliseconds per step of the spiking network at the target firing rate.

Usage: python benchmarks/spiking.py [--neurons 200000] [--steps 500] [--device cpu|cuda]

The network first settles (homeostasis brings firing to the target rate), then the timed
steps run; the last line is a JSON object for machines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from node.spiking import NetworkConfig, SpikingNetwork


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=200_000)
    ap.add_argument("--synapses", type=int, default=32)
    ap.add_argument("--settle", type=int, default=1000, help="untimed steps before timing")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    # One thread by default: a step is ~20 small kernels over 200k elements, where splitting
    # work across threads costs more than it gains (and collapses when the cores are shared).
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    cfg = NetworkConfig(neurons=args.neurons, synapses_per_neuron=args.synapses, device=args.device)
    net = SpikingNetwork(cfg)
    sync = torch.cuda.synchronize if net.device.type == "cuda" else (lambda: None)
    for _ in range(args.settle):
        net.step()
    sync()

    times, spikes = [], 0
    for _ in range(args.steps):
        t0 = time.perf_counter()
        fired = net.step()
        sync()
        times.append(time.perf_counter() - t0)
        spikes += fired.numel()
    # The mean includes the periodic prune/grow pass; the median is a plain step.
    ms_mean = 1000 * sum(times) / len(times)
    ms_median = 1000 * statistics.median(times)
    rate = spikes / (args.steps * args.neurons)
    device = str(net.device) if net.device.type == "cpu" else torch.cuda.get_device_name(net.device)

    print(f"{'neurons':>10} {'syn/neuron':>10} {'rate':>7} {'ms/step mean':>13} {'ms/step median':>15}  device")
    print(f"{args.neurons:>10} {args.synapses:>10} {rate:>7.2%} {ms_mean:>13.2f} {ms_median:>15.2f}  {device}"
          f" ({torch.get_num_threads()} threads)")
    print(json.dumps({"neurons": args.neurons, "synapses_per_neuron": args.synapses,
                      "ms_per_step": round(ms_mean, 3), "device": device}))


if __name__ == "__main__":
    main()
