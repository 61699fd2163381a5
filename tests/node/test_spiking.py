"""Spiking workload: homeostasis, plasticity, determinism, save/load, text in and out."""

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from node.spiking import (
    NetworkConfig,
    SpikingNetwork,
    SpikingStateError,
    SpikingTaskSpec,
    load_state,
    run_spiking_task,
    save_state,
)

SMALL = NetworkConfig(neurons=5000, seed=3)


@pytest.fixture(scope="module")
def settled():
    """A network run for 2,500 steps, with its per-step firing rates."""
    net = SpikingNetwork(SMALL)
    rates = [net.step().numel() / SMALL.neurons for _ in range(2500)]
    return net, np.array(rates)


def test_rate_settles_near_target_and_stays_for_1000_steps(settled):
    _net, rates = settled
    target = SMALL.target_rate
    # Settles: the last 1,500 steps; every single step within ±2 percentage points.
    tail = rates[1000:]
    assert np.all(np.abs(tail - target) <= 0.02), (tail.min(), tail.max())
    assert abs(tail.mean() - target) < 0.005


def test_no_nan_and_weights_stay_bounded(settled):
    net, _ = settled
    for t in (net.v, net.theta, net.weights, net.i_next):
        assert torch.isfinite(t).all()
    assert net.weights.min() >= 0 and net.weights.max() <= SMALL.w_max


def test_homeostasis_recovers_from_runaway_and_silence():
    for drive in (0.3, 0.0):  # far too strong / no global drive (noise alone)
        cfg = SMALL.model_copy(update={"drive": drive, "neurons": 2000})
        net = SpikingNetwork(cfg)
        rates = np.array([net.step().numel() / cfg.neurons for _ in range(3000)])
        assert abs(rates[-500:].mean() - SMALL.target_rate) < 0.01, (drive, rates[-500:].mean())


def test_hebbian_strengthens_co_active_pathways(settled):
    net, _ = settled
    w = net.weights
    grown = (w > SMALL.w_init + 1e-6).sum().item()
    assert grown > 0 and w.max() > SMALL.w_init * 2
    # Strengthened synapses are those whose target tends to fire right after the source.
    cfg = SMALL.model_copy(update={"hebb_plus": 0.0, "hebb_minus": 0.0})
    plain = SpikingNetwork(cfg)
    for _ in range(300):
        plain.step()
    assert torch.all(plain.weights[plain.targets != cfg.neurons] == cfg.w_init)


def test_structural_plasticity_prunes_and_grows():
    # Faster depression than the default, so weak synapses reach the prune line within the test.
    cfg = SMALL.model_copy(update={"rewire_every": 50, "hebb_minus": 0.0004, "prune_below": 0.004})
    net = SpikingNetwork(cfg)
    before = net.targets.clone()
    counts = []
    for i in range(1500):
        net.step()
        if (i + 1) % 50 == 0:
            counts.append(net.active_synapses())
    total = cfg.neurons * cfg.synapses_per_neuron
    assert min(counts) < total  # pruned
    changed = (net.targets != before) & (net.targets != cfg.neurons)
    assert changed.any()  # grown at new targets
    assert not (net.targets == torch.arange(cfg.neurons).unsqueeze(1)).any()  # no self-loops


def test_save_load_round_trip_is_bit_exact(tmp_path):
    net = SpikingNetwork(SMALL)
    for _ in range(250):
        net.step()
    digest = save_state(net, tmp_path / "brain.pt")
    assert not list(tmp_path.glob(".*tmp*"))
    copy = load_state(tmp_path / "brain.pt", expect=SMALL)
    for key in SpikingNetwork.STATE_KEYS:
        assert torch.equal(getattr(net, key), getattr(copy, key)), key
    # Continuing after the load gives exactly the spikes of never having stopped.
    for _ in range(300):
        assert torch.equal(net.step(), copy.step())
    assert torch.equal(net.weights, copy.weights) and torch.equal(net.targets, copy.targets)
    assert save_state(copy, tmp_path / "again.pt") == save_state(net, tmp_path / "orig.pt") != digest


def test_corrupt_or_mismatched_state_is_refused(tmp_path):
    net = SpikingNetwork(SMALL)
    save_state(net, tmp_path / "s.pt")
    with pytest.raises(SpikingStateError, match="expected"):
        load_state(tmp_path / "s.pt", expect=SMALL.model_copy(update={"seed": 4}))
    data = (tmp_path / "s.pt").read_bytes()
    (tmp_path / "s.pt").write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(SpikingStateError, match="sha256"):
        load_state(tmp_path / "s.pt")


def _task(text="hello", **kw):
    return SpikingTaskSpec(network=SMALL, text=text, warmup_steps=300, steps_per_char=10, reply_chars=3, **kw)


def test_same_text_and_seed_give_same_output():
    a, b = run_spiking_task(_task()), run_spiking_task(_task())
    assert a.output_text == b.output_text and a.result_hash == b.result_hash
    assert len(a.output_text) == len("hello") + 3
    assert a.steps == 300 + 8 * 10
    assert abs(a.mean_rate - SMALL.target_rate) < 0.01


def test_stimulus_and_seed_change_the_output():
    base = run_spiking_task(_task())
    assert run_spiking_task(_task("world")).spike_digest != base.spike_digest
    other = SpikingTaskSpec(network=SMALL.model_copy(update={"seed": 9}), text="hello",
                            warmup_steps=300, steps_per_char=10, reply_chars=3)
    assert run_spiking_task(other).result_hash != base.result_hash


def test_task_continues_from_saved_state(tmp_path):
    first = run_spiking_task(_task("ab"), state_out=tmp_path / "s.pt")
    second = run_spiking_task(_task("cd"), state_in=tmp_path / "s.pt", state_out=tmp_path / "t.pt")
    assert second.start_step == first.steps and second.start_state_sha256 is not None
    again = run_spiking_task(_task("cd"), state_in=tmp_path / "s.pt")
    assert again.result_hash == second.result_hash


def test_spec_errors_name_the_field():
    with pytest.raises(ValidationError, match="w_init=0.5 exceeds network.w_max"):
        NetworkConfig(neurons=1000, w_init=0.5)
    with pytest.raises(ValidationError, match="network.neurons=1000"):
        SpikingTaskSpec(network=NetworkConfig(neurons=1000), text="x", group_size=10)
    with pytest.raises(ValidationError, match="extra"):
        SpikingTaskSpec(text="x", colour="red")
